import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RetryLaterException } from './retry-later.exception.js';

/**
 * Answers a {@link RetryLaterException} (a spent budget or rate limit: 429; a busy database: 503)
 * with its body and a `Retry-After` header, on any HTTP adapter. Bound to the module's own
 * controllers; an app that calls `VerificationService.start` from its own routes can bind it there
 * with `@UseFilters(RetryAfterFilter)`.
 */
@Catch(RetryLaterException)
export class RetryAfterFilter implements ExceptionFilter<RetryLaterException> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: RetryLaterException, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse<unknown>();
    httpAdapter.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    httpAdapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}
