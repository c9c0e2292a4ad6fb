import { applyDecorators } from '@nestjs/common';
import { OpenApiOperation, OpenApiParam, OpenApiProduces, OpenApiResponse } from '../openapi/openapi.decorators.js';

/** OpenAPI description of `GET|POST /callback[/:provider]/:secret`, a platform's inbound-call report. */
export const CallbackDocs = (method: 'GET' | 'POST', description: string, named: boolean): MethodDecorator =>
  applyDecorators(
    OpenApiOperation(`Inbound-call report (${method}${named ? ', by provider' : ''})`, description),
    ...(named ? [OpenApiParam('provider', 'The provider name, e.g. ssms, sms-ru, newtel, twilio.')] : []),
    OpenApiParam('secret', 'The callback secret.'),
    OpenApiProduces('text/plain'),
    OpenApiResponse(200, 'Recorded, whatever the outcome; the body is what the platform expects (OK, 100, TwiML).', {
      schema: { type: 'string', example: 'OK' },
    }),
  );
