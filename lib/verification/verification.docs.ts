import { applyDecorators } from '@nestjs/common';
import { MAX_WAIT_SECONDS } from '../core/phone-call-auth.constants.js';
import {
  OpenApiBody,
  OpenApiHeader,
  OpenApiOperation,
  OpenApiParam,
  OpenApiProduces,
  OpenApiQuery,
  OpenApiResponse,
} from '../openapi/openapi.decorators.js';
import {
  ErrorResponse,
  IssuedTokenResponse,
  PendingVerificationResponse,
  StartedVerificationResponse,
  VerificationGoneResponse,
} from '../openapi/openapi.models.js';
import { StartVerificationDto, VerificationCodeDto, VerificationSecretDto } from './verification.dto.js';

/*
 * The OpenAPI description of each route of VerificationController, one composite decorator per
 * route, so the controller reads as its routes.
 */

/** The `:id` path parameter of every route but the start. */
const ID = OpenApiParam('id', 'The verification id.', { type: 'string', format: 'uuid' });
/** The one answer for an unknown id or a wrong secret. */
const UNKNOWN = OpenApiResponse(401, 'Unknown verification or wrong secret (the same answer for both).', {
  type: ErrorResponse,
});
/** The refusals of the routes that set the cookie, in cookie mode only (`CookieRoutesGuard`). */
const COOKIE_MODE_CROSS_SITE = OpenApiResponse(
  403,
  "Cookie mode: a browser request from another site's page (not in `allowedOrigins`).",
  { type: ErrorResponse },
);
const COOKIE_MODE_JSON_ONLY = OpenApiResponse(
  415,
  'Cookie mode: the body is not JSON (`Content-Type: application/json`) and there is no `X-Verification-Secret`.',
  { type: ErrorResponse },
);
/** The answer of the routes that wait or read while the database or the instance is busy. */
const BUSY = OpenApiResponse(
  503,
  "The database is unavailable, or too many requests wait on this server: retry. Also when the server cannot tell the client's address (a fault of its configuration).",
  { type: ErrorResponse },
);

/** OpenAPI description of `POST /verifications`. */
export const StartDocs = (): MethodDecorator =>
  applyDecorators(
    OpenApiOperation('Start a verification', 'Asks the platform for a number the subscriber must call from `phone`.'),
    OpenApiBody(StartVerificationDto),
    OpenApiResponse(201, 'Started: call `callTo` from `phone` before `expiresAt`.', {
      type: StartedVerificationResponse,
    }),
    OpenApiResponse(
      400,
      '`phone` is missing, too long, not a valid number, or of a kind the phone policy refuses; a `channel` not offered; unknown fields.',
      { type: ErrorResponse },
    ),
    OpenApiResponse(403, "A browser request from another site's page (not in `allowedOrigins`).", {
      type: ErrorResponse,
    }),
    OpenApiResponse(415, 'The body is not JSON (`Content-Type: application/json`).', { type: ErrorResponse }),
    OpenApiResponse(
      429,
      'Too many verifications; SMS to numbers of this prefix blocked by the fraud guard (`SMS_PREFIX_BLOCKED`: offer channel `call`); ' +
        'or every number of a pool still waits for an earlier call from this phone: wait `Retry-After` seconds.',
      {
        type: ErrorResponse,
        headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
      },
    ),
    OpenApiResponse(502, 'The platform is unavailable (it refused, or answered something else). Nothing is stored.', {
      type: ErrorResponse,
    }),
    OpenApiResponse(504, 'The platform is unavailable (it did not answer in time). Nothing is stored.', {
      type: ErrorResponse,
    }),
    OpenApiResponse(
      503,
      "The database is unavailable (retry), or the server cannot tell the client's address, which its limits count (a fault of its configuration).",
      { type: ErrorResponse },
    ),
  );

/** OpenAPI description of `POST /verifications/:id/token`. */
export const RedeemDocs = (): MethodDecorator =>
  applyDecorators(
    OpenApiOperation('Redeem a verification', 'Poll every few seconds until **200** (a token) or **410**.'),
    ID,
    OpenApiQuery('wait', 'Long-poll: hold a pending verification up to this many seconds for the call.', {
      type: 'integer',
      minimum: 0,
      maximum: MAX_WAIT_SECONDS,
      default: 0,
    }),
    OpenApiHeader('X-Verification-Secret', 'The secret, when it is not in the body.'),
    OpenApiBody(VerificationSecretDto, { required: false }),
    OpenApiResponse(200, 'The call arrived: a token, issued once.', { type: IssuedTokenResponse }),
    OpenApiResponse(202, 'The call has not arrived yet: poll again.', { type: PendingVerificationResponse }),
    OpenApiResponse(400, '`id` is not a UUID, `wait` is not 0..30, the secret is missing, or unknown body fields.', {
      type: ErrorResponse,
    }),
    UNKNOWN,
    COOKIE_MODE_CROSS_SITE,
    OpenApiResponse(410, 'Expired, canceled or already redeemed: start a new one.', { type: VerificationGoneResponse }),
    COOKIE_MODE_JSON_ONLY,
    BUSY,
  );

/** OpenAPI description of `GET /verifications/:id/events`. */
export const EventsDocs = (): MethodDecorator =>
  applyDecorators(
    OpenApiOperation('Follow a verification', 'Server-sent events: the status now, then the status it changes to.'),
    ID,
    OpenApiHeader('X-Verification-Secret', 'The secret from the start answer.', true),
    OpenApiProduces('text/event-stream'),
    OpenApiResponse(200, '`event: status`, `data: {"status", "expiresAt"?}`; ends after the final status.', {
      schema: { type: 'string' },
    }),
    OpenApiResponse(400, '`id` is not a UUID or the secret is missing.', { type: ErrorResponse }),
    UNKNOWN,
    BUSY,
  );

/** OpenAPI description of `DELETE /verifications/:id`. */
export const CancelDocs = (): MethodDecorator =>
  applyDecorators(
    OpenApiOperation('Cancel a verification'),
    ID,
    OpenApiHeader('X-Verification-Secret', 'The secret, when it is not in the body.'),
    OpenApiBody(VerificationSecretDto, { required: false }),
    OpenApiResponse(204, 'Canceled, or it had already ended.'),
    OpenApiResponse(400, '`id` is not a UUID or the secret is missing.', { type: ErrorResponse }),
    UNKNOWN,
  );

/** OpenAPI description of `POST /verifications/:id/code`. */
export const CodeDocs = (): MethodDecorator =>
  applyDecorators(
    OpenApiOperation('Enter the SMS code', 'Right: the token (as the token route). Wrong: 400 with `attemptsLeft`.'),
    ID,
    OpenApiHeader('X-Verification-Secret', 'The secret, when it is not in the body.'),
    OpenApiBody(VerificationCodeDto),
    OpenApiResponse(200, 'The code is right: a token, issued once.', { type: IssuedTokenResponse }),
    OpenApiResponse(400, 'Wrong code (`attemptsLeft` says how many tries are left); no code was sent; bad input.', {
      type: ErrorResponse,
    }),
    UNKNOWN,
    COOKIE_MODE_CROSS_SITE,
    OpenApiResponse(410, 'Failed (too many wrong codes), proven by the call already, expired or canceled.', {
      type: VerificationGoneResponse,
    }),
    COOKIE_MODE_JSON_ONLY,
    BUSY,
  );
