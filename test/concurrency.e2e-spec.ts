import type { TelephonyProvider } from 'nestjs-phone-call-auth';
import type { FakeCall, FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { nextPhone } from './support/phones.js';
import { withRowLocked } from './support/row-lock.js';
import { INBOUND_CALL_TABLE, VERIFICATION_TABLE } from './support/tables.js';
import { PREFIX, type TestResponse, useTestApp } from './support/test-app.js';

const CALLBACKS = 200;
const REDEEMS = 50;
/** How many of the app's statements must be waiting on the held row lock before it is released. */
const MIN_WAITERS = 5;

interface Setup {
  /** The app's provider; by default the one bootTestApp makes. */
  provider?: (platform: FakeSsmsPlatform) => TelephonyProvider;
  /** Extra parameters every callback of a call carries (a platform call id, say). */
  callParams?: (callNumber: number) => Record<string, string>;
}

/**
 * How a burst of requests is fired:
 * - `free-running`: all at once, interleaved however the server and the pool schedule them;
 * - `overlapping`: while the test holds a lock on the verification row, released only once at least
 *   {@link MIN_WAITERS} of the app's statements are blocked on it. Those statements all read the row
 *   as it was before any of them wrote, which is the race the conditional UPDATEs must settle.
 */
type Burst = 'free-running' | 'overlapping';
const BURSTS: Burst[] = ['free-running', 'overlapping'];

/** Counts equal values: `['a', 'b', 'a']` -> `{ a: 2, b: 1 }`. */
function tally(values: Array<string | number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Runs `count` copies of `request` at once and returns their answers. */
function burstOf<T>(count: number, request: () => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, request));
}

function concurrencySuite(title: string, setup: Setup): void {
  describe(title, () => {
    // About races, not load shedding: copies of one call id take turns under a lock, so the last of
    // a burst may wait longer than admission control's default queue time on a busy machine.
    const admission = { queueTimeoutMs: 60_000 };
    const t = useTestApp((platform) => ({
      options: { limits: { admission }, ...(setup.provider && { providers: [setup.provider(platform)] }) },
    }));
    let callCounter = 0;

    async function start(phone: string): Promise<{ id: string; secret: string }> {
      const response = await t.request('POST', `${PREFIX}/verifications`, { phone });
      expect(response.status).toBe(201);
      return response.body;
    }

    /** One call from `phone`, as the platform reports it: the same callback every time it is sent. */
    function callFrom(phone: string): FakeCall {
      return { from: phone.slice(1), params: setup.callParams?.(++callCounter) ?? {} };
    }

    function redeem(id: string, secret: string): Promise<TestResponse> {
      return t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
    }

    function fire<T>(burst: Burst, id: string, requests: () => Promise<T>): Promise<T> {
      return burst === 'overlapping'
        ? withRowLocked(
            t.databaseUrl,
            `SELECT 1 FROM ${VERIFICATION_TABLE} WHERE id = $1 FOR UPDATE`,
            [id],
            MIN_WAITERS,
            requests,
          )
        : requests();
    }

    async function status(id: string): Promise<string> {
      const [row] = await t.dataSource.query(`SELECT status FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id]);
      return row.status;
    }

    async function inboundFor(phone: string): Promise<Array<{ outcome: string; verification_id: string | null }>> {
      return t.dataSource.query(`SELECT outcome, verification_id FROM ${INBOUND_CALL_TABLE} WHERE caller = $1`, [
        phone,
      ]);
    }

    describe.each(BURSTS)('%s', (burst) => {
      it(`${CALLBACKS} copies of one callback verify exactly once and are all answered 200`, async () => {
        const phone = nextPhone();
        const { id } = await start(phone);
        const call = callFrom(phone);

        const answers = await fire(burst, id, () => burstOf(CALLBACKS, () => t.platform.placeCall(call)));

        expect(tally(answers.map((answer) => `${answer.status} ${answer.body}`))).toEqual({ '200 OK': CALLBACKS });
        expect(await status(id)).toBe('verified');
        const records = await inboundFor(phone);
        expect(tally(records.map((record) => record.outcome))).toEqual({ matched: 1, duplicate: CALLBACKS - 1 });
        expect(records.filter((record) => record.outcome === 'matched')).toEqual([
          { outcome: 'matched', verification_id: id },
        ]);
      });

      it(`${REDEEMS} redeems issue exactly one token; the rest get 410 consumed`, async () => {
        const phone = nextPhone();
        const { id, secret } = await start(phone);
        expect(await t.platform.placeCall(callFrom(phone))).toEqual({ status: 200, body: 'OK' });
        expect(await status(id)).toBe('verified');

        const answers = await fire(burst, id, () => burstOf(REDEEMS, () => redeem(id, secret)));

        expect(tally(answers.map((answer) => answer.status))).toEqual({ 200: 1, 410: REDEEMS - 1 });
        const refused = answers.filter((answer) => answer.status === 410);
        expect(tally(refused.map((answer) => answer.body.status))).toEqual({ consumed: REDEEMS - 1 });
        const [issued] = answers.filter((answer) => answer.status === 200);
        expect(issued.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
        expect(await status(id)).toBe('consumed');
      });
    });

    it('callbacks and redeems racing each other: one verification, one token in all, no 5xx', async () => {
      const phone = nextPhone();
      const { id, secret } = await start(phone);
      const call = callFrom(phone);

      const [callbacks, redeems] = await Promise.all([
        burstOf(10, () => t.platform.placeCall(call)),
        burstOf(10, () => redeem(id, secret)),
      ]);

      expect(tally(callbacks.map((answer) => answer.status))).toEqual({ 200: 10 });
      const statuses = redeems.map((answer) => answer.status);
      expect(statuses.every((code) => [200, 202, 410].includes(code))).toBe(true);
      expect(tally((await inboundFor(phone)).map((record) => record.outcome))).toEqual({ matched: 1, duplicate: 9 });

      // Whatever the interleaving, the holder of the secret gets exactly one token in total.
      const after = await redeem(id, secret);
      expect([...statuses, after.status].filter((code) => code === 200)).toHaveLength(1);
    });
  });
}

concurrencySuite('concurrency: callbacks identified by the wait id (id_call)', {});

// The SSMS adapter reads `call_id` as the platform's call id by default.
concurrencySuite('concurrency: callbacks with a platform call id', {
  callParams: (callNumber) => ({ call_id: `c-${callNumber}` }),
});

describe('replaying a processed platform call id', () => {
  const t = useTestApp((platform) => ({
    options: { providers: [platform.provider({ timeoutMs: 1000, callbackParams: { callId: ['cid'] } })] },
  }));

  it('does not verify a newer verification for the same phone', async () => {
    const phone = '+79670331122';
    const replay = { from: phone.slice(1), params: { cid: 'c-1' } };
    const first = await t.request('POST', `${PREFIX}/verifications`, { phone });
    expect(await t.platform.placeCall(replay)).toEqual({ status: 200, body: 'OK' });

    // The captured callback, replayed while a new verification waits: same call id, the new wait's id_call.
    const second = await t.request('POST', `${PREFIX}/verifications`, { phone });
    expect(await t.platform.placeCall(replay)).toEqual({ status: 200, body: 'OK' });

    const rows: Array<{ id: string; status: string }> = await t.dataSource.query(
      `SELECT id, status FROM ${VERIFICATION_TABLE} WHERE id IN ($1, $2)`,
      [first.body.id, second.body.id],
    );
    expect(Object.fromEntries(rows.map((row) => [row.id, row.status]))).toEqual({
      [first.body.id]: 'verified',
      [second.body.id]: 'pending',
    });
    const outcomes = await t.dataSource.query(
      `SELECT outcome FROM ${INBOUND_CALL_TABLE} WHERE call_id = 'c-1' ORDER BY id`,
    );
    expect(outcomes).toEqual([{ outcome: 'matched' }, { outcome: 'duplicate' }]);
  });
});
