import { HttpException, HttpStatus } from '@nestjs/common';

/** A rate limit refused a verification start: **429**, with `Retry-After` set by {@link RetryAfterFilter}. */
export class TooManyVerificationsException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    what: string,
  ) {
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message: `Too many verifications ${what}; try again in ${retryAfterSeconds} seconds.`,
        retryAfter: retryAfterSeconds,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
