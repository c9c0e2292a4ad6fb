import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import pg from 'pg';
import { AdmissionService } from '../lib/database/admission.service.js';
import { EventStreamsService } from '../lib/realtime/event-streams.service.js';
import { VerificationWaitersService } from '../lib/realtime/verification-waiters.service.js';
import { nextPhone } from './support/phones.js';
import { VERIFICATION_TABLE } from './support/tables.js';
import {
  PREFIX,
  type TestApp,
  TEST_CALLBACK_SECRET,
  type UseTestAppOptions,
  useTestDatabase,
} from './support/test-app.js';

/*
 * No anonymous client can take sign-in away from everyone: budgets per client address and network
 * spent before any database work, caps on waiting requests, and admission control that serves
 * starts and callbacks before polling and sheds the rest with a fast 503.
 */

const db = useTestDatabase();

/** An app behind a trusted proxy (clients told apart by X-Forwarded-For), with the module's default budgets. */
async function boot(options: UseTestAppOptions['options'] = {}) {
  return db.boot(await db.startPlatform(), {
    trustProxy: true,
    options: { ...options, limits: { budgets: {}, ...options.limits } },
  });
}

/** A client at `ip`, reading English (the module's default locale is Russian). */
const from = (ip: string) => ({ 'x-forwarded-for': ip, 'accept-language': 'en' });

async function startFrom(t: TestApp, ip: string, phone = nextPhone()) {
  const response = await t.request('POST', `${PREFIX}/verifications`, { phone }, from(ip));
  expect(response.status).toBe(201);
  return { phone, id: response.body.id as string, secret: response.body.secret as string };
}

const tokenFrom = (t: TestApp, ip: string, id: string, secret: string, wait = 0) =>
  t.request('POST', `${PREFIX}/verifications/${id}/token${wait ? `?wait=${wait}` : ''}`, { secret }, from(ip));

describe('budgets per client address and network', () => {
  it('answers a flood of made-up ids with 429 once the address has spent its budget, and only that address', async () => {
    const t = await boot({ limits: { budgets: { poll: { burst: 20, perSecond: 0.01 } } } });
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await tokenFrom(t, '198.51.100.7', randomUUID(), 'made-up'));
    expect(answers.slice(0, 20).map((answer) => answer.status)).toEqual(Array(20).fill(401));
    const refused = answers.slice(20);
    expect(refused.map((answer) => answer.status)).toEqual(Array(10).fill(429));
    expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused[0].body.code).toBe('CLIENT_BUDGET_EXCEEDED');
    expect(refused[0].body.message).toMatch(/Too many requests from your network; try again in \d+ seconds/);

    // Someone else, on another network, polls as usual.
    const person = await startFrom(t, '192.0.2.10');
    expect((await tokenFrom(t, '192.0.2.10', person.id, person.secret)).status).toBe(202);
  });

  it('counts the addresses of one /24 (IPv6 /48) together', async () => {
    const t = await boot({ limits: { budgets: { poll: { burst: 3, perSecond: 0.01 }, networkFactor: 2 } } });
    const statuses = async (ip: string, n: number) => {
      const answers = [];
      for (let i = 0; i < n; i++) answers.push((await tokenFrom(t, ip, randomUUID(), 'made-up')).status);
      return answers;
    };
    expect(await statuses('203.0.113.1', 4)).toEqual([401, 401, 401, 429]);
    // A neighbour has budget of its own, but the network's (3 x 2) runs out after three more.
    expect(await statuses('203.0.113.2', 4)).toEqual([401, 401, 401, 429]);
    expect(await statuses('203.0.113.3', 1)).toEqual([429]);
    expect(await statuses('203.0.114.1', 1)).toEqual([401]);
    expect(await statuses('2001:db8:5:1::1', 3)).toEqual([401, 401, 401]);
    expect(await statuses('2001:db8:5:2::1', 4)).toEqual([401, 401, 401, 429]);
    expect(await statuses('2001:db8:6:1::1', 1)).toEqual([401]);
  });

  it('spends the callback budget on refused callbacks only', async () => {
    const t = await boot({ limits: { budgets: { callback: { burst: 3, perSecond: 0.01 } } } });
    const callback = (secret: string, ip: string) =>
      fetch(`${t.baseUrl}${PREFIX}/callback/${secret}?phone=79670311122`, { headers: from(ip) });
    for (let i = 0; i < 10; i++) expect((await callback(TEST_CALLBACK_SECRET, '198.51.100.50')).status).toBe(200);
    const refused = [];
    for (let i = 0; i < 5; i++) refused.push((await callback('wrong-secret', '198.51.100.60')).status);
    expect(refused).toEqual([403, 403, 403, 429, 429]);
    // Spent, for refusals only: the right secret from that very address still passes.
    expect((await callback(TEST_CALLBACK_SECRET, '198.51.100.60')).status).toBe(200);
    expect((await callback(TEST_CALLBACK_SECRET, '198.51.100.50')).status).toBe(200);
  });

  it("never throttles the platform's genuine callback for its neighbours' wrong secrets", async () => {
    const t = await boot({});
    const callback = (secret: string, ip: string) =>
      fetch(`${t.baseUrl}${PREFIX}/callback/${secret}?phone=79670311122`, { headers: from(ip) });
    // 90 wrong secrets from 9 addresses of the platform's /24 spend that network's whole budget...
    const refused = [];
    for (let host = 1; host <= 9; host++) {
      for (let i = 0; i < 10; i++) refused.push((await callback('wrong-secret', `198.51.100.${host}`)).status);
    }
    expect(refused).toContain(429);
    expect(refused.every((status) => status === 403 || status === 429)).toBe(true);
    // ...and the genuine callback from the same /24 is still received.
    expect((await callback(TEST_CALLBACK_SECRET, '198.51.100.200')).status).toBe(200);
  });
});

describe('waiting requests', () => {
  it('lets at most 3 requests wait for one verification (429 beyond), and frees a place when one leaves', async () => {
    const t = await boot();
    const waiters = t.app.get(VerificationWaitersService);
    const { id, secret } = await startFrom(t, '192.0.2.20');
    // Three event streams wait for the verification (a stream the client closes frees its place).
    const controllers = Array.from({ length: 3 }, () => new AbortController());
    const streams = controllers.map((controller) =>
      fetch(`${t.baseUrl}${PREFIX}/verifications/${id}/events`, {
        headers: { 'x-verification-secret': secret, ...from('192.0.2.20') },
        signal: controller.signal,
      })
        .then((response) => response.text())
        .catch(() => undefined),
    );
    while (waiters.size < 3) await new Promise((resolve) => setImmediate(resolve));
    const fourth = await tokenFrom(t, '192.0.2.21', id, secret, 30);
    expect(fourth.status).toBe(429);
    expect(fourth.body.code).toBe('TOO_MANY_WAITERS');
    expect(fourth.body.message).toContain('for this verification');
    const events = await fetch(`${t.baseUrl}${PREFIX}/verifications/${id}/events`, {
      headers: { 'x-verification-secret': secret, ...from('192.0.2.21') },
    });
    expect(events.status).toBe(429);
    await events.arrayBuffer();

    controllers[0].abort();
    while (waiters.size > 2) await new Promise((resolve) => setImmediate(resolve));
    const admitted = tokenFrom(t, '192.0.2.21', id, secret, 30);
    while (waiters.size < 3) await new Promise((resolve) => setImmediate(resolve));
    // The verification is canceled: everything still waiting answers at once.
    expect((await t.request('DELETE', `${PREFIX}/verifications/${id}`, { secret })).status).toBe(204);
    expect((await admitted).status).toBe(410);
    await Promise.all(streams);
    expect(waiters.size).toBe(0);
  });

  it('lets one address hold at most limits.waiters.perAddress waiting requests', async () => {
    const t = await boot({ limits: { waiters: { perAddress: 2 } } });
    const waiters = t.app.get(VerificationWaitersService);
    const verifications = [await startFrom(t, '192.0.2.30'), await startFrom(t, '192.0.2.30')];
    const held = verifications.map(({ id, secret }) =>
      fetch(`${t.baseUrl}${PREFIX}/verifications/${id}/token?wait=30`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...from('192.0.2.30') },
        body: JSON.stringify({ secret }),
      }).catch(() => undefined),
    );
    while (waiters.size < 2) await new Promise((resolve) => setImmediate(resolve));
    const third = await startFrom(t, '192.0.2.30');
    const refused = await tokenFrom(t, '192.0.2.30', third.id, third.secret, 30);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('TOO_MANY_WAITERS');
    expect(refused.body.message).toContain('from your address');
    // Polling without wait still works, and another address may wait.
    expect((await tokenFrom(t, '192.0.2.30', third.id, third.secret)).status).toBe(202);
    const other = await startFrom(t, '192.0.2.31');
    const otherHeld = fetch(`${t.baseUrl}${PREFIX}/verifications/${other.id}/token?wait=30`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...from('192.0.2.31') },
      body: JSON.stringify({ secret: other.secret }),
    }).catch(() => undefined);
    while (waiters.size < 3) await new Promise((resolve) => setImmediate(resolve));
    // The held requests end as a person's would: their verifications are canceled, and they answer.
    for (const { id, secret } of [...verifications, other]) {
      expect((await t.request('DELETE', `${PREFIX}/verifications/${id}`, { secret })).status).toBe(204);
    }
    await Promise.all([...held, otherHeld]);
  });
});

describe('waiting requests whose clients leave', () => {
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  /**
   * A request on a connection of its own that the client can drop: `status` resolves with the
   * status line as soon as it arrives (an event stream's comes at once, a long-poll's when it is
   * answered), `leave()` closes the connection. Not fetch: an aborted fetch leaves its pool's
   * keep-alive connections open on the server, which would then take a minute to close.
   */
  function hold(
    url: string,
    { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string },
  ) {
    const request = httpRequest(url, { method, headers, agent: false });
    const status = new Promise<number | undefined>((resolve) => {
      request.on('response', (response) => {
        resolve(response.statusCode);
        response.resume();
      });
      request.on('error', () => resolve(undefined));
      request.on('close', () => resolve(undefined));
    });
    request.end(body);
    return { status, leave: () => request.destroy() };
  }

  it('are forgotten: the count per address, the waiters and the open streams go back to zero, round after round', async () => {
    const t = await boot({ limits: { budgets: false, waiters: { perAddress: 2 } } });
    const waiters = t.app.get(VerificationWaitersService);
    const streams = t.app.get(EventStreamsService);
    const ip = '192.0.2.40';
    for (let round = 0; round < 3; round++) {
      // The address's two places: an event stream and a long-poll, each for a verification of its own.
      const [watched, polled, third] = [await startFrom(t, ip), await startFrom(t, ip), await startFrom(t, ip)];
      const stream = hold(`${t.baseUrl}${PREFIX}/verifications/${watched.id}/events`, {
        headers: { 'x-verification-secret': watched.secret, ...from(ip) },
      });
      expect({ round, status: await stream.status }).toEqual({ round, status: 200 });
      const poll = hold(`${t.baseUrl}${PREFIX}/verifications/${polled.id}/token?wait=30`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...from(ip) },
        body: JSON.stringify({ secret: polled.secret }),
      });
      let answered: number | undefined;
      void poll.status.then((status) => (answered = status ?? -1));
      while (waiters.size < 2 && answered === undefined) await settle();
      // Held, not answered (a place still counted from the round before would make this a 429).
      expect({ round, answered, waiting: waiters.size, streams: streams.size }).toEqual({
        round,
        answered: undefined,
        waiting: 2,
        streams: 1,
      });
      // The address is at its limit.
      const refused = await tokenFrom(t, ip, third.id, third.secret, 30);
      expect({ round, status: refused.status }).toEqual({ round, status: 429 });

      stream.leave();
      poll.leave();
      while (waiters.size > 0 || streams.size > 0) await settle();
    }
  });
});

describe('admission control', () => {
  it('sheds polling with a fast 503 when its queue is full, while a start still queues', async () => {
    const t = await boot({
      limits: {
        budgets: false,
        admission: { maxConcurrent: 1, maxQueuedPolling: 1, maxQueuedPriority: 5, queueTimeoutMs: 15_000 },
      },
    });
    const admission = t.app.get(AdmissionService);
    const blocked = await startFrom(t, '192.0.2.50');
    const queued = await startFrom(t, '192.0.2.51');

    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM ${VERIFICATION_TABLE} WHERE id = $1 FOR UPDATE`, [blocked.id]);
      // The cancel's UPDATE waits on the row lock, holding the only slot.
      const cancel = t.request('DELETE', `${PREFIX}/verifications/${blocked.id}`, { secret: blocked.secret });
      while (admission.load.active < 1) await new Promise((resolve) => setImmediate(resolve));
      const waiting = tokenFrom(t, '192.0.2.51', queued.id, queued.secret);
      while (admission.load.queued < 1) await new Promise((resolve) => setImmediate(resolve));

      const began = performance.now();
      const shed = await tokenFrom(t, '192.0.2.52', randomUUID(), 'made-up');
      expect(performance.now() - began).toBeLessThan(500);
      expect(shed.status).toBe(503);
      expect(Number(shed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(shed.body.code).toBe('DATABASE_BUSY');
      expect(shed.body.message).toContain('busy');

      // A start still queues (a queue of its own), and everything queued is served once the slot frees.
      const start = t.request('POST', `${PREFIX}/verifications`, { phone: nextPhone() }, from('192.0.2.53'));
      while (admission.load.queued < 2) await new Promise((resolve) => setImmediate(resolve));
      await locker.query('ROLLBACK');
      expect((await cancel).status).toBe(204);
      expect((await start).status).toBe(201);
      expect((await waiting).status).toBe(202);
    } finally {
      await locker.end();
    }
  });
});
