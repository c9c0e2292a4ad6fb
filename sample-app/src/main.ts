import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { AppModule } from './app.module.js';
import { startEmbeddedDatabase } from './embedded-database.js';
import { setupOpenApi } from './openapi.setup.js';
import { loadSampleConfig } from './sample.config.js';
import { DOCS_PATH, ROUTE_PREFIX as PREFIX } from './sample.constants.js';

async function bootstrap(): Promise<void> {
  const logger = new Logger('SampleApp');
  const config = loadSampleConfig();
  const database = config.databaseUrl ? undefined : await startEmbeddedDatabase();
  config.databaseUrl ??= database?.url;
  const fake = config.ssms ? undefined : await FakeSsmsPlatform.start();

  const app = await NestFactory.create(AppModule.register(config, fake));
  setupOpenApi(app);
  await app.listen(config.port, config.host);
  const local = `http://127.0.0.1:${config.port}`;
  const callbackPath = `/${PREFIX}/callback/${config.callbackSecret}`;

  if (fake) {
    fake.callbackUrl = `${local}${callbackPath}`;
    logger.warn(
      `No SSMS credentials (SSMS_API_KEY, or SSMS_EMAIL and SSMS_PASSWORD): using the fake platform at ${fake.url}. ` +
        `Place a call with: curl -X POST ${local}/dev/fake-calls -H 'content-type: application/json' -d '{"from":"+79670311122"}'`,
    );
  } else if (config.callbackSecretGenerated) {
    // Printed once, on purpose: the operator must paste it into the platform's settings.
    logger.warn(
      `PHONE_CALL_CALLBACK_SECRET is not set, so a random one was made for this run. In SSMS, set ` +
        `"Settings -> API and integration -> incoming call notifications" to https://<your host>${callbackPath} ` +
        `and set PHONE_CALL_CALLBACK_SECRET to keep it across restarts.`,
    );
  }
  if (config.jwtSecretGenerated) {
    logger.warn('JWT_SECRET is not set: tokens are signed with a random key and stop working when the app restarts.');
  }
  logger.log(`Sign-in page: ${local}/   API docs (OpenAPI): ${local}/${DOCS_PATH}`);
  logger.log(
    `Ready on ${local}. Start a verification: curl -X POST ${local}/${PREFIX}/verifications -H 'content-type: application/json' -d '{"phone":"+79670311122"}'`,
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: shutting down`);
    await app.close();
    await fake?.close();
    await database?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

bootstrap().catch((error: Error) => {
  new Logger('SampleApp').error(error.message, error.stack);
  process.exit(1);
});
