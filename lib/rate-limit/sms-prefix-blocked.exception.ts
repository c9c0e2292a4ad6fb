import { RetryLaterException } from '../http/retry-later.exception.js';

/**
 * The SMS fraud guard (`limits.fraudGuard`) blocks SMS to the number's prefix: **429**
 * `SMS_PREFIX_BLOCKED`, with `Retry-After` until the block ends. The message offers the call
 * instead (when the app offers the `call` channel). Nothing was counted against the limits.
 */
export class SmsPrefixBlockedException extends RetryLaterException {
  /** @param callOffered the app offers the `call` channel: the message points to it */
  constructor(retryAfterSeconds: number, callOffered: boolean) {
    super(
      'SMS_PREFIX_BLOCKED',
      { key: callOffered ? 'smsPrefixBlocked' : 'smsPrefixBlockedNoCall' },
      Math.max(1, retryAfterSeconds),
    );
  }
}
