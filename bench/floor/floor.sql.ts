import type pg from 'pg';
import { DatabaseClock } from '../../lib/database/database-clock.js';
import { ADVISED_DATABASE_TIMEOUTS } from '../../lib/database/database-timeouts.js';
import type { Statement } from '../../lib/database/query-rows.js';
import * as inboundCallSql from '../../lib/verification/inbound-call.sql.js';
import * as sql from '../../lib/verification/verification.sql.js';

/*
 * Every SQL call of the floor, in one place: the module's own statements (its typed builders, from
 * the build of lib/), each sent once, as a named (prepared) statement, with nothing around it: no
 * transaction, no second look-up. This is the floor's claim of "unavoidable": one round trip per
 * step, the same statements the module runs (the callback's takes the call id's lock inside it,
 * redeem's checks the secret and consumes in one). When the module's builders change, adapt here.
 */

/** The module's default window and redeem time, and its lookback for late calls. */
const WINDOW_SECONDS = 120;
const REDEEM_SECONDS = 300;
const LATE_CALL_LOOKBACK_SECONDS = 3600;

/** The statement as a named one: Postgres plans it once per connection. */
async function run<T extends pg.QueryResultRow>(pool: pg.Pool, name: string, statement: Statement): Promise<T[]> {
  const result = await pool.query<T>({ name, text: statement.text, values: statement.values });
  return result.rows;
}

/** start: the new pending verification (the phone's pending one superseded). */
export async function insertVerification(
  pool: pg.Pool,
  p: { id: string; phone: string; callTo: string; waitId: string | null; secretHash: Buffer },
): Promise<{ id: string; expiresAt: Date; now: Date } | undefined> {
  const statement = sql.insertVerification({
    ...p,
    provider: 'ssms',
    windowSeconds: WINDOW_SECONDS,
    channel: 'call',
    codeHash: null,
    fromPool: false,
    smsPrefix: null,
    subject: null,
    // The floor records no event: the module's event row is part of what it is measured on.
    events: [],
  });
  return (await run<{ id: string; expiresAt: Date; now: Date }>(pool, 'floor_insert_verification', statement))[0];
}

/** callback: match the call, verify the one pending verification it fits, and record the call. */
export async function matchInboundCall(
  pool: pg.Pool,
  call: { caller: string | null; dialed: string | null; waitId: string | null; callId: string | null },
): Promise<{ outcome: string } | undefined> {
  const statement = inboundCallSql.matchInboundCall(
    { provider: 'ssms', attestation: null, ...call },
    {
      lateLookbackSeconds: LATE_CALL_LOOKBACK_SECONDS,
      approvedId: null,
      onlyApproved: false,
      confirmedByPlatform: false,
    },
  );
  return (await run<{ outcome: string }>(pool, 'floor_match_inbound_call', statement))[0];
}

/** The redeem's deadline, as the module computes it for the sample app's `query_timeout`. */
const clock = new DatabaseClock();

/**
 * redeem: consume a verified verification whose secret hash matches; its phone, or nothing. With a
 * deadline as the module sends it (the floor and Postgres share this machine's clock).
 */
export async function consumeVerification(
  pool: pg.Pool,
  p: { id: string; secretHash: Buffer },
): Promise<{ phone: string } | undefined> {
  const statement = sql.takeVerification({
    ...p,
    redeemSeconds: REDEEM_SECONDS,
    refreshTokenHash: null,
    subject: null,
    deadline: clock.deadline(ADVISED_DATABASE_TIMEOUTS.query_timeout, Date.now()),
  });
  const [row] = await run<{ takenPhone: string | null }>(pool, 'floor_take_verification', statement);
  return row?.takenPhone ? { phone: row.takenPhone } : undefined;
}

export { WINDOW_SECONDS };
