import { GlobalBudgetIndicator } from 'nestjs-phone-call-auth';
import { CapturingLogger } from './support/capturing-logger.js';
import { nextPhone } from './support/phones.js';
import { RATE_LIMIT_TABLE } from './support/tables.js';
import { PREFIX, type TestApp, type UseTestAppOptions, useTestDatabase } from './support/test-app.js';

/*
 * Start limits that a few addresses cannot spend for everyone: tiers per address and per network
 * (IPv4 /24, IPv6 /48), a global budget that alarms rather than refuses, and starts given back
 * when the platform fails.
 */

const db = useTestDatabase();

/** Boots an app with a fake platform of its own, behind a trusted proxy (X-Forwarded-For). */
async function boot(options: UseTestAppOptions = {}) {
  return db.boot(await db.startPlatform(), { trustProxy: true, ...options });
}

/** A start from `ip`, reading English (the module's default locale is Russian). */
const start = (t: TestApp, ip: string, phone = nextPhone()) =>
  t.request('POST', `${PREFIX}/verifications`, { phone }, { 'x-forwarded-for': ip, 'accept-language': 'en' });

/** Every app of this file counts on one database: each test starts with a fresh global counter. */
const resetGlobal = (t: TestApp) => t.dataSource.query(`DELETE FROM ${RATE_LIMIT_TABLE} WHERE key = 'global'`);

describe('the default limits', () => {
  const logger = new CapturingLogger();

  it('110 starts from 11 addresses (10 each) leave a fresh address able to start; the spent budget alarms', async () => {
    const t = await boot({ options: { limits: { starts: {} } }, logger });
    await resetGlobal(t);
    // 11 addresses of 11 networks, each at its per-address limit (10 per 10 minutes).
    const addresses = Array.from({ length: 11 }, (_, i) => `198.18.${i}.7`);
    const answers = await Promise.all(
      addresses.map(async (ip) => {
        const statuses: number[] = [];
        for (let i = 0; i < 10; i++) statuses.push((await start(t, ip)).status);
        return statuses;
      }),
    );
    expect(answers.flat()).toEqual(Array(110).fill(201));
    // The global budget (100 per minute) is spent, and it says so, once: in 'alarm' mode it refuses nothing.
    const budget = await t.app.get(GlobalBudgetIndicator).check();
    expect(budget).toMatchObject({ mode: 'alarm', limit: 100, windowSeconds: 60, used: 110, exceeded: true });
    const alarms = logger.lines.filter((line) => line.includes('global start budget is spent'));
    expect(alarms).toHaveLength(1);
    // The first over-limit answer handled logs it: 101, or a little more when answers cross.
    expect(alarms[0]).toMatch(/1[01]\d starts in this 60 s window, over the limit of 100/);

    // Each of the 11 is at its own limit; a fresh address is not.
    const refused = await start(t, addresses[0]);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(refused.body.message).toMatch(/from this address/);
    expect((await start(t, '198.18.200.1')).status).toBe(201);
  });

  it('many addresses of one IPv4 /24 share 30 starts; the next network is not affected', async () => {
    const t = await boot({ options: { limits: { starts: {} } } });
    const statuses: number[] = [];
    // 11 addresses of 192.0.2.0/24, 3 starts each: the network's 31st start is refused.
    for (let host = 1; host <= 11; host++) {
      for (let i = 0; i < 3; i++) statuses.push((await start(t, `192.0.2.${host}`)).status);
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(201));
    expect(statuses.slice(30)).toEqual([429, 429, 429]);
    const refused = await start(t, '192.0.2.200');
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(refused.body.message).toMatch(/from this network/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(590);
    expect((await start(t, '192.0.3.1')).status).toBe(201);
  });

  it('many /64s of one IPv6 /48 share one allowance; the next /48 is not affected', async () => {
    const t = await boot({ options: { limits: { starts: { perNetwork: { limit: 3, windowSeconds: 600 } } } } });
    expect((await start(t, '2001:db8:aa:1::1')).status).toBe(201);
    expect((await start(t, '2001:db8:aa:2::1')).status).toBe(201);
    expect((await start(t, '2001:db8:aa:ffff::9')).status).toBe(201);
    const refused = await start(t, '2001:db8:aa:3::1');
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/from this network/);
    expect((await start(t, '2001:db8:ab:1::1')).status).toBe(201);
  });
});

describe('the global budget', () => {
  it('as a wall refuses once spent, and the indicator says so', async () => {
    const t = await boot({
      options: { limits: { starts: { global: { limit: 2, windowSeconds: 60, mode: 'wall' } } } },
    });
    await resetGlobal(t);
    expect(await t.app.get(GlobalBudgetIndicator).check()).toMatchObject({ mode: 'wall', used: 0, exceeded: false });
    expect((await start(t, '203.0.113.20')).status).toBe(201);
    expect((await start(t, '203.0.113.21')).status).toBe(201);
    expect((await start(t, '203.0.113.22')).status).toBe(429);
    expect(await t.app.get(GlobalBudgetIndicator).check()).toMatchObject({ used: 3, exceeded: true });
  });

  it('is not spent by a start that another limit refuses (counted in the same statement)', async () => {
    const t = await boot({
      options: {
        limits: {
          starts: {
            perAddress: { limit: 1, windowSeconds: 60 },
            global: { limit: 5, windowSeconds: 60, mode: 'wall' },
          },
        },
      },
    });
    await resetGlobal(t);
    expect((await start(t, '203.0.113.30')).status).toBe(201);
    expect((await start(t, '203.0.113.30')).status).toBe(429);
    expect((await start(t, '203.0.113.30')).status).toBe(429);
    expect(await t.app.get(GlobalBudgetIndicator).check()).toMatchObject({ used: 1, exceeded: false });
  });

  it('off: the indicator reports mode off', async () => {
    const t = await boot();
    expect(await t.app.get(GlobalBudgetIndicator).check()).toEqual({
      mode: 'off',
      limit: 0,
      windowSeconds: 0,
      used: 0,
      exceeded: false,
      resetsInSeconds: 0,
    });
  });
});

describe('starts whose platform request failed are given back', () => {
  // Every limit at 1: a start after the failures gets through only if each failure gave back every counter.
  const one = { limit: 1, windowSeconds: 600 };
  const starts = { perPhone: one, perAddress: one, perNetwork: one, global: { ...one, mode: 'wall' as const } };

  it('a 502 and a 504 give back what they counted; a success does not', async () => {
    const t = await boot({ options: { limits: { starts } } });
    await resetGlobal(t);
    const before: { key: string }[] = await t.dataSource.query(`SELECT key FROM ${RATE_LIMIT_TABLE}`);
    const phone = nextPhone();
    const ip = '203.0.115.50';
    t.platform.failNext('7', 'Недостаточно средств');
    expect((await start(t, ip, phone)).status).toBe(502);
    t.platform.stallNext();
    expect((await start(t, ip, phone)).status).toBe(504);
    t.platform.respondNextWith(503, '<html>Bad gateway</html>');
    expect((await start(t, ip, phone)).status).toBe(502);
    // The counters of this phone, address, network and the global one: each counted three times, given back three times.
    const counters = await t.dataSource.query(`SELECT key, count FROM ${RATE_LIMIT_TABLE} WHERE NOT key = ANY($1)`, [
      before.map((row) => row.key),
    ]);
    expect(counters).toHaveLength(4);
    expect(counters.map((row: { count: number }) => row.count)).toEqual([0, 0, 0, 0]);

    expect((await start(t, ip, phone)).status).toBe(201);
    expect((await start(t, ip, phone)).status).toBe(429);
  });

  it('a start the phone policy refuses counts nothing', async () => {
    const t = await boot({ options: { limits: { starts } } });
    await resetGlobal(t);
    expect((await start(t, '203.0.114.1', '+7 800 555 3535')).status).toBe(400);
    expect(await t.dataSource.query(`SELECT count FROM ${RATE_LIMIT_TABLE} WHERE key = 'global'`)).toEqual([]);
  });
});
