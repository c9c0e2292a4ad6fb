import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { DOCS_PATH } from './sample.constants.js';

/** The OpenAPI document of the sample app: the module's routes (documented by the module itself) and its own. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('nestjs-phone-call-auth sample app')
    .setDescription(
      'Verify a phone number by a call from that phone. Start a verification, call the number it gives, ' +
        'then redeem the verification for a token and send it as `Authorization: Bearer <token>`.',
    )
    .setVersion('0.1.0')
    // Listed in this order in Swagger UI: the module's routes first.
    .addTag('phone-call verification', "The client's side: start, redeem for a token, cancel.")
    .addTag('telephony platform callback', 'Sent by the platform when the subscriber calls.')
    .addTag('sample app', 'Routes of the sample app, behind the module.')
    .addTag('development (fake platform only)', 'Only when the sample app runs on the fake platform.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }) // the scheme @PhoneCallAuth() names
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves Swagger UI at `/docs` and the document at `/docs-json`; the UI's files come from `swagger-ui-dist`, served by the app. */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = createOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app, document, { customSiteTitle: 'Phone-call auth API' });
  return document;
}
