import { type MessageEvent, Param, Req, Sse, SseSignal, UnauthorizedException, UseGuards } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { statusEvents } from '../realtime/status-events.js';
import { VerificationWaitersService } from '../realtime/verification-waiters.service.js';
import { VerificationRoutes } from './verification-routes.decorator.js';
import { VerificationSecretGuard } from './verification-secret.guard.js';
import { readVerificationSecret, UNKNOWN_VERIFICATION_MESSAGE } from './verification-secret.strategy.js';
import { EventsDocs } from './verification.docs.js';
import { type AuthenticatedVerification, VerificationService } from './verification.service.js';

/** `GET <prefix>/verifications/:id/events` (route group `events`). */
@VerificationRoutes('poll')
export class EventsController {
  constructor(
    private readonly verifications: VerificationService,
    private readonly waiters: VerificationWaitersService,
  ) {}

  /**
   * Streams the verification's status (`text/event-stream`): `event: status` with
   * `{"status":"pending","expiresAt":...}`, then one final status (`verified`, `expired`,
   * `canceled` or `consumed`) when it changes, and the stream ends. It reads and consumes
   * nothing: on `verified`, redeem the token with `POST :id/token`. The secret goes in the
   * `X-Verification-Secret` header (an EventSource cannot send one: read the stream with fetch).
   */
  @Sse(':id/events')
  @UseGuards(VerificationSecretGuard)
  @EventsDocs()
  async events(
    @Param('id') id: string,
    @Req()
    request: { body?: unknown; headers: Record<string, unknown>; ip?: string; user?: AuthenticatedVerification },
    @SseSignal() signal: AbortSignal,
  ): Promise<Observable<MessageEvent>> {
    const secret = readVerificationSecret(request);
    const check = () => this.verifications.authenticate(id, secret);
    // The guard has just read it.
    const now = request.user ?? (await check());
    if (!now) throw new UnauthorizedException(UNKNOWN_VERIFICATION_MESSAGE);
    // Refused here, while the answer can still be a 503, rather than in the stream.
    if (now.status === 'pending') this.waiters.assertRoom(id, request.ip);
    const pendingUntil = (v: AuthenticatedVerification | null) => (v?.status === 'pending' ? v.expiresAt : undefined);
    // Held until the window closes (and a little longer, for the database clock to agree).
    const waitMs = now.expiresAt.getTime() - Date.now() + 5_000;
    return statusEvents(now, () => this.waiters.hold(id, waitMs, check, pendingUntil, { signal, ip: request.ip }));
  }
}
