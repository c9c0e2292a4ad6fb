import { HttpStatus } from '@nestjs/common';
import { RetryLaterException } from '../http/retry-later.exception.js';

/** A client address (or its network) spent its budget on a route family: **429**, with `Retry-After`. */
export class ClientBudgetExceededException extends RetryLaterException {
  constructor(retryAfterSeconds: number) {
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      'Too Many Requests',
      `Too many requests from your network; try again in ${retryAfterSeconds} seconds.`,
      retryAfterSeconds,
    );
  }
}
