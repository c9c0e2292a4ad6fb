import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TooManyVerificationsException } from './too-many-verifications.exception.js';

/**
 * Answers {@link TooManyVerificationsException} with its body and a `Retry-After` header, on any
 * HTTP adapter. Bound to the module's own controller; an app that calls `VerificationService.start`
 * from its own routes can bind it there with `@UseFilters(RetryAfterFilter)`.
 */
@Catch(TooManyVerificationsException)
export class RetryAfterFilter implements ExceptionFilter<TooManyVerificationsException> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: TooManyVerificationsException, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse<unknown>();
    httpAdapter.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    httpAdapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}
