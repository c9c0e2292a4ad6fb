import type { MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { AuthenticatedVerification } from '../verification/verification.service.js';

/** How often a comment line keeps a quiet stream open through proxies that drop idle connections. */
const KEEP_ALIVE_MS = 15_000;

/** `event: status`, with `data: {"status":"pending","expiresAt":"..."}` or `{"status":"verified"}`. */
function statusEvent({ status, expiresAt }: AuthenticatedVerification): MessageEvent {
  return { type: 'status', data: status === 'pending' ? { status, expiresAt } : { status } };
}

/**
 * The event stream of `GET <prefix>/verifications/:id/events`: the status now and, when that is
 * pending, the status it changes to (from `change`, which waits for it), then the end of the
 * stream. When `change` still finds it pending (shutdown, or the client left), the stream ends
 * without a final event: the client asks again.
 */
export function statusEvents(
  now: AuthenticatedVerification,
  change: () => Promise<AuthenticatedVerification | null>,
): Observable<MessageEvent> {
  return new Observable<MessageEvent>((subscriber) => {
    subscriber.next(statusEvent(now));
    if (now.status !== 'pending') {
      subscriber.complete();
      return undefined;
    }
    const keepAlive = setInterval(() => subscriber.next({ comment: '' }), KEEP_ALIVE_MS);
    change().then(
      (last) => {
        if (last && last.status !== 'pending') subscriber.next(statusEvent(last));
        subscriber.complete();
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => clearInterval(keepAlive);
  });
}
