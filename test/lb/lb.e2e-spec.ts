import { Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { nextPhone } from '../support/phones.js';
import { INSTANCES, type LoadBalancedSetup, PROXY_ADDRESS, setupVariable } from './global-setup.js';
import { type Answer, launchSampleApp, type SampleAppProcess, send } from './sample-apps.js';

/*
 * Runs only under `npm run test:lb` (test/lb/jest.config.js): three built sample apps (on the HTTP
 * adapter of the Jest project) on one Postgres, behind HAProxy (round robin, `option forwardfor`, /health checks), each with
 * TRUST_PROXY naming HAProxy's address only, and a fake SSMS platform in this process that all three
 * use as their SSMS (SSMS_API_URL), calling back through HAProxy. Each test's client connects from
 * an address of its own (127.0.0.x); HAProxy connects to the apps from PROXY_ADDRESS.
 */

const PREFIX = '/auth/phone-call';
const adapter =
  (globalThis as { PHONE_CALL_AUTH_TEST_ADAPTER?: 'express' | 'fastify' }).PHONE_CALL_AUTH_TEST_ADAPTER ?? 'express';
const setup = JSON.parse(process.env[setupVariable(adapter)] ?? 'null') as LoadBalancedSetup | null;
if (!setup) throw new Error('Run this file with npm run test:lb (test/lb/jest.config.js starts HAProxy).');
const { port: lbPort, appPorts, databaseUrl } = setup;
const CALLBACK_SECRET = randomBytes(32).toString('hex');

/** Through HAProxy, from `from`; `instance` pins the request to one app (test-only HAProxy rule). */
function viaLb(
  method: string,
  path: string,
  from: string,
  { body, instance, headers = {} }: { body?: unknown; instance?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return send(lbPort, method, `${PREFIX}${path}`, {
    from,
    body,
    headers: { ...headers, ...(instance && { 'x-test-instance': instance }) },
  });
}

/**
 * An event stream of a verification through HAProxy, pinned to `instance`: `held` resolves on its
 * first event (the app holds the stream from then on), `answer` when it ends.
 */
function eventStream(id: string, secret: string, from: string, instance: string) {
  let held!: () => void;
  const opened = new Promise<void>((resolve) => (held = resolve));
  const answer = send(lbPort, 'GET', `${PREFIX}/verifications/${id}/events`, {
    from,
    headers: { 'x-verification-secret': secret, 'x-test-instance': instance },
    onFirstData: held,
  });
  return { held: opened, answer };
}

/** A start through HAProxy from `from`, for a fresh phone. */
async function start(
  from: string,
  instance?: string,
): Promise<{ id: string; secret: string; phone: string; answer: Answer }> {
  const phone = nextPhone();
  const answer = await viaLb('POST', '/verifications', from, { body: { phone }, instance });
  return { id: answer.json.id as string, secret: answer.json.secret as string, phone, answer };
}

/**
 * `count` polls of made-up verifications from `from`, one after the other, to `port` (HAProxy's or an
 * app's): how many each app admitted (any answer but the budget's 429), by X-Served-By.
 */
async function pollFlood(
  port: number,
  from: string,
  count: number,
): Promise<{ admitted: Record<string, number>; ms: number }> {
  const admitted: Record<string, number> = {};
  const began = performance.now();
  for (let i = 0; i < count; i++) {
    const answer = await send(port, 'POST', `${PREFIX}/verifications/${randomUUID()}/token`, {
      from,
      body: { secret: 'x'.repeat(43) },
    });
    if (answer.status === 429 && answer.json.code === 'CLIENT_BUDGET_EXCEEDED') continue;
    const by = String(answer.headers['x-served-by'] ?? 'direct');
    admitted[by] = (admitted[by] ?? 0) + 1;
  }
  return { admitted, ms: performance.now() - began };
}

describe(`three sample apps (${adapter}) behind HAProxy`, () => {
  let platform: FakeSsmsPlatform;
  const apps: SampleAppProcess[] = [];

  beforeAll(async () => {
    // The fake platform's line per wait: the apps' own logs stay in their processes.
    Logger.overrideLogger(['error', 'warn']);
    platform = await FakeSsmsPlatform.start({
      callbackUrl: `http://127.0.0.1:${lbPort}${PREFIX}/callback/${CALLBACK_SECRET}`,
    });
    const env = {
      HOST: '127.0.0.1',
      HTTP_ADAPTER: adapter,
      DATABASE_URL: databaseUrl,
      SSMS_API_KEY: platform.apiKey,
      SSMS_API_URL: platform.url,
      PHONE_CALL_CALLBACK_SECRET: CALLBACK_SECRET,
      // One key for all: a token one instance issues is accepted by the others.
      JWT_SECRET: randomBytes(32).toString('base64url'),
      TRUST_PROXY: PROXY_ADDRESS,
      LOG_LEVEL: 'log',
    };
    // Together: the first run of the migrations on an empty database, three at once.
    apps.push(...INSTANCES.map((name, i) => launchSampleApp(name, appPorts[i], env)));
    await Promise.all(apps.map((app) => app.ready));
    // HAProxy's health checks (every 300 ms) have found each one when a request pinned to it lands on it.
    for (const { name } of apps) {
      for (let tries = 0; ; tries++) {
        const answer = await send(lbPort, 'GET', '/health', {
          from: '127.0.0.1',
          headers: { 'x-test-instance': name },
        });
        if (answer.headers['x-served-by'] === name && answer.status === 200) break;
        if (tries > 100) throw new Error(`HAProxy does not send to ${name}: ${answer.status} ${answer.text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
    await Promise.all(apps.map((app) => app.exited));
    await platform?.close();
  }, 30_000);

  it('round robin: requests through HAProxy are spread over the three apps', async () => {
    const servedBy = [];
    for (let i = 0; i < 6; i++)
      servedBy.push((await send(lbPort, 'GET', '/health', { from: '127.0.0.1' })).headers['x-served-by']);
    expect([...new Set(servedBy)].sort()).toEqual([...INSTANCES]);
  });

  describe('the client address is the real client, from X-Forwarded-For set by HAProxy only', () => {
    it("one client's start limit (10 per address, in Postgres) across the three apps does not touch another's", async () => {
      const spent = [];
      for (let i = 0; i < 10; i++) spent.push(await start('127.0.0.2'));
      expect(spent.map(({ answer }) => answer.status)).toEqual(Array(10).fill(201));
      // Spread over the three apps, counted once: the limit lives in Postgres.
      expect(new Set(spent.map(({ answer }) => answer.headers['x-served-by'])).size).toBe(3);
      const over = await start('127.0.0.2');
      expect(over.answer.status).toBe(429);
      expect(over.answer.json.code).toBe('RATE_LIMITED');
      // Another client behind the same proxy: its own address, its own limit.
      expect((await start('127.0.0.3')).answer.status).toBe(201);
    });

    it('an X-Forwarded-For sent straight to an app (not through HAProxy) is ignored', async () => {
      const answer = await send(appPorts[0], 'POST', `${PREFIX}/verifications`, {
        from: '127.0.0.4',
        body: { phone: nextPhone() },
        // The address whose limit the test above spent: honoured, this would be 429.
        headers: { 'x-forwarded-for': '127.0.0.2' },
      });
      expect(answer.status).toBe(201);
    });

    it('an X-Forwarded-For a client sends through HAProxy is ignored: HAProxy appends the real one', async () => {
      const answer = await viaLb('POST', '/verifications', '127.0.0.5', {
        body: { phone: nextPhone() },
        headers: { 'x-forwarded-for': '127.0.0.2' },
      });
      expect(answer.status).toBe(201);
    });
  });

  it("per-client budgets are each app's: through HAProxy a client gets the apps' count times one app's", async () => {
    // The poll budget: burst 60, then 5 a second, per address and app. Straight to one app:
    const direct = await pollFlood(appPorts[0], '127.0.0.9', 300);
    // Through HAProxy (round robin), from another address:
    const through = await pollFlood(lbPort, '127.0.0.10', 300);
    // Printed for docs/operations.md (Budgets per client); the bounds below hold on a loaded machine.
    process.stdout.write(
      `budget poll, 300 polls: straight to one app ${JSON.stringify(direct)}; through HAProxy ${JSON.stringify(through)}\n`,
    );
    const refill = (ms: number) => Math.ceil((ms / 1000) * 5);
    expect(direct.admitted.direct).toBeGreaterThanOrEqual(60);
    expect(direct.admitted.direct).toBeLessThanOrEqual(60 + refill(direct.ms));
    // Each app still admits at most its own budget from the client: the load it takes from one client is bounded as before.
    for (const name of INSTANCES) {
      expect(through.admitted[name]).toBeGreaterThanOrEqual(60);
      expect(through.admitted[name]).toBeLessThanOrEqual(60 + refill(through.ms));
    }
    // Kept for the client's address, not HAProxy's: another client behind it still has its budget.
    const other = await viaLb('POST', `/verifications/${randomUUID()}/token`, '127.0.0.11', {
      body: { secret: 'x'.repeat(43) },
    });
    expect(other.status).not.toBe(429);
  }, 30_000);

  it('a callback on one app wakes a long-poll held on another', async () => {
    const { id, secret, phone } = await start('127.0.0.6');
    const poll = viaLb('POST', `/verifications/${id}/token?wait=20`, '127.0.0.6', {
      body: { secret },
      instance: 'app1',
    });
    // The long-poll reaches app1 (as in test/realtime.e2e-spec.ts, nothing outside it says when it is held).
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The platform calls app2 straight (its port, not HAProxy's).
    const callbackUrl = platform.callbackUrl;
    platform.callbackUrl = `http://127.0.0.1:${appPorts[1]}${PREFIX}/callback/${CALLBACK_SECRET}`;
    try {
      expect((await platform.placeCall({ from: phone.slice(1) })).status).toBe(200);
    } finally {
      platform.callbackUrl = callbackUrl;
    }
    const called = performance.now();
    const answer = await poll;
    expect([answer.status, answer.headers['x-served-by']]).toEqual([200, 'app1']);
    expect(answer.json.accessToken).toEqual(expect.any(String));
    // Woken by app2's notification, not found verified at the wait's end (20 s).
    expect(performance.now() - called).toBeLessThan(3000);
  });

  it('a callback through HAProxy (on any app) ends the event streams held on all three', async () => {
    const { id, secret, phone } = await start('127.0.0.7');
    const streams = INSTANCES.map((instance) => eventStream(id, secret, '127.0.0.7', instance));
    await Promise.all(streams.map((stream) => stream.held));
    expect((await platform.placeCall({ from: phone.slice(1) })).status).toBe(200);
    const answers = await Promise.all(streams.map((stream) => stream.answer));
    expect(answers.map((answer) => answer.headers['x-served-by'])).toEqual([...INSTANCES]);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.text).toMatch(/event: status\nid: 2\ndata: \{"status":"verified"\}/);
    }
  });

  // Last: it kills app3.
  it('kill -9 of the app holding a long-poll and a stream: the client asks again through HAProxy and gets its token', async () => {
    const from = '127.0.0.8';
    const { id, secret, phone, answer: started } = await start(from, 'app3');
    expect([started.status, started.headers['x-served-by']]).toEqual([201, 'app3']);
    const poll = viaLb('POST', `/verifications/${id}/token?wait=20`, from, { body: { secret }, instance: 'app3' });
    const stream = eventStream(id, secret, from, 'app3');
    await stream.held;
    const app3 = apps[2];
    app3.child.kill('SIGKILL');
    await app3.exited;
    // HAProxy answers the cut long-poll itself, at once (502); the stream ends with no final status.
    expect((await poll).status).toBe(502);
    expect((await stream.answer).text).not.toMatch(/"status":"verified"/);
    // The callback through HAProxy: app3 refuses connections, HAProxy sends it to another app.
    expect((await platform.placeCall({ from: phone.slice(1) })).status).toBe(200);
    // Asked again (pinned to app3, which is down): another app answers, with the token.
    const again = await viaLb('POST', `/verifications/${id}/token?wait=20`, from, {
      body: { secret },
      instance: 'app3',
    });
    expect(again.status).toBe(200);
    expect(['app1', 'app2']).toContain(again.headers['x-served-by']);
    // The token (signed by app1 or app2) works on every app still running.
    for (const instance of ['app1', 'app2']) {
      const me = await send(lbPort, 'GET', '/me', {
        from,
        headers: { authorization: `Bearer ${again.json.accessToken as string}`, 'x-test-instance': instance },
      });
      expect([me.status, me.headers['x-served-by']]).toEqual([200, instance]);
    }
  });
});
