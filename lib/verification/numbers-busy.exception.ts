import { HttpStatus } from '@nestjs/common';
import { RetryLaterException } from '../http/retry-later.exception.js';

/**
 * Every number of a provider's pool still waits for an earlier verification of this phone, and no
 * other provider serves it: **429**, with `Retry-After` until the first number is free again. A
 * number is not handed out twice while a call to it could still be meant for the earlier one: that
 * call would then verify the newer start, whoever made it.
 */
export class NumbersBusyException extends RetryLaterException {
  constructor(retryAfterSeconds: number, message: string) {
    super(HttpStatus.TOO_MANY_REQUESTS, 'Too Many Requests', message, retryAfterSeconds);
  }
}
