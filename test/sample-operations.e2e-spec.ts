import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { AppModule } from '../sample-app/src/app.module.js';
import { installPrometheusMetrics } from '../sample-app/src/metrics.controller.js';
import { loadSampleConfig } from '../sample-app/src/sample.config.js';
import { sampleLogger } from '../sample-app/src/sample.logger.js';
import { createTestDatabase, TEST_ADAPTER } from './support/test-app.js';

const OPS_TOKEN = 'ops-token-of-the-operator-0123456789abcdef';

/** The sample app on the fake platform with these environment variables, on a free port. */
async function boot(env: Record<string, string>, exporter?: ReturnType<typeof installPrometheusMetrics>) {
  const db = await createTestDatabase();
  const fake = await FakeSsmsPlatform.start();
  const config = loadSampleConfig({ DATABASE_URL: db.url, ...env });
  const module = AppModule.register(config, fake, exporter);
  const options = { logger: sampleLogger(config) };
  // /metrics writes to the Node response itself: on Fastify, through a hijacked reply.
  const app: INestApplication =
    TEST_ADAPTER === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), options)
      : await NestFactory.create(module, options);
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  fake.callbackUrl = `${base}/auth/phone-call/callback/${config.callbackSecret}`;
  return {
    base,
    fake,
    post: async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    },
    close: async () => {
      await app.close();
      await fake.close();
      await db.drop();
    },
  };
}

describe("the sample app's operator side", () => {
  // Before the app, as main.ts does: the module creates its instruments when it starts.
  const exporter = installPrometheusMetrics();
  let withToken: Awaited<ReturnType<typeof boot>>;
  let without: Awaited<ReturnType<typeof boot>>;
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);

  beforeAll(async () => {
    // LOG_FORMAT=json writes JSON lines to stdout: keep them (and print nothing).
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    }) as typeof process.stdout.write;
    withToken = await boot({ PHONE_CALL_OPS_TOKEN: OPS_TOKEN, LOG_FORMAT: 'json', LOG_LEVEL: 'debug' }, exporter);
    // The same logging: Nest's static Logger is the last app's.
    without = await boot({ LOG_FORMAT: 'json', LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    process.stdout.write = write;
    await withToken?.close();
    await without?.close();
  });

  it('serves Prometheus metrics at /metrics with the operator token, 401 without it, 404 when PHONE_CALL_OPS_TOKEN is unset', async () => {
    const started = await withToken.post('/auth/phone-call/verifications', { phone: '+7 967 031-11-22' });
    expect(started.status).toBe(201);
    const metrics = (authorization?: string, base = withToken.base) =>
      fetch(`${base}/metrics`, { headers: authorization ? { authorization } : {} });

    expect((await metrics()).status).toBe(401);
    expect((await metrics(`Bearer ${OPS_TOKEN}x`)).status).toBe(401);
    expect((await metrics(OPS_TOKEN)).status).toBe(401);
    const scraped = await metrics(`Bearer ${OPS_TOKEN}`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await scraped.text();
    expect(text).toMatch(
      /^phone_call_auth_verification_starts_total\{[^}]*phone_call_auth_channel="call"[^}]*phone_call_auth_outcome="started"[^}]*\} 1/m,
    );
    expect(text).toMatch(/^phone_call_auth_platform_request_duration_bucket\{/m);
    expect(text).toMatch(/^phone_call_auth_db_statement_duration_count\{/m);
    expect(text).not.toMatch(/9670311122/);

    expect((await metrics(`Bearer ${OPS_TOKEN}`, without.base)).status).toBe(404);
    expect((await metrics(undefined, without.base)).status).toBe(404);
  });

  it('logs JSON lines with LOG_FORMAT=json: request id, verification id and provider, and no number, secret, code or token', async () => {
    const phone = '+79670311133';
    const started = await withToken.post(
      '/auth/phone-call/verifications',
      { phone, channel: 'sms' },
      { 'x-request-id': 'req-sms-start' },
    );
    expect(started.status).toBe(201);
    const code = withToken.fake.lastCode(phone)!;
    expect(code).toMatch(/^\d{6}$/);
    const { id, secret } = started.body;
    // The right code answers the token itself.
    const issued = await withToken.post(`/auth/phone-call/verifications/${id}/code`, { secret, code });
    expect(issued.status).toBe(200);
    expect(issued.body.accessToken).toEqual(expect.any(String));

    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(0);
    expect(records).toContainEqual(
      expect.objectContaining({ requestId: 'req-sms-start', verificationId: id, provider: 'ssms', level: 'debug' }),
    );
    // What a line says, without the time and process fields (whose digits could match anything).
    const said = records.map(({ timestamp: _t, pid: _p, ...rest }) => JSON.stringify(rest)).join('\n');
    expect(said).toContain('+7967***1133');
    for (const forbidden of [secret, issued.body.accessToken, issued.body.refreshToken, OPS_TOKEN]) {
      if (forbidden) expect(said).not.toContain(forbidden);
    }
    expect(said).not.toMatch(new RegExp(`\\b${code}\\b`));
    expect(said).not.toMatch(/9670311133|9670311122/);
  });
});
