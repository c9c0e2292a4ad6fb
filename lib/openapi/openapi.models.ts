import { OpenApiProperty } from './openapi.decorators.js';

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

  @OpenApiProperty({
    type: 'string',
    enum: ['expired', 'canceled', 'consumed', 'failed', 'verified'],
    description: '`expired`: the window (or the time to redeem) passed; `canceled`; `consumed`: a token was issued.',
  })
  status!: string;

  @OpenApiProperty({
    type: 'string',
    description: 'For people.',
    example: 'This verification is expired; start a new one.',
  })
  message!: string;
}

/** Nest's error body, for every error status of the module. */
export class ErrorResponse {
  @OpenApiProperty({ type: 'integer', description: 'The HTTP status.', example: 400 })
  statusCode!: number;

  @OpenApiProperty({ type: 'string', description: "The status's name.", example: 'Bad Request', required: false })
  error?: string;

  @OpenApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'What went wrong, for people (a list of them for some validation errors).',
    example: 'phone is required, e.g. "+7 967 031-11-22"',
  })
  message!: string | string[];

  @OpenApiProperty({ type: 'integer', description: '429 only: seconds to wait, as in `Retry-After`.', required: false })
  retryAfter?: number;
}
