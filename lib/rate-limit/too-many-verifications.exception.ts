import type { PhoneCallAuthErrorMessages } from '../i18n/error-messages.js';
import { RetryLaterException } from '../http/retry-later.exception.js';

/** The catalogue's text of each start limit, by the words the rate limits name it with. */
const LIMIT_TEXTS: Readonly<Record<string, keyof PhoneCallAuthErrorMessages>> = {
  'for this phone number': 'rateLimitedPhone',
  'from this address': 'rateLimitedAddress',
  'from this network': 'rateLimitedNetwork',
  'right now': 'rateLimitedGlobal',
  'by SMS for this phone number': 'smsLimitedPhone',
  'by SMS from this address': 'smsLimitedAddress',
  'by SMS right now': 'smsLimitedGlobal',
};

/** A rate limit refused a verification start: **429** `RATE_LIMITED`, with `Retry-After`. */
export class TooManyVerificationsException extends RetryLaterException {
  /**
   * @param what which limit, as the rate limits name it (`for this phone number`, `from this
   *   address`, `from this network`, `right now`, and the same `by SMS`): it picks the text
   */
  constructor(retryAfterSeconds: number, what: string) {
    super('RATE_LIMITED', { key: LIMIT_TEXTS[what] ?? 'rateLimited' }, retryAfterSeconds);
  }
}
