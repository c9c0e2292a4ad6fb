import { HttpException, ValidationPipe } from '@nestjs/common';
import { InvalidRequestException } from './invalid-request.exception.js';

/**
 * Nest's `ValidationPipe` as the module's routes use it (unknown fields refused, the first failure
 * per field), answering **400** `INVALID_REQUEST`: a sentence of the catalogue, then what
 * class-validator found (in English, naming the field).
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
  }

  // Nest's factory flattens and bounds the messages; its list becomes the details of the one sentence.
  override createExceptionFactory(): ReturnType<ValidationPipe['createExceptionFactory']> {
    const nest = super.createExceptionFactory();
    return (errors) => {
      const refused = nest(errors);
      const body = refused instanceof HttpException ? refused.getResponse() : undefined;
      const found = [(body as { message?: unknown } | undefined)?.message ?? []].flat().map(String);
      return new InvalidRequestException('invalidRequest', { details: found.join('; ') });
    };
  }
}
