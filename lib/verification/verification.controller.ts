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
import { VerificationSecretGuard } from '../auth/phone-call-auth.decorator.js';
import { IssuedToken } from '../auth/token.service.js';
import { readVerificationSecret, UNKNOWN_VERIFICATION_MESSAGE } from '../auth/verification-secret.strategy.js';
import { RetryAfterFilter } from '../rate-limit/retry-after.filter.js';
import { DatabaseUnavailableFilter } from '../database/database-unavailable.filter.js';
import {
  OpenApiBody,
  OpenApiHeader,
  OpenApiOperation,
  OpenApiParam,
  OpenApiProduces,
  OpenApiQuery,
  OpenApiResponse,
  OpenApiTags,
} from '../openapi/openapi.decorators.js';
import {
  ErrorResponse,
  IssuedTokenResponse,
  PendingVerificationResponse,
  StartedVerificationResponse,
  VerificationGoneResponse,
} from '../openapi/openapi.models.js';
import { abortOnClose } from '../realtime/abort-on-close.js';
import { ParseWaitPipe } from '../realtime/parse-wait.pipe.js';
import { MAX_WAIT_SECONDS } from '../realtime/realtime.constants.js';
import { statusEvents } from '../realtime/status-events.js';
import { VerificationWaiters } from '../realtime/verification-waiters.service.js';
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
    private readonly waiters: VerificationWaiters,
  ) {}

  /** Starts a verification: **201** with the number to call and the secret (shown only here). */
  @Post()
  @Header('Cache-Control', 'no-store')
  @OpenApiOperation('Start a verification', 'Asks the platform for a number the subscriber must call from `phone`.')
  @OpenApiBody(StartVerificationDto)
  @OpenApiResponse(201, 'Started: call `callTo` from `phone` before `expiresAt`.', {
    type: StartedVerificationResponse,
  })
  @OpenApiResponse(400, '`phone` is missing, too long or not a valid number; unknown fields.', { type: ErrorResponse })
  @OpenApiResponse(429, 'Too many verifications: wait `Retry-After` seconds.', {
    type: ErrorResponse,
    headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
  })
  @OpenApiResponse(502, 'The platform refused or answered something else. Nothing is stored.', { type: ErrorResponse })
  @OpenApiResponse(504, 'The platform did not answer in time. Nothing is stored.', { type: ErrorResponse })
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
  @OpenApiOperation('Redeem a verification', 'Poll every few seconds until **200** (a token) or **410**.')
  @OpenApiParam('id', 'The verification id.', { type: 'string', format: 'uuid' })
  @OpenApiQuery('wait', 'Long-poll: hold a pending verification up to this many seconds for the call.', {
    type: 'integer',
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
    default: 0,
  })
  @OpenApiHeader('X-Verification-Secret', 'The secret, when it is not in the body.')
  @OpenApiBody(VerificationSecretDto, { required: false })
  @OpenApiResponse(200, 'The call arrived: a token, issued once.', { type: IssuedTokenResponse })
  @OpenApiResponse(202, 'The call has not arrived yet: poll again.', { type: PendingVerificationResponse })
  @OpenApiResponse(400, '`id` is not a UUID, `wait` is not 0..30, the secret is missing, or unknown body fields.', {
    type: ErrorResponse,
  })
  @OpenApiResponse(401, 'Unknown verification or wrong secret (the same answer for both).', { type: ErrorResponse })
  @OpenApiResponse(410, 'Expired, canceled or already redeemed: start a new one.', { type: VerificationGoneResponse })
  @OpenApiResponse(503, 'The database is unavailable, or too many requests wait on this server: retry.', {
    type: ErrorResponse,
  })
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
  @OpenApiOperation('Follow a verification', 'Server-sent events: the status now, then the status it changes to.')
  @OpenApiParam('id', 'The verification id.', { type: 'string', format: 'uuid' })
  @OpenApiHeader('X-Verification-Secret', 'The secret from the start answer.', true)
  @OpenApiProduces('text/event-stream')
  @OpenApiResponse(200, '`event: status`, `data: {"status", "expiresAt"?}`; ends after the final status.', {
    schema: { type: 'string' },
  })
  @OpenApiResponse(400, '`id` is not a UUID or the secret is missing.', { type: ErrorResponse })
  @OpenApiResponse(401, 'Unknown verification or wrong secret (the same answer for both).', { type: ErrorResponse })
  @OpenApiResponse(503, 'The database is unavailable, or too many requests wait on this server: retry.', {
    type: ErrorResponse,
  })
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
  @OpenApiOperation('Cancel a verification')
  @OpenApiParam('id', 'The verification id.', { type: 'string', format: 'uuid' })
  @OpenApiHeader('X-Verification-Secret', 'The secret, when it is not in the body.')
  @OpenApiBody(VerificationSecretDto, { required: false })
  @OpenApiResponse(204, 'Canceled, or it had already ended.')
  @OpenApiResponse(400, '`id` is not a UUID or the secret is missing.', { type: ErrorResponse })
  @OpenApiResponse(401, 'Unknown verification or wrong secret.', { type: ErrorResponse })
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
