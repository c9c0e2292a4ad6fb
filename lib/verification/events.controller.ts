import { Get, Param, Req, Res } from '@nestjs/common';
import { EventStreamsService } from '../realtime/event-streams.service.js';
import { VerificationWaitersService } from '../realtime/verification-waiters.service.js';
import { VerificationRoutes } from './verification-routes.decorator.js';
import { assertVerificationId, readVerificationSecret } from './verification-secret.js';
import { VerificationRefusedException } from './verification-refused.exception.js';
import { EventsDocs } from './verification.docs.js';
import { VerificationService } from './verification.service.js';
import type { AuthenticatedVerification } from './verification.types.js';

/** `{"status":"pending","expiresAt":"..."}` or `{"status":"verified"}`, ... */
function statusData({ status, expiresAt }: AuthenticatedVerification): object {
  return status === 'pending' ? { status, expiresAt } : { status };
}

const pendingUntil = (v: AuthenticatedVerification | null) => (v?.status === 'pending' ? v.expiresAt : undefined);

/** `GET <prefix>/verifications/:id/events` (route group `events`). */
@VerificationRoutes('poll')
export class EventsController {
  constructor(
    private readonly verifications: VerificationService,
    private readonly waiters: VerificationWaitersService,
    private readonly streams: EventStreamsService,
  ) {}

  /**
   * Streams the verification's status (`text/event-stream`): `event: status` with
   * `{"status":"pending","expiresAt":...}`, then one final status (`verified`, `expired`,
   * `canceled` or `consumed`) when it changes, and the stream ends. It reads and consumes
   * nothing: on `verified`, redeem the token with `POST :id/token`. The secret goes in the
   * `X-Verification-Secret` header (an EventSource cannot send one: read the stream with fetch).
   *
   * When the wait ends with the verification still pending (shutdown, or the client left), the
   * stream ends without a final event: the client asks again. The handler returns once the first
   * event is out, so nothing of the request's route chain is kept while it waits.
   */
  @Get(':id/events')
  @EventsDocs()
  async events(
    @Param('id') id: string,
    @Req() request: { body?: unknown; headers: Record<string, unknown>; ip?: string },
    @Res() response: unknown,
  ): Promise<void> {
    assertVerificationId(id);
    const secret = readVerificationSecret(request);
    const check = () => this.verifications.authenticate(id, secret);
    const mark = this.waiters.mark();
    const now = await check();
    if (!now) throw new VerificationRefusedException('UNAUTHORIZED');
    // Refused here, while the answer can still be a 503 or a 429, rather than in the stream.
    if (now.status === 'pending') this.waiters.assertRoom(id, request.ip);
    const stream = this.streams.open(request, response);
    stream.send('status', statusData(now));
    if (now.status !== 'pending' || stream.response.writableEnded) {
      stream.end();
      return;
    }
    // Held until the window closes (and a little longer, for the database clock to agree).
    const waitMs = now.expiresAt.getTime() - Date.now() + 5_000;
    const options = { connection: stream.response, ip: request.ip, checked: { result: now, mark } };
    try {
      this.waiters.watch(id, waitMs, check, pendingUntil, options, (failure, last) => {
        if (failure) stream.fail(failure.error);
        else {
          if (last && last.status !== 'pending') stream.send('status', statusData(last));
          stream.end();
        }
      });
    } catch (error) {
      // The headers are out: no exception filter can answer any more.
      stream.fail(error);
    }
  }
}
