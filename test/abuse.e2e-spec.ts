import { PurgeService } from 'nestjs-phone-call-auth';
import pg from 'pg';
import { nextPhone } from './support/phones.js';
import { INBOUND_CALL_TABLE, RATE_LIMIT_TABLE, REFRESH_TOKEN_TABLE, VERIFICATION_TABLE } from './support/tables.js';
import {
  PREFIX,
  TEST_CALLBACK_SECRET,
  type TestApp,
  type UseTestAppOptions,
  useTestDatabase,
} from './support/test-app.js';

const db = useTestDatabase();

/** Boots an app with a fake platform of its own, behind a trusted proxy (X-Forwarded-For). */
async function boot(options: UseTestAppOptions = {}) {
  return db.boot(await db.startPlatform(), { trustProxy: true, ...options });
}

const start = (t: TestApp, phone: string, ip = '203.0.113.1', headers: Record<string, string> = {}) =>
  t.request('POST', `${PREFIX}/verifications`, { phone }, { 'x-forwarded-for': ip, ...headers });

/** Asks for the English texts (the module's default locale is Russian). */
const ENGLISH = { 'accept-language': 'en' };

describe('rate limits, stored in Postgres', () => {
  const defaults = { options: { limits: { starts: {} } } };

  it('the 4th start for one phone in 10 minutes gets 429 with Retry-After, across two instances', async () => {
    const [a, b] = [await boot(defaults), await boot(defaults)];
    const phone = nextPhone();
    expect((await start(a, phone)).status).toBe(201);
    expect((await start(b, phone)).status).toBe(201);
    expect((await start(a, phone)).status).toBe(201);

    const refused = await start(b, phone, undefined, ENGLISH);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(refused.body).toMatchObject({
      statusCode: 429,
      code: 'RATE_LIMITED',
      retryAfter,
      message: `Too many verifications for this phone number; try again in ${retryAfter} seconds.`,
    });
  });

  it('a stranger flooding your number spends their own allowance, not yours', async () => {
    const t = await boot(defaults);
    const phone = nextPhone();
    for (let i = 0; i < 3; i++) expect((await start(t, phone, '198.51.100.7')).status).toBe(201);
    expect((await start(t, phone, '198.51.100.7')).status).toBe(429);
    expect((await start(t, phone, '203.0.113.99')).status).toBe(201);
  });

  it('an address that is no address (300 characters) is refused (503, not 500): no limit runs without one', async () => {
    const t = await boot(defaults);
    const response = await start(t, nextPhone(), 'x'.repeat(300));
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('ADDRESS_UNKNOWN');
    expect(t.platform.requests).toHaveLength(0);
  });

  it('limits starts per client address', async () => {
    const t = await boot({ options: { limits: { starts: { perAddress: { limit: 2, windowSeconds: 600 } } } } });
    expect((await start(t, nextPhone(), '192.0.2.10')).status).toBe(201);
    expect((await start(t, nextPhone(), '192.0.2.10')).status).toBe(201);
    const refused = await start(t, nextPhone(), '192.0.2.10', ENGLISH);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(refused.body.message).toMatch(/from this address/);
    expect((await start(t, nextPhone(), '192.0.2.11')).status).toBe(201);
  });

  it('the global budget as a wall trips, and recovers when its window ends', async () => {
    const t = await boot({
      options: { limits: { starts: { global: { limit: 2, windowSeconds: 60, mode: 'wall' } } } },
    });
    await t.dataSource.query(`DELETE FROM ${RATE_LIMIT_TABLE} WHERE key = 'global'`);
    expect((await start(t, nextPhone(), '192.0.2.20')).status).toBe(201);
    expect((await start(t, nextPhone(), '192.0.2.21')).status).toBe(201);
    const refused = await start(t, nextPhone(), '192.0.2.22', ENGLISH);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(refused.body.message).toMatch(/right now/);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    // The window ends (moved on the database clock rather than waited for).
    await t.dataSource.query(`UPDATE ${RATE_LIMIT_TABLE} SET resets_at = now() WHERE key = 'global'`);
    expect((await start(t, nextPhone(), '192.0.2.23')).status).toBe(201);
  });

  it('starts refused by the per-phone limit do not use up the global budget', async () => {
    const t = await boot({
      options: {
        limits: { starts: { perPhone: { limit: 1, windowSeconds: 600 }, global: { limit: 3, windowSeconds: 60 } } },
      },
    });
    await t.dataSource.query(`DELETE FROM ${RATE_LIMIT_TABLE} WHERE key = 'global'`);
    const phone = nextPhone();
    expect((await start(t, phone, '192.0.2.30')).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await start(t, phone, '192.0.2.30')).status).toBe(429);
    const [global] = await t.dataSource.query(`SELECT count FROM ${RATE_LIMIT_TABLE} WHERE key = 'global'`);
    expect(global.count).toBe(1);
  });
});

describe('one live verification per phone', () => {
  it('30 concurrent starts for one phone all answer 201 and leave exactly one pending', async () => {
    const t = await boot();
    const phone = nextPhone();
    const answers = await Promise.all(Array.from({ length: 30 }, () => start(t, phone)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(201));
    const rows = await t.dataSource.query(
      `SELECT status, cancel_reason FROM ${VERIFICATION_TABLE} WHERE phone = $1 ORDER BY created_at`,
      [phone],
    );
    expect(rows.filter((row: { status: string }) => row.status === 'pending')).toHaveLength(1);
    expect(rows.filter((row: { cancel_reason: string }) => row.cancel_reason === 'superseded')).toHaveLength(29);
  });

  it('a start racing a call for the previous verification: the call never verifies a superseded one', async () => {
    const t = await boot();
    const { platform } = t;
    for (let round = 0; round < 10; round++) {
      const phone = nextPhone();
      const first = (await start(t, phone)).body;
      const wait = platform.waitFor(phone)!;
      const [, call] = await Promise.all([
        start(t, phone),
        platform.placeCall({ from: phone, to: wait.callTo, params: { id_call: wait.idCall } }),
      ]);
      expect(call.status).toBe(200);
      const [row] = await t.dataSource.query(
        `SELECT v.status, v.cancel_reason, c.outcome FROM ${VERIFICATION_TABLE} v
         JOIN ${INBOUND_CALL_TABLE} c ON c.caller = v.phone WHERE v.id = $1`,
        [first.id],
      );
      // Either the call came first and verified it, or the start came first and the call verified
      // nothing: recorded as no_match, or as duplicate when the supersede took the row under it.
      expect([
        { status: 'verified', cancel_reason: null, outcome: 'matched' },
        { status: 'canceled', cancel_reason: 'superseded', outcome: 'no_match' },
        { status: 'canceled', cancel_reason: 'superseded', outcome: 'duplicate' },
      ]).toContainEqual(row);
    }
  });
});

describe('phone policy and the beforeVerify hook', () => {
  it('mobileOnly refuses a landline with 400', async () => {
    const t = await boot({ options: { phonePolicy: { mobileOnly: true } } });
    const refused = await start(t, '+7 499 399 00 01', undefined, ENGLISH);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('NUMBER_TYPE_REFUSED');
    expect(refused.body.message).toMatch(/mobile/);
    expect((await start(t, nextPhone())).status).toBe(201);
  });

  it('countries refuses numbers of other countries with 400', async () => {
    const t = await boot({ options: { phonePolicy: { countries: ['RU', 'KZ'] } } });
    const refused = await start(t, '+44 7400 123456', undefined, ENGLISH);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('COUNTRY_REFUSED');
    expect(refused.body.message).toBe('phone must be a number of RU, KZ.');
  });

  it('beforeVerify sees the call and the verification, and a refusal verifies nothing', async () => {
    const seen: unknown[] = [];
    const t = await boot({
      options: {
        beforeVerify: (call, verification) => {
          seen.push({ call, verification });
          return call.attestation === 'A';
        },
      },
    });
    const { platform } = t;
    // The fake's GET carries no attestation, so this app's hook refuses every call.
    const phone = nextPhone();
    const { id, secret } = (await start(t, phone)).body;
    expect((await platform.placeCall({ from: phone })).status).toBe(200);

    expect(seen).toEqual([{ call: expect.objectContaining({ caller: phone }), verification: { id, phone } }]);
    const [record] = await t.dataSource.query(
      `SELECT outcome, verification_id FROM ${INBOUND_CALL_TABLE} WHERE caller = $1`,
      [phone],
    );
    expect(record).toEqual({ outcome: 'refused', verification_id: id });
    expect((await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret })).status).toBe(202);
  });
});

describe('purge of old rows', () => {
  it('deletes what is older than the retention, one instance at a time', async () => {
    const t = await boot();
    const { platform } = t;
    const purge = t.app.get(PurgeService);
    const phone = nextPhone();
    const { id } = (await start(t, phone)).body;
    await platform.placeCall({ from: phone });
    await t.dataSource.query(`INSERT INTO ${RATE_LIMIT_TABLE} VALUES ('old', 1, now() - interval '1 second')`);
    // A refresh-token family revoked two days ago, and a live one.
    await t.dataSource.query(
      `INSERT INTO ${REFRESH_TOKEN_TABLE} (family_id, token_hash, phone, family_created_at, revoked_at)
       VALUES (gen_random_uuid(), sha256('revoked'), $1, now() - interval '3 days', now() - interval '2 days'),
              (gen_random_uuid(), sha256('live'), $1, now(), NULL)`,
      [phone],
    );
    // Two days pass for this verification and its call (moved on the database clock).
    await t.dataSource.query(
      `UPDATE ${VERIFICATION_TABLE} SET created_at = now() - interval '2 days', expires_at = now() - interval '2 days' WHERE id = $1`,
      [id],
    );
    await t.dataSource.query(
      `UPDATE ${INBOUND_CALL_TABLE} SET received_at = now() - interval '2 days' WHERE verification_id = $1`,
      [id],
    );

    // While another instance holds the purge lock, this one deletes nothing.
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    await other.query('BEGIN');
    await other.query(`SELECT pg_advisory_xact_lock(${0x70686f6e})`);
    expect(await purge.purge()).toEqual({
      ran: false,
      inboundCalls: 0,
      events: 0,
      verifications: 0,
      rateLimitCounters: 0,
      refreshTokens: 0,
    });
    await other.query('COMMIT');
    await other.end();

    const result = await purge.purge();
    expect(result).toMatchObject({ ran: true, verifications: 1, inboundCalls: 1, refreshTokens: 1 });
    expect(await t.dataSource.query(`SELECT phone FROM ${REFRESH_TOKEN_TABLE} WHERE phone = $1`, [phone])).toEqual([
      { phone },
    ]);
    expect(result.rateLimitCounters).toBeGreaterThanOrEqual(1);
    expect(await t.dataSource.query(`SELECT id FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id])).toEqual([]);
    expect(await t.dataSource.query(`SELECT key FROM ${RATE_LIMIT_TABLE} WHERE key = 'old'`)).toEqual([]);
  });
});

describe('a platform call id is processed once', () => {
  it('a copy that arrives while the first copy is still being recorded verifies nothing', async () => {
    const t = await boot();
    const { platform } = t;
    const phone = nextPhone();
    const { id } = (await start(t, phone)).body;

    // The first copy of call "c-race" is mid-flight on another connection: it holds the call id's
    // lock and has recorded itself (a no_match), but has not committed yet.
    const first = new pg.Client({ connectionString: db.url });
    await first.connect();
    await first.query('BEGIN');
    await first.query(`SELECT pg_advisory_xact_lock(hashtextextended('call:ssms:c-race', 0))`);
    await first.query(
      `INSERT INTO ${INBOUND_CALL_TABLE} (provider, call_id, caller, outcome) VALUES ('ssms', 'c-race', $1, 'no_match')`,
      [phone],
    );

    const second = platform.placeCall({ from: phone, params: { call_id: 'c-race' } });
    // Wait until the second copy is blocked on the call id's lock, then let the first commit.
    const waiting = async () =>
      (
        await t.dataSource.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'`,
        )
      )[0].n;
    while ((await waiting()) === 0);
    await first.query('COMMIT');
    await first.end();
    expect((await second).status).toBe(200);

    const outcomes = await t.dataSource.query(
      `SELECT outcome FROM ${INBOUND_CALL_TABLE} WHERE call_id = 'c-race' ORDER BY id`,
    );
    expect(outcomes).toEqual([{ outcome: 'no_match' }, { outcome: 'duplicate' }]);
    const [row] = await t.dataSource.query(`SELECT status FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id]);
    expect(row.status).toBe('pending');
  });
});

describe('callback allowlist', () => {
  it('takes callbacks only from the listed ranges, reading the address through the trusted proxy', async () => {
    const t = await boot({ options: { callbackAllowlist: ['203.0.113.0/24', '2001:db8::/32'] } });
    const { platform } = t;
    const phone = nextPhone();
    const { id } = (await start(t, phone)).body;
    const wait = platform.waitFor(phone)!;
    const callback = (ip: string) =>
      t.request(
        'GET',
        `${PREFIX}/callback/${TEST_CALLBACK_SECRET}?phone=${wait.phone}&call_to_number=${wait.callTo}&id_call=${wait.idCall}`,
        undefined,
        { 'x-forwarded-for': ip },
      );

    const refused = await callback('198.51.100.1');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CALLBACK_REFUSED');
    expect(refused.body.message).toMatch(/callbackAllowlist/);
    expect(await t.dataSource.query(`SELECT 1 FROM ${INBOUND_CALL_TABLE} WHERE caller = $1`, [phone])).toEqual([]);

    expect((await callback('203.0.113.7')).status).toBe(200);
    const [row] = await t.dataSource.query(`SELECT status FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id]);
    expect(row.status).toBe('verified');
  });
});

describe('state changes that must not happen late', () => {
  it('cancel leaves a verification whose window has passed as it is', async () => {
    const t = await boot();
    const { id, secret } = (await start(t, nextPhone())).body;
    await t.dataSource.query(`UPDATE ${VERIFICATION_TABLE} SET expires_at = now() WHERE id = $1`, [id]);
    const response = await t.request('DELETE', `${PREFIX}/verifications/${id}`, { secret });
    expect(response.status).toBe(204);
    const [row] = await t.dataSource.query(`SELECT status, cancel_reason FROM ${VERIFICATION_TABLE} WHERE id = $1`, [
      id,
    ]);
    expect(row).toEqual({ status: 'pending', cancel_reason: null });
  });
});

describe('errors of the app hooks', () => {
  it("a network error inside resolveSubject is the hook's 500, not the database's 503", async () => {
    const t = await boot({
      options: {
        resolveSubject: () => {
          throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:443'), { code: 'ECONNREFUSED' });
        },
      },
    });
    const { platform } = t;
    const phone = nextPhone();
    const { id, secret } = (await start(t, phone)).body;
    await platform.placeCall({ from: phone });
    const response = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
    expect(response.status).toBe(500);
    // The verification stays redeemable: consuming it and issuing the token are one transaction.
    const [row] = await t.dataSource.query(`SELECT status FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id]);
    expect(row.status).toBe('verified');
  });
});
