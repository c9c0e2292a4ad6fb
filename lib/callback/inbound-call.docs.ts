import { applyDecorators } from '@nestjs/common';
import { OpenApiOperation, OpenApiParam, OpenApiProduces, OpenApiResponse } from '../openapi/openapi.decorators.js';

/** OpenAPI description of `GET|POST /callback/:secret`, the platform's inbound-call report. */
export const CallbackDocs = (method: 'GET' | 'POST', description: string): MethodDecorator =>
  applyDecorators(
    OpenApiOperation(`Inbound-call report (${method})`, description),
    OpenApiParam('secret', 'The callback secret.'),
    OpenApiProduces('text/plain'),
    OpenApiResponse(200, 'Recorded, whatever the outcome.', { schema: { type: 'string', example: 'OK' } }),
  );
