import { HttpStatus } from '@nestjs/common';
import { RetryLaterException } from '../http/retry-later.exception.js';

/** Too many requests wait already for this verification, or from this address: **429**, with `Retry-After`. */
export class TooManyWaitersException extends RetryLaterException {
  constructor(what: 'for this verification' | 'from your address', limit: number) {
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      'Too Many Requests',
      `Too many requests are waiting ${what} (${limit}); close one, or poll without wait.`,
      2,
    );
  }
}
