import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import { type ErrorLanguage, errorMessage } from '../i18n/error-text.js';

/**
 * The proof behind the access token is older than the route's `maxAge` (or the token carries no
 * `auth_time`): **401** `INSUFFICIENT_USER_AUTHENTICATION`, with `maxAge` in the body. The route's
 * guard also sends RFC 9470's challenge, `WWW-Authenticate: Bearer error="insufficient_user_authentication", ..., max_age="<maxAge>"`.
 *
 * @example
 * if (body.code === 'INSUFFICIENT_USER_AUTHENTICATION') await proveTheNumberAgain();
 */
export class InsufficientAuthenticationException extends PhoneCallAuthException {
  constructor(
    /** The route's `maxAge`, in seconds. */
    readonly maxAge: number,
    /** @default English */
    language?: ErrorLanguage,
  ) {
    const text = { key: 'authenticationTooOld', values: { seconds: maxAge } };
    super('INSUFFICIENT_USER_AUTHENTICATION', errorMessage(text, language), { text, fields: { maxAge } });
  }
}
