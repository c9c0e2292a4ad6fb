import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { AppModule } from './app.module.js';
import { SampleExpressAdapter } from './express-adapter.js';
import { startEmbeddedDatabase } from './embedded-database.js';
import { installPrometheusMetrics } from './metrics.controller.js';
import { createOpenApiDocument, setupOpenApi } from './openapi.setup.js';
import { isLoopback, loadSampleConfig, type SampleConfig } from './sample.config.js';
import { DOCS_PATH, ROUTE_PREFIX as PREFIX } from './sample.constants.js';
import { sampleLogger } from './sample.logger.js';

/** The app on the HTTP server HTTP_ADAPTER names; Fastify is loaded only when asked for. */
async function createApp(
  config: SampleConfig,
  fake?: FakeSsmsPlatform,
  exporter?: PrometheusExporter,
): Promise<INestApplication> {
  // abortOnError: false, so a failed start reaches bootstrap's handler (which stops the database).
  const options = { logger: sampleLogger(config), abortOnError: false };
  const module = AppModule.register(config, fake, exporter);
  // TRUST_PROXY: which peers' X-Forwarded-For gives request.ip, the address the limits count.
  if (config.httpAdapter === 'express') {
    const app = await NestFactory.create<NestExpressApplication>(module, new SampleExpressAdapter(), options);
    if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
    // No `X-Powered-By: Express` (it tells an attacker what to try); and a response with no header
    // set before its route writes them keeps no table of them (an open event stream is 1 KB less).
    app.disable('x-powered-by');
    return app;
  }
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  // Fastify trusts no hop for a number (it fails closed); Express trusts that many: the same here.
  const hops = config.trustProxy;
  const trustProxy = typeof hops === 'number' ? (_address: string, hop: number) => hop < hops : hops;
  return NestFactory.create(module, new FastifyAdapter({ trustProxy }), options);
}

/** Whether a package can be imported (a variable name, so TypeScript does not need its types). */
async function installed(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Swagger UI at /docs, its document at /docs-json. On Fastify, @nestjs/swagger serves the UI's
 * files with @fastify/static, which the sample app does not depend on (without it the app would
 * exit while starting): then only the document is served. Answers the URL path to print.
 */
async function serveDocs(app: INestApplication, config: SampleConfig, logger: Logger): Promise<string> {
  if (config.httpAdapter === 'fastify' && !(await installed('@fastify/static'))) {
    SwaggerModule.setup(DOCS_PATH, app, createOpenApiDocument(app), { ui: false });
    logger.warn(
      `Swagger UI on Fastify needs @fastify/static (npm install -D @fastify/static), which is not installed: ` +
        `/${DOCS_PATH} is off, the OpenAPI document is at /${DOCS_PATH}-json.`,
    );
    return `${DOCS_PATH}-json`;
  }
  setupOpenApi(app);
  return DOCS_PATH;
}

async function bootstrap(): Promise<void> {
  const config = loadSampleConfig();
  // Also for the lines logged before Nest starts (the embedded database's).
  Logger.overrideLogger(sampleLogger(config));
  const logger = new Logger('SampleApp');
  const database = config.databaseUrl ? undefined : await startEmbeddedDatabase();
  config.databaseUrl ??= database?.url;
  let fake: FakeSsmsPlatform | undefined;
  let app: INestApplication | undefined;
  let docsPath: string;
  try {
    fake = config.platforms.length > 0 ? undefined : await FakeSsmsPlatform.start();
    // Before the app: the module creates its instruments when it starts.
    const exporter = config.opsToken ? installPrometheusMetrics() : undefined;
    app = await createApp(config, fake, exporter);
    docsPath = await serveDocs(app, config, logger);
    await app.listen(config.port, config.host);
  } catch (error) {
    // Leave no Postgres running behind a failed start.
    await app?.close().catch(() => undefined);
    await fake?.close().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    throw error;
  }
  const server = app;
  const local = `http://127.0.0.1:${config.port}`;
  const callbackPath = `/${PREFIX}/callback/${config.callbackSecret}`;

  if (fake) {
    fake.callbackUrl = `${local}${callbackPath}`;
    logger.warn(
      `No platform configured (PHONE_CALL_PROVIDERS, or SSMS_API_KEY, or SSMS_EMAIL and SSMS_PASSWORD): ` +
        `using the fake SSMS platform at ${fake.url}. ` +
        `Place a call with: curl -X POST ${local}/dev/fake-calls -H 'content-type: application/json' -d '{"from":"+79670311122"}'`,
    );
    if (!isLoopback(config.host)) {
      // Allowed by PHONE_CALL_FAKE_PLATFORM_PUBLIC=yes only (loadSampleConfig refuses it otherwise).
      logger.warn(
        `LISTENING ON ${config.host} WITH THE FAKE PLATFORM (PHONE_CALL_FAKE_PLATFORM_PUBLIC=yes): anyone who reaches ` +
          `this app can verify any number through /dev/fake-calls, without a phone. Use it on a network you trust only.`,
      );
    }
  } else if (config.callbackSecretGenerated) {
    // No URL is logged: each holds a platform's secret. `npm run callback-urls` prints them to the operator.
    logger.warn(
      'PHONE_CALL_CALLBACK_SECRET is not set, so a random one was made for this run and no platform can reach ' +
        'the app: set it (openssl rand -hex 32), then `npm run callback-urls` prints the URL to paste into each platform.',
    );
  }
  if (config.jwtSecretGenerated) {
    logger.warn('JWT_SECRET is not set: tokens are signed with a random key and stop working when the app restarts.');
  }
  logger.log(`Sign-in page: ${local}/   API docs (OpenAPI): ${local}/${docsPath}`);
  if (config.opsToken) {
    logger.log(
      `Operator dashboard: ${local}/ops (asks for PHONE_CALL_OPS_TOKEN); Prometheus metrics: ${local}/metrics`,
    );
  } else {
    logger.log(
      'The operator routes (/ops, /metrics) are off: set PHONE_CALL_OPS_TOKEN (openssl rand -hex 32) to turn them on; ' +
        'Prometheus scrapes /metrics with it as a bearer token.',
    );
  }
  logger.log(
    `Ready on ${local} (${config.httpAdapter}). Start a verification: curl -X POST ${local}/${PREFIX}/verifications -H 'content-type: application/json' -d '{"phone":"+79670311122"}'`,
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: shutting down`);
    await server.close();
    await fake?.close();
    await database?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

// Whatever failed, one clear line says so (a library may reject with something that is not an Error).
bootstrap().catch((error: unknown) => {
  const logger = new Logger('SampleApp');
  if (error instanceof Error) logger.fatal(`Could not start: ${error.message}`, error.stack);
  else logger.fatal(`Could not start: ${String(error)}`);
  process.exit(1);
});
