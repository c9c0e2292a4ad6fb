import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { AppModule } from '../../sample-app/src/app.module.js';
import { setupOpenApi } from '../../sample-app/src/openapi.setup.js';
import { loadSampleConfig } from '../../sample-app/src/sample.config.js';
import { createTestDatabase } from '../support/test-app.js';

/** The sample app as `npm start` runs it (page, /docs, module), in this process, on a database of its own. */
export interface RunningSampleApp {
  baseUrl: string;
  /** The app's database, for a test that moves a proof's time back. */
  databaseUrl: string;
  /** The OpenAPI document the app serves at `/docs-json`. */
  document: OpenAPIObject;
  /** The fake platform, when the app runs on it. */
  fake?: FakeSsmsPlatform;
  close(): Promise<void>;
}

/**
 * Boots the sample app on the fake platform (`simulator: true`), or with a real `SsmsProvider`
 * pointed at a fake platform's API (`simulator: false`): then the app has no dev routes, as with
 * a real SSMS account. `cookie` sets PHONE_CALL_JWT_COOKIE: the app runs in cookie mode.
 */
export async function startSampleApp({
  simulator,
  cookie,
  env: extra = {},
}: {
  simulator: boolean;
  cookie?: string;
  /** More of the sample app's environment variables. */
  env?: NodeJS.ProcessEnv;
}): Promise<RunningSampleApp> {
  const database = await createTestDatabase();
  const fake = await FakeSsmsPlatform.start();
  const env: NodeJS.ProcessEnv = simulator
    ? { DATABASE_URL: database.url }
    : { DATABASE_URL: database.url, SSMS_API_KEY: fake.apiKey, SSMS_API_URL: fake.url };
  if (cookie !== undefined) env.PHONE_CALL_JWT_COOKIE = cookie;
  const config = loadSampleConfig({ ...env, ...extra });
  let app: INestApplication | undefined;
  let document: OpenAPIObject;
  try {
    app = await NestFactory.create(AppModule.register(config, simulator ? fake : undefined), {
      logger: false,
      abortOnError: false,
    });
    document = setupOpenApi(app);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app?.close();
    await fake.close();
    await database.drop();
    throw error;
  }
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  fake.callbackUrl = `${baseUrl}/auth/phone-call/callback/${config.callbackSecret}`;
  return {
    baseUrl,
    databaseUrl: database.url,
    document,
    fake: simulator ? fake : undefined,
    close: async () => {
      await app.close();
      await fake.close();
      await database.drop();
    },
  };
}
