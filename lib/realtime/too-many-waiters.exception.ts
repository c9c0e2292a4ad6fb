import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import { errorMessage } from '../i18n/error-text.js';
import { RetryLaterException } from '../http/retry-later.exception.js';

/**
 * Too many requests wait already for this verification, or from this address: **429**
 * `TOO_MANY_WAITERS`, with `Retry-After`.
 */
export class TooManyWaitersException extends RetryLaterException {
  constructor(what: 'for this verification' | 'from your address', limit: number) {
    const key = what === 'for this verification' ? 'tooManyWaitersVerification' : 'tooManyWaitersAddress';
    super('TOO_MANY_WAITERS', { key, values: { limit } }, 2);
  }
}

/**
 * `maxWaiters` requests wait already on this server: **503** `SERVER_BUSY`, without `Retry-After`
 * (a client may poll without `wait` at once).
 */
export class ServerBusyException extends PhoneCallAuthException {
  constructor(limit: number) {
    const text = { key: 'waitersFull', values: { limit } };
    super('SERVER_BUSY', errorMessage(text), { text });
  }
}
