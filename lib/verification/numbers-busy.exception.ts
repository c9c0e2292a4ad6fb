import { RetryLaterException } from '../http/retry-later.exception.js';

/**
 * Every number of a provider's pool still waits for an earlier verification of this phone, and no
 * other provider serves it: **429** `NUMBERS_BUSY`, with `Retry-After` until the first number is
 * free again. A number is not handed out twice while a call to it could still be meant for the
 * earlier one: that call would then verify the newer start, whoever made it. The message is
 * written by the start, in its language (the `numbersBusy` text, which names the phone).
 */
export class NumbersBusyException extends RetryLaterException {
  constructor(retryAfterSeconds: number, message: string) {
    super('NUMBERS_BUSY', message, retryAfterSeconds);
  }
}
