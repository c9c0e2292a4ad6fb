import {
  Body,
  Controller,
  Delete,
  GoneException,
  Header,
  HttpCode,
  Ip,
  type MessageEvent,
  Param,
  Post,
  Query,
  Req,
  Res,
  Sse,
  SseSignal,
  UnauthorizedException,
  UseFilters,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { VerificationSecretGuard } from './verification-secret.guard.js';
import { StartOriginGuard } from './start-origin.guard.js';
import { IssuedToken } from '../auth/token.service.js';
import { readVerificationSecret, UNKNOWN_VERIFICATION_MESSAGE } from './verification-secret.strategy.js';
import { RetryAfterFilter } from '../rate-limit/retry-after.filter.js';
import { DatabaseUnavailableFilter } from '../database/database-unavailable.filter.js';
import { OpenApiTags } from '../openapi/openapi.decorators.js';
import { CancelDocs, EventsDocs, RedeemDocs, StartDocs } from './verification.docs.js';
import { abortOnClose } from '../realtime/abort-on-close.js';
import { ParseWaitPipe } from '../realtime/parse-wait.pipe.js';
import { statusEvents } from '../realtime/status-events.js';
import { VerificationWaitersService } from '../realtime/verification-waiters.service.js';
import type { Observable } from 'rxjs';
import { StartVerificationDto, VerificationSecretDto } from './verification.dto.js';
import {
  type AuthenticatedVerification,
  type RedeemResult,
  StartedVerification,
  VerificationService,
} from './verification.service.js';

/**
 * The client's side of a verification. Validation is local to these routes, so the host app
 * needs no global ValidationPipe.
 */
@Controller('verifications')
@OpenApiTags('phone-call verification')
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }))
@UseFilters(DatabaseUnavailableFilter, RetryAfterFilter)
export class VerificationController {
  constructor(
    private readonly verifications: VerificationService,
    private readonly waiters: VerificationWaitersService,
  ) {}

  /** Starts a verification: **201** with the number to call and the secret (shown only here). */
  @Post()
  @Header('Cache-Control', 'no-store')
  @UseGuards(StartOriginGuard)
  @StartDocs()
  start(@Body() body: StartVerificationDto, @Ip() ip: string): Promise<StartedVerification> {
    return this.verifications.start(body.phone, { ip });
  }

  /**
   * Exchanges a verified verification for a token: **200** once, **202** while the call is awaited,
   * **410** when it expired, was canceled or was already redeemed. With `?wait=N` (seconds, up to
   * 30) a pending verification holds the request until it changes or N seconds pass, then answers
   * the same way: a long-poll, woken by the platform's callback on any instance.
   */
  @Post(':id/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(VerificationSecretGuard)
  @RedeemDocs()
  async token(
    @Param('id') id: string,
    @Query('wait', ParseWaitPipe) wait: number,
    @Body() _body: VerificationSecretDto,
    @Req() request: { body?: unknown; headers: Record<string, unknown> },
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<IssuedToken | { status: 'pending'; expiresAt: Date }> {
    const secret = readVerificationSecret(request);
    const result = await this.waiters.hold(
      id,
      wait * 1000,
      () => this.verifications.redeem(id, secret),
      (redeemed: RedeemResult) => (redeemed.status === 'pending' ? redeemed.expiresAt : undefined),
      abortOnClose(response),
    );
    switch (result.status) {
      case 'issued':
        return result.token;
      case 'pending':
        response.status(202);
        return { status: 'pending', expiresAt: result.expiresAt };
      case 'unauthorized':
        throw new UnauthorizedException(UNKNOWN_VERIFICATION_MESSAGE);
      default:
        throw new GoneException({
          statusCode: 410,
          status: result.status,
          message: `This verification is ${result.status}; start a new one.`,
        });
    }
  }

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
    @Req() request: { body?: unknown; headers: Record<string, unknown>; user?: AuthenticatedVerification },
    @SseSignal() signal: AbortSignal,
  ): Promise<Observable<MessageEvent>> {
    const secret = readVerificationSecret(request);
    const check = () => this.verifications.authenticate(id, secret);
    // The guard has just read it.
    const now = request.user ?? (await check());
    if (!now) throw new UnauthorizedException(UNKNOWN_VERIFICATION_MESSAGE);
    // Refused here, while the answer can still be a 503, rather than in the stream.
    if (now.status === 'pending') this.waiters.assertRoom();
    const pendingUntil = (v: AuthenticatedVerification | null) => (v?.status === 'pending' ? v.expiresAt : undefined);
    // Held until the window closes (and a little longer, for the database clock to agree).
    const waitMs = now.expiresAt.getTime() - Date.now() + 5_000;
    return statusEvents(now, () => this.waiters.hold(id, waitMs, check, pendingUntil, signal));
  }

  /** Cancels a verification: **204**, also when it had already ended. */
  @Delete(':id')
  @HttpCode(204)
  @UseGuards(VerificationSecretGuard)
  @CancelDocs()
  async cancel(
    @Param('id') id: string,
    @Body() _body: VerificationSecretDto,
    @Req() request: { body?: unknown; headers: Record<string, unknown> },
  ): Promise<void> {
    if (!(await this.verifications.cancel(id, readVerificationSecret(request)))) {
      throw new UnauthorizedException(UNKNOWN_VERIFICATION_MESSAGE);
    }
  }
}
