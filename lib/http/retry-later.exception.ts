import type { PhoneCallAuthErrorCode } from '../core/error-codes.js';
import { PhoneCallAuthException, type PhoneCallAuthErrorText } from '../core/phone-call-auth.exception.js';
import { type ErrorLanguage, errorMessage } from '../i18n/error-text.js';

/**
 * An answer that tells the client when to try again (429 or 503): `retryAfter` in the body and,
 * written by the module's exception filter ({@link RetryAfterFilter} on routes of the app's own), a
 * `Retry-After` header. Codes `RATE_LIMITED`, `CLIENT_BUDGET_EXCEEDED`, `NUMBERS_BUSY`,
 * `TOO_MANY_WAITERS`, `DATABASE_BUSY`.
 *
 * @example
 * if (error instanceof RetryLaterException) setTimeout(retry, error.retryAfterSeconds * 1000);
 */
export abstract class RetryLaterException extends PhoneCallAuthException {
  constructor(
    code: PhoneCallAuthErrorCode,
    /** The catalogue text; `{seconds}` is filled with `retryAfterSeconds`. A string is a message already written. */
    text: PhoneCallAuthErrorText | string,
    readonly retryAfterSeconds: number,
    language?: ErrorLanguage,
  ) {
    const catalogued =
      typeof text === 'string' ? undefined : { ...text, values: { seconds: retryAfterSeconds, ...text.values } };
    super(code, catalogued ? errorMessage(catalogued, language) : (text as string), {
      text: catalogued,
      fields: { retryAfter: retryAfterSeconds },
    });
  }
}
