import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CallbackRefusedException } from './callback-refused.exception.js';

/** Answers a {@link CallbackRefusedException}: the platform's usual answer where it needs one, else 403. */
@Catch(CallbackRefusedException)
export class CallbackRefusedFilter implements ExceptionFilter<CallbackRefusedException> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: CallbackRefusedException, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse<unknown>();
    httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    const { answer } = exception;
    if (!answer) {
      httpAdapter.reply(response, exception.getResponse(), exception.getStatus());
      return;
    }
    httpAdapter.setHeader(response, 'Content-Type', answer.contentType);
    httpAdapter.reply(response, answer.body, answer.status);
  }
}
