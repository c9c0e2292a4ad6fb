import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FakeSmsRuPlatform, FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { AppModule } from '../sample-app/src/app.module.js';
import { SampleExpressAdapter } from '../sample-app/src/express-adapter.js';
import { loadSampleConfig } from '../sample-app/src/sample.config.js';
import { PHONE_CALL_AUTH_DEFAULTS, PhoneCallAuthCallbacks, PhoneCallAuthFraudGuard } from 'nestjs-phone-call-auth';
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
    // On the adapter main.ts uses for Express.
    app = await NestFactory.create(AppModule.register(config, fake), new SampleExpressAdapter(), { logger: false });
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

  it('streams the events of a verification (text/event-stream)', async () => {
    const started = await post('/auth/phone-call/verifications', { phone: nextPhone() });
    const abort = new AbortController();
    const response = await fetch(`${base}/auth/phone-call/verifications/${started.body.id}/events`, {
      headers: { accept: 'text/event-stream', 'x-verification-secret': started.body.secret },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const first = await response.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^\nevent: \w+\nid: 1\ndata: \{.*"status":"pending"/);
    abort.abort();
  });

  it('relaxes the start limits on the fake platform: one phone more often than perPhone allows', async () => {
    const phone = nextPhone();
    const starts = PHONE_CALL_AUTH_DEFAULTS.limits.starts.perPhone.limit + 1;
    const statuses = [];
    for (let i = 0; i < starts; i++) {
      statuses.push((await post('/auth/phone-call/verifications', { phone })).status);
    }
    expect(statuses).toEqual(Array(starts).fill(201));
  });

  describe('the dev routes of one verification', () => {
    const EVIL = 'https://evil.example';
    /** A POST with exactly these headers and body. */
    const raw = async (path: string, body: string, headers: Record<string, string>) => {
      const response = await fetch(`${base}${path}`, { method: 'POST', headers, body });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    /** What the page sends: JSON, from its own origin. */
    const fromPage = (path: string, body: unknown) =>
      raw(path, JSON.stringify(body), {
        'content-type': 'application/json',
        origin: base,
        'sec-fetch-site': 'same-origin',
      });
    const status = async (id: string) => {
      const response = await post(`/auth/phone-call/verifications/${id}/token`, { secret: startedSecret.get(id) });
      return response.status;
    };
    const startedSecret = new Map<string, string>();
    const start = async (channel = 'call') => {
      const started = await post('/auth/phone-call/verifications', { phone: nextPhone(), channel });
      expect(started.status).toBe(201);
      startedSecret.set(started.body.id, started.body.secret);
      return { id: started.body.id, secret: started.body.secret };
    };

    it('show the SMS only to the holder of the secret, and only as JSON from the page', async () => {
      const { id, secret } = await start('sms');
      const sms = `/dev/verifications/${id}/sms`;
      expect((await fetch(`${base}${sms}`)).status).toBe(404); // no GET any more: the secret goes in a body
      expect((await fromPage(sms, {})).status).toBe(400);
      expect((await fromPage(sms, { secret: 'not-the-secret' })).status).toBe(401);
      expect((await raw(sms, `secret=${secret}`, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(
        415,
      );
      expect(
        (await raw(sms, JSON.stringify({ secret }), { 'content-type': 'application/json', origin: EVIL })).status,
      ).toBe(403);
      const shown = await fromPage(sms, { secret });
      expect(shown.status).toBe(200);
      expect(shown.body.text).toMatch(/\d{6}/);
    });

    it("place a call only for the holder of the secret, and never from another site's form", async () => {
      const { id, secret } = await start();
      const calls = `/dev/verifications/${id}/calls`;
      const forged = await raw(calls, `scenario=call&secret=${secret}`, {
        'content-type': 'application/x-www-form-urlencoded',
        origin: EVIL,
        'sec-fetch-site': 'cross-site',
      });
      expect(forged.status).toBe(403);
      expect((await fromPage(calls, { scenario: 'call' })).status).toBe(400);
      expect((await fromPage(calls, { scenario: 'too-late', secret: 'not-the-secret' })).status).toBe(401);
      expect(await status(id)).toBe(202); // still pending: nothing above placed a call or ended the window

      const placed = await fromPage(calls, { scenario: 'call', secret });
      expect(placed.status).toBe(200);
      expect(placed.body.callback).toEqual({ status: 200, body: 'OK' });
      expect(await status(id)).toBe(200);
    });
  });

  it('has no operator routes without PHONE_CALL_OPS_TOKEN (404)', async () => {
    for (const path of ['/ops', '/ops/summary', '/ops/assets/chart.umd.min.js']) {
      const response = await fetch(`${base}${path}`, { headers: { authorization: 'Bearer anything-at-all-here' } });
      expect(response.status).toBe(404);
    }
  });

  it('reports the database in its health endpoint', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it("keeps the module's client budgets on the fake platform: a burst of starts from one address is refused long before its relaxed limit", async () => {
    const { burst } = PHONE_CALL_AUTH_DEFAULTS.limits.budgets.start;
    let refused: { status: number; body: Record<string, string> } | undefined;
    // The tests above spent part of this address's budget already: at most `burst` more starts.
    for (let i = 0; i <= burst && !refused; i++) {
      const answer = await post('/auth/phone-call/verifications', { phone: nextPhone() });
      if (answer.status !== 201) refused = answer;
    }
    expect(refused).toMatchObject({ status: 429, body: { code: 'CLIENT_BUDGET_EXCEEDED' } });
  });

  it('reads its settings from the environment and names the variable at fault', () => {
    expect(loadSampleConfig({ PHONE_CALL_WINDOW_SECONDS: '90' }).windowSeconds).toBe(90);
    expect(
      loadSampleConfig({ PHONE_CALL_LIMIT_PER_PHONE: '3/600', PHONE_CALL_LIMIT_GLOBAL: 'off' }).startLimits,
    ).toEqual({ perPhone: { limit: 3, windowSeconds: 600 }, perAddress: undefined, global: false });
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
      budgets: false,
      admission: false,
      waiters: { perAddress: 5 },
      smsLimits: { global: { limit: 50, windowSeconds: 3600 } },
    });
    expect(loadSampleConfig({})).toMatchObject({ budgets: true, admission: true });
    expect(() => loadSampleConfig({ PHONE_CALL_ADMISSION: 'maybe' })).toThrow(
      /PHONE_CALL_ADMISSION must be one of on, off/,
    );
  });
});

describe('the operator dashboard (PHONE_CALL_OPS_TOKEN)', () => {
  const TOKEN = 'ops-token-0123456789abcdef';
  let app: INestApplication;
  let fake: FakeSsmsPlatform;
  let db: { url: string; drop(): Promise<void> };
  let base: string;
  const get = (path: string, authorization?: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers: { ...headers, ...(authorization && { authorization }) } });

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await FakeSsmsPlatform.start();
    const config = loadSampleConfig({ DATABASE_URL: db.url, PHONE_CALL_OPS_TOKEN: TOKEN });
    app = await NestFactory.create(AppModule.register(config, fake), { logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
    await db?.drop();
  });

  it('serves the page and Chart.js from the app, and the JSON only with the token', async () => {
    const page = await get('/ops');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/ops/assets/chart.umd.min.js');
    const chart = await get('/ops/assets/chart.umd.min.js');
    expect(chart.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await chart.text()).toContain('Chart.js v4');

    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, `Bearer  ${TOKEN}`]) {
      expect((await get('/ops/summary', authorization)).status).toBe(401);
      expect((await get('/ops/history/00000000-0000-4000-8000-000000000000', authorization)).status).toBe(401);
    }
    const summary = await get('/ops/summary', `Bearer ${TOKEN}`);
    expect(summary.status).toBe(200);
    expect(summary.headers.get('cache-control')).toBe('no-store');
    expect(await summary.json()).toMatchObject({ funnel: [], platforms: [], refusals: [], fraudGuard: [] });
  });

  it('answers the history of an unknown id 404 VERIFICATION_NOT_FOUND, in the asked language', async () => {
    const unknown = await get('/ops/history/not-a-verification', `Bearer ${TOKEN}`, { 'accept-language': 'ru' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'VERIFICATION_NOT_FOUND', message: /Проверки с таким id нет/ });
  });

  it("lists the SMS fraud guard's blocked prefixes, and the operator allows one with the token only", async () => {
    const guard = app.get(PhoneCallAuthFraudGuard);
    await guard.block('+7999');
    const blocked = (await (await get('/ops/summary', `Bearer ${TOKEN}`)).json()) as { fraudGuard: unknown[] };
    expect(blocked.fraudGuard).toEqual([expect.objectContaining({ prefix: '+7999', blocked: true })]);

    const allow = (authorization?: string) =>
      fetch(`${base}/ops/fraud-guard/%2B7999/allow`, {
        method: 'POST',
        headers: { ...(authorization && { authorization }) },
      });
    expect((await allow()).status).toBe(401);
    expect((await guard.prefixes({ blockedOnly: true })).map((state) => state.prefix)).toEqual(['+7999']);
    const allowed = await allow(`Bearer ${TOKEN}`);
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ prefix: '+7999', blocked: false });
    const after = (await (await get('/ops/summary', `Bearer ${TOKEN}`)).json()) as { fraudGuard: unknown[] };
    expect(after.fraudGuard).toEqual([]);
    for (const prefix of ['7999;drop', '%2B0799', '%2B79670311122']) {
      const bad = await fetch(`${base}/ops/fraud-guard/${prefix}/allow`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect([prefix, bad.status]).toEqual([prefix, 400]);
    }
  });

  it('refuses a short PHONE_CALL_OPS_TOKEN', () => {
    expect(() => loadSampleConfig({ PHONE_CALL_OPS_TOKEN: 'short' })).toThrow(/at least 16/);
  });
});

describe('the sample app in cookie mode (PHONE_CALL_JWT_COOKIE)', () => {
  const COOKIE = 'phone_call_token';
  let app: INestApplication;
  let fake: FakeSsmsPlatform;
  let db: { url: string; drop(): Promise<void> };
  let base: string;

  /** A POST with exactly these headers and body; the answer's status, JSON and Set-Cookie headers. */
  const raw = async (path: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers, body });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      cookies: response.headers.getSetCookie(),
    };
  };
  const fromPage = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    raw(path, JSON.stringify(body), {
      'content-type': 'application/json',
      origin: base,
      'sec-fetch-site': 'same-origin',
      ...headers,
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await FakeSsmsPlatform.start();
    const config = loadSampleConfig({ DATABASE_URL: db.url, PHONE_CALL_JWT_COOKIE: COOKIE });
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

  it("signs out through the module's route, which another site's page cannot call", async () => {
    const config = (await (await fetch(`${base}/page-config`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({ cookieMode: true, signOutPath: '/auth/phone-call/token/sign-out' });
    const started = await fromPage('/auth/phone-call/verifications', { phone: nextPhone() });
    await fromPage(`/dev/verifications/${started.body.id}/calls`, { secret: started.body.secret });
    const signedIn = await fromPage(`/auth/phone-call/verifications/${started.body.id}/token`, {
      secret: started.body.secret,
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toEqual({ expiresIn: 900 }); // no token for the page's script to read
    const cookie = signedIn.cookies[0].split(';')[0];

    // The sample app's own /sign-out (a form could post to it) is gone.
    expect((await raw('/sign-out', '', { 'content-type': 'application/x-www-form-urlencoded', cookie })).status).toBe(
      404,
    );
    const forged = await raw('/auth/phone-call/token/sign-out', '', {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'https://evil.example',
      cookie,
    });
    expect(forged).toMatchObject({ status: 403, cookies: [] });

    const signedOut = await fromPage('/auth/phone-call/token/sign-out', {}, { cookie });
    expect(signedOut.status).toBe(204);
    expect(signedOut.cookies).toEqual([
      `${COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`,
      // Expired too, though this app has no refresh tokens: none is left behind from a time it had.
      `${COOKIE}_refresh=; Max-Age=0; Path=/auth/phone-call/token; HttpOnly; Secure; SameSite=Strict`,
    ]);
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
    smsRu.callbackUrl = `${base}${app.get(PhoneCallAuthCallbacks).urlOf('sms-ru')!.path}`;
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
