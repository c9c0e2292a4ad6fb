import { PHONE_CALL_AUTH_ERROR_CODES } from '../core/error-codes.js';
import { OpenApiProperty } from './openapi.decorators.js';

/** The codes an error answer carries, for the schemas' enums. */
const ERROR_CODES = Object.keys(PHONE_CALL_AUTH_ERROR_CODES);

/** The codes of the 410 answers. */
const GONE_CODES = ERROR_CODES.filter(
  (code) => PHONE_CALL_AUTH_ERROR_CODES[code as keyof typeof PHONE_CALL_AUTH_ERROR_CODES] === 410,
);

/*
 * Response bodies of the module's routes, as classes so that an OpenAPI document names them.
 * They describe the JSON the routes send; the routes build it from the services' interfaces.
 */

/** `201` of `POST /verifications`. */
export class StartedVerificationResponse {
  @OpenApiProperty({ type: 'string', format: 'uuid', description: 'The verification id.' })
  id!: string;

  @OpenApiProperty({
    type: 'string',
    description: 'Proves the right to the result: send it to the token route. Shown in this answer only.',
    example: '4r4ppryDErCMd3yfluABM2q9Dm-WNGbLxzT1GjbLyJg',
  })
  secret!: string;

  @OpenApiProperty({
    type: 'string',
    enum: ['call', 'sms', 'call_or_sms'],
    description: 'How the number is proven: a call, an SMS code, or either (the first proof wins).',
  })
  channel!: string;

  @OpenApiProperty({
    type: 'string',
    required: false,
    description: 'The number to call, E.164 (channels `call`, `call_or_sms`).',
    example: '+74993990001',
  })
  callTo?: string;

  @OpenApiProperty({
    type: 'string',
    required: false,
    description: 'The number to call, for people (channels `call`, `call_or_sms`).',
    example: '+7 499 399 00 01',
  })
  callToDisplay?: string;

  @OpenApiProperty({
    type: 'boolean',
    required: false,
    description: 'An SMS code was sent: enter it at `POST /verifications/:id/code` (channels `sms`, `call_or_sms`).',
  })
  codeSent?: boolean;

  @OpenApiProperty({ type: 'integer', required: false, description: 'Digits of the SMS code.', example: 6 })
  codeLength?: number;

  @OpenApiProperty({ type: 'string', format: 'date-time', description: 'When the window to call closes.' })
  expiresAt!: string;

  @OpenApiProperty({ type: 'integer', description: 'Seconds left in the window.', example: 120 })
  expiresIn!: number;

  @OpenApiProperty({ type: 'string', description: 'Text to show the subscriber, in `locale`.' })
  message!: string;

  @OpenApiProperty({ type: 'string', enum: ['ru', 'en'], description: 'The language of `message` and the SMS.' })
  locale!: string;
}

/**
 * `200` of `POST /verifications/:id/token` (and of the code and refresh routes). In cookie mode,
 * unless `jwt.tokensInBody`, only `expiresIn`: the tokens are in HttpOnly cookies.
 */
export class IssuedTokenResponse {
  @OpenApiProperty({
    type: 'string',
    required: false,
    description:
      'A JWT for `Authorization: Bearer <accessToken>`. Left out in cookie mode (unless `jwt.tokensInBody`).',
  })
  accessToken?: string;

  @OpenApiProperty({
    type: 'string',
    enum: ['Bearer'],
    required: false,
    description: '`Bearer`, beside `accessToken`.',
  })
  tokenType?: string;

  @OpenApiProperty({ type: 'integer', description: 'Seconds until the access token expires.', example: 900 })
  expiresIn!: number;

  @OpenApiProperty({
    type: 'string',
    required: false,
    description:
      'Only when `jwt.refreshTokens` is on: exchange it at `POST <prefix>/token/refresh`. Usable once. Left out in cookie mode (unless `jwt.tokensInBody`).',
  })
  refreshToken?: string;
}

/** `202` of `POST /verifications/:id/token`: the call has not arrived yet. */
export class PendingVerificationResponse {
  @OpenApiProperty({ type: 'string', enum: ['pending'], description: 'Poll again in a few seconds.' })
  status!: string;

  @OpenApiProperty({ type: 'string', format: 'date-time', description: 'When the window to call closes.' })
  expiresAt!: string;
}

/** `410` of `POST /verifications/:id/token`: this verification yields no token. */
export class VerificationGoneResponse {
  @OpenApiProperty({ type: 'integer', enum: [410], description: 'The HTTP status.' })
  statusCode!: number;

  @OpenApiProperty({ type: 'string', description: "The status's name.", example: 'Gone' })
  error!: string;

  @OpenApiProperty({
    type: 'string',
    enum: GONE_CODES,
    description:
      'For machines: `EXPIRED`, `CANCELED`, `ALREADY_REDEEMED`, `TOO_MANY_ATTEMPTS`, or (the code route) `ALREADY_VERIFIED`.',
    example: 'EXPIRED',
  })
  code!: string;

  @OpenApiProperty({
    type: 'string',
    enum: ['expired', 'canceled', 'consumed', 'failed', 'verified'],
    description: '`expired`: the window (or the time to redeem) passed; `canceled`; `consumed`: a token was issued.',
  })
  status!: string;

  @OpenApiProperty({
    type: 'string',
    description: "For people, in the request's language.",
    example: 'This verification is expired; start a new one.',
  })
  message!: string;
}

/** The body of every error answer of the module: Nest's shape and a stable `code`. */
export class ErrorResponse {
  @OpenApiProperty({ type: 'integer', description: 'The HTTP status.', example: 400 })
  statusCode!: number;

  @OpenApiProperty({ type: 'string', description: "The status's name.", example: 'Bad Request' })
  error!: string;

  @OpenApiProperty({
    type: 'string',
    enum: ERROR_CODES,
    description: 'What went wrong, for machines: stable across releases and languages (docs/http-api.md lists them).',
    example: 'INVALID_PHONE',
  })
  code!: string;

  @OpenApiProperty({
    type: 'string',
    description:
      "What went wrong, for people, in the request's language (the start's `locale`, else `Accept-Language`, else the app's default).",
    example:
      'phone is not a valid phone number: write digits, in international form, e.g. +7 967 031-11-22 (numbers without a country code are read as RU).',
  })
  message!: string;

  @OpenApiProperty({
    type: 'integer',
    description: '429 and some 503s: seconds to wait, as in `Retry-After`.',
    required: false,
  })
  retryAfter?: number;

  @OpenApiProperty({ type: 'integer', description: '`WRONG_CODE` only: tries left.', required: false })
  attemptsLeft?: number;
}
