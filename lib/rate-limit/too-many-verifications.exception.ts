import { HttpStatus } from '@nestjs/common';
import { RetryLaterException } from '../http/retry-later.exception.js';

/** A rate limit refused a verification start: **429**, with `Retry-After`. */
export class TooManyVerificationsException extends RetryLaterException {
  constructor(retryAfterSeconds: number, what: string) {
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      'Too Many Requests',
      `Too many verifications ${what}; try again in ${retryAfterSeconds} seconds.`,
      retryAfterSeconds,
    );
  }
}
