import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FakeSmsRuPlatform, FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { AppModule } from '../sample-app/src/app.module.js';
import { loadSampleConfig } from '../sample-app/src/sample.config.js';
import { deriveCallbackSecret, PHONE_CALL_AUTH_DEFAULTS } from 'nestjs-phone-call-auth';
import { nextPhone } from './support/phones.js';
import { createTestDatabase } from './support/test-app.js';

describe('the sample app on the fake platform', () => {
  let app: INestApplication;
  let fake: FakeSsmsPlatform;
  let db: { url: string; drop(): Promise<void> };
  let base: string;

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await FakeSsmsPlatform.start();
    const config = loadSampleConfig({ DATABASE_URL: db.url });
    app = await NestFactory.create(AppModule.register(config, fake), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    fake.callbackUrl = `${base}/auth/phone-call/callback/${config.callbackSecret}`;
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
    await db?.drop();
  });

  it('serves the whole flow with no configuration but the database', async () => {
    const started = await post('/auth/phone-call/verifications', { phone: '+7 967 031-11-22' });
    expect(started.status).toBe(201);
    const call = await post('/dev/fake-calls', { from: '+79670311122' });
    expect(call.body).toEqual({ status: 200, body: 'OK' });
    const token = await post(`/auth/phone-call/verifications/${started.body.id}/token`, {
      secret: started.body.secret,
    });
    expect(token.status).toBe(200);
    const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token.body.accessToken}` } });
    expect(await me.json()).toEqual({ sub: '+79670311122', phone: '+79670311122' });
  });

  it('uses the development limits on the fake platform: more starts from one address than perIp allows', async () => {
    const starts = PHONE_CALL_AUTH_DEFAULTS.rateLimits.perIp.limit + 2;
    const statuses = [];
    for (let i = 0; i < starts; i++) {
      statuses.push((await post('/auth/phone-call/verifications', { phone: nextPhone() })).status);
    }
    expect(statuses).toEqual(Array(starts).fill(201));
  });

  it('reports the database in its health endpoint', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('reads its settings from the environment and names the variable at fault', () => {
    expect(loadSampleConfig({ PHONE_CALL_WINDOW_SECONDS: '90' }).windowSeconds).toBe(90);
    expect(
      loadSampleConfig({ PHONE_CALL_LIMIT_PER_PHONE: '3/600', PHONE_CALL_LIMIT_GLOBAL: 'off' }).rateLimits,
    ).toEqual({ perPhone: { limit: 3, windowSeconds: 600 }, perIp: undefined, global: false });
    expect(() => loadSampleConfig({ PHONE_CALL_LIMIT_PER_IP: '10 per minute' })).toThrow(
      /PHONE_CALL_LIMIT_PER_IP must be <count>\/<seconds>/,
    );
    expect(() => loadSampleConfig({ PORT: 'abc' })).toThrow(/PORT must be a whole number/);
    expect(() => loadSampleConfig({ SSMS_EMAIL: 'a@b.c' })).toThrow(/SSMS_EMAIL and SSMS_PASSWORD/);
    const generated = loadSampleConfig({});
    expect(generated.callbackSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(generated.jwtSecretGenerated).toBe(true);
    expect(loadSampleConfig({ SSMS_API_KEY: 'k' }).ssms).toEqual({ apiKey: 'k' });
    const tuned = loadSampleConfig({
      PHONE_CALL_CLIENT_BUDGETS: 'off',
      PHONE_CALL_ADMISSION: 'OFF',
      PHONE_CALL_MAX_WAITERS_PER_ADDRESS: '5',
      PHONE_CALL_SMS_LIMIT_GLOBAL: '50/3600',
    });
    expect(tuned).toMatchObject({
      clientBudgets: false,
      admission: false,
      maxWaitersPerAddress: 5,
      smsLimits: { global: { limit: 50, windowSeconds: 3600 } },
    });
    expect(loadSampleConfig({})).toMatchObject({ clientBudgets: true, admission: true });
    expect(() => loadSampleConfig({ PHONE_CALL_ADMISSION: 'maybe' })).toThrow(
      /PHONE_CALL_ADMISSION must be one of on, off/,
    );
  });
});

describe('the sample app on the platform PHONE_CALL_PROVIDERS names', () => {
  let app: INestApplication;
  let smsRu: FakeSmsRuPlatform;
  let db: { url: string; drop(): Promise<void> };
  let base: string;

  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    // sms.ru's fake as an HTTP server: the app talks to it as to sms.ru itself.
    smsRu = await FakeSmsRuPlatform.start();
    const config = loadSampleConfig({
      DATABASE_URL: db.url,
      PHONE_CALL_PROVIDERS: 'sms-ru',
      SMS_RU_API_ID: smsRu.apiId,
      SMS_RU_API_URL: smsRu.url,
    });
    app = await NestFactory.create(AppModule.register(config), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    smsRu.callbackUrl = `${base}/auth/phone-call/callback/sms-ru/${deriveCallbackSecret(config.callbackSecret, 'sms-ru')}`;
  });
  afterAll(async () => {
    await app?.close();
    await smsRu?.close();
    await db?.drop();
  });

  it('starts the verification on sms.ru (PHONE_CALL_PROVIDERS=sms-ru), and its webhook verifies it', async () => {
    const started = await send('POST', '/auth/phone-call/verifications', { phone: '+7 967 031-11-23' });
    expect(started.status).toBe(201);
    expect(smsRu.requests.at(-1)).toMatchObject({
      path: '/callcheck/add',
      params: { api_id: smsRu.apiId, phone: '79670311123', json: '1' },
    });
    expect(started.body.callTo).toBe(`+${smsRu.checkFor('+79670311123')!.callPhone}`);
    expect(await smsRu.placeCall({ from: '+79670311123' })).toMatchObject({ status: 200, body: '100' });
    const token = await send('POST', `/auth/phone-call/verifications/${started.body.id}/token`, {
      secret: started.body.secret,
    });
    expect(token.status).toBe(200);
    const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token.body.accessToken}` } });
    expect(await me.json()).toEqual({ sub: '+79670311123', phone: '+79670311123' });
  });

  it('offers calls only (sms.ru sends no codes here), and has no fake-platform routes', async () => {
    expect((await send('GET', '/page-config')).body).toMatchObject({ channels: ['call'], simulator: false });
    expect((await send('POST', '/dev/fake-calls', { from: '+79670311123' })).status).toBe(404);
  });

  it('refuses to start when a listed platform lacks credentials, naming each missing variable', () => {
    expect(() => loadSampleConfig({ PHONE_CALL_PROVIDERS: 'sms-ru' })).toThrow(
      'PHONE_CALL_PROVIDERS is "sms-ru", but SMS_RU_API_ID is not set. Set SMS_RU_API_ID to the api_id of the sms.ru account.',
    );
    expect(() => loadSampleConfig({ PHONE_CALL_PROVIDERS: 'ssms,twilio', TWILIO_AUTH_TOKEN: 't' })).toThrow(
      /^PHONE_CALL_PROVIDERS is "ssms,twilio", but SSMS_API_KEY, TWILIO_NUMBERS, PHONE_CALL_PUBLIC_BASE_URL are not set\./,
    );
  });
});
