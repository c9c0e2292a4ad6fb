/**
 * Every `code` an error answer of the module can carry, with its HTTP status: the one place they
 * are defined. A client branches on `code` (stable across releases and languages); a person reads
 * `message` (in their language, and free to change). docs/http-api.md lists what each means and
 * what a client should do; the OpenAPI document's `ErrorResponse.code` is this list.
 *
 * @example
 * if (body.code === 'WRONG_CODE') showAttemptsLeft(body.attemptsLeft);
 */
export const PHONE_CALL_AUTH_ERROR_CODES = {
  /** The body, a parameter or the URL is malformed (a field missing, of the wrong type, unknown...). */
  INVALID_REQUEST: 400,
  /** `phone` is not a valid phone number. */
  INVALID_PHONE: 400,
  /** The number is of a type `phonePolicy` refuses (toll-free, premium-rate, an international service...). */
  NUMBER_TYPE_REFUSED: 400,
  /** The number is of a country outside `phonePolicy.countries`. */
  COUNTRY_REFUSED: 400,
  /** The app does not offer this `channel` (`channels`), or its platform cannot send SMS. */
  CHANNEL_NOT_OFFERED: 400,
  /** No platform that serves this number's country can send SMS: use the `call` channel. */
  CHANNEL_NOT_SERVED: 400,
  /** A wrong SMS code; `attemptsLeft` says how many tries are left. */
  WRONG_CODE: 400,
  /** No SMS code was sent for this verification: it is proven by a call. */
  CODE_NOT_SENT: 400,
  /** Unknown verification, or a wrong secret (one answer for both). */
  UNAUTHORIZED: 401,
  /** No access token in `Authorization: Bearer` (or the cookie). */
  ACCESS_TOKEN_MISSING: 401,
  /** The access token is not one this module accepts. */
  ACCESS_TOKEN_INVALID: 401,
  /** The access token has expired. */
  ACCESS_TOKEN_EXPIRED: 401,
  /** The refresh token is unknown, already used, revoked or expired. */
  REFRESH_TOKEN_REFUSED: 401,
  /** The route needs a more recent proof of the number than the token's (`maxAge`); prove the number again. */
  INSUFFICIENT_USER_AUTHENTICATION: 401,
  /** A browser request from another site's page (not in `allowedOrigins`). */
  CROSS_SITE_REFUSED: 403,
  /** A platform callback with a wrong secret, address or signature. */
  CALLBACK_REFUSED: 403,
  /** The verification is bound to another signed-in subject (or to none), or the proven number to another account. */
  SUBJECT_MISMATCH: 403,
  /** Refresh tokens are off on this server (`jwt.refreshTokens`). */
  REFRESH_TOKENS_OFF: 404,
  /** No verification with this id is kept (the support history, `PhoneCallAuthOps.history`). */
  VERIFICATION_NOT_FOUND: 404,
  /** The verification's window (or the time to redeem it) has passed. */
  EXPIRED: 410,
  /** The verification was canceled (or superseded by a newer start for the phone). */
  CANCELED: 410,
  /** The verification was already redeemed (or consumed). */
  ALREADY_REDEEMED: 410,
  /** The call proved the number first: the SMS code is no longer needed; redeem the verification. */
  ALREADY_VERIFIED: 410,
  /** Too many wrong SMS codes: the verification failed. */
  TOO_MANY_ATTEMPTS: 410,
  /** The body is not JSON (`Content-Type: application/json`). */
  JSON_ONLY: 415,
  /** A start limit (`rateLimits`, `smsLimits`) is spent; `retryAfter` says when to try again. */
  RATE_LIMITED: 429,
  /** SMS to numbers of this prefix are blocked for now (the fraud guard, `limits.fraudGuard`): verify by a call (channel `call`); see `retryAfter`. */
  SMS_PREFIX_BLOCKED: 429,
  /** The client's budget for this route family (`clientBudgets`) is spent; see `retryAfter`. */
  CLIENT_BUDGET_EXCEEDED: 429,
  /** Every number of the platform's pool still waits for an earlier call from this phone; see `retryAfter`. */
  NUMBERS_BUSY: 429,
  /** Too many requests wait already for this verification, or from this address; see `retryAfter`. */
  TOO_MANY_WAITERS: 429,
  /** The telephony platform failed or refused the request. */
  PLATFORM_UNAVAILABLE: 502,
  /** The telephony platform did not answer in time. */
  PLATFORM_TIMEOUT: 504,
  /** The database is busy with other requests (admission control); see `retryAfter`. */
  DATABASE_BUSY: 503,
  /** The database cannot be reached or does not answer in time; see `retryAfter`. */
  DATABASE_UNAVAILABLE: 503,
  /** The server cannot tell the client's address, so its per-address limits cannot count it (its configuration's fault). */
  ADDRESS_UNKNOWN: 503,
  /** `maxWaiters` requests already wait on this server. */
  SERVER_BUSY: 503,
} as const;

/** A `code` of the module's error answers ({@link PHONE_CALL_AUTH_ERROR_CODES}). */
export type PhoneCallAuthErrorCode = keyof typeof PHONE_CALL_AUTH_ERROR_CODES;
