import { HttpStatus } from '@nestjs/common';
import { RetryLaterException } from '../http/retry-later.exception.js';

/** Admission control shed a request: the database is busy with others. **503**, with `Retry-After`. */
export class DatabaseBusyException extends RetryLaterException {
  constructor(retryAfterSeconds = 1) {
    super(
      HttpStatus.SERVICE_UNAVAILABLE,
      'Service Unavailable',
      `The server is busy right now; try again in ${retryAfterSeconds} seconds.`,
      retryAfterSeconds,
    );
  }
}
