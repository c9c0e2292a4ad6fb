import { HttpException } from '@nestjs/common';

/**
 * An answer that tells the client when to try again (429 or 503): {@link RetryAfterFilter} writes
 * its `Retry-After` header.
 */
export abstract class RetryLaterException extends HttpException {
  constructor(
    status: number,
    error: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super({ statusCode: status, error, message, retryAfter: retryAfterSeconds }, status);
  }
}
