import pg from 'pg';

/*
 * The benchmark's own statements: emptying the module's tables between runs and seeding them with
 * generate_series. Every seeded verification is numbered; its id, phone, number to call, wait id
 * and secret follow from its number, so the load generator can build each request without asking
 * the database. Numbers are taken from separate ranges per purpose, so no two seeds share a phone.
 */

/** First numbers of each purpose's range (a phone is +7967 and seven digits of the number). */
export const RANGES = { callback: 1, redeem: 1, push: 2_000_000, waiters: 3_000_000, start: 4_000_000 } as const;

/** The numbers the fake platform hands out, in turn; a seeded verification has number `n % 5`. */
const CALL_TO = ['+74993990001', '+74993990002', '+74993990003', '+74993990004', '+74993990005'];

/** A valid Russian mobile number, +7 967 and seven digits (numbers below 10,000,000). */
export const phoneOf = (n: number) => `+7967${String(n).padStart(7, '0')}`;
export const callToOf = (n: number) => CALL_TO[n % CALL_TO.length];
/** A UUID (version 4 layout) that SQL builds the same way: see {@link ID_SQL}. */
export const idOf = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-00000000b0b0`;
export const secretOf = (n: number) => `bench-secret-${n}`;
export const waitIdOf = (n: number) => `w${n}`;

const ID_SQL = `(lpad(to_hex(n), 8, '0') || '-0000-4000-8000-00000000b0b0')::uuid`;
const PHONE_SQL = `'+7967' || lpad(n::text, 7, '0')`;
const CALL_TO_SQL = `'+749939900' || lpad((n % 5 + 1)::text, 2, '0')`;
const SECRET_HASH_SQL = `sha256(convert_to('bench-secret-' || n, 'UTF8'))`;

const TABLES = 'phone_call_inbound_call, phone_call_refresh_token, phone_call_rate_limit, phone_call_verification';

/** Empties the module's tables. */
export async function truncate(db: pg.Pool): Promise<void> {
  await db.query(`TRUNCATE ${TABLES}`);
}

/**
 * Seeds `count` verifications numbered from `first`: `pending` ones waiting for a call (for the
 * callback, the long-polls, the event streams), or `verified` ones (for redeem), in their window
 * for `windowSeconds`.
 */
export async function seedVerifications(
  db: pg.Pool,
  p: { first: number; count: number; status: 'pending' | 'verified'; windowSeconds: number },
): Promise<void> {
  if (p.count <= 0) return;
  await db.query(
    `INSERT INTO phone_call_verification
       (id, phone, call_to, provider, provider_wait_id, status, secret_hash, expires_at, verified_at, verified_by, channel)
     SELECT ${ID_SQL}, ${PHONE_SQL}, ${CALL_TO_SQL}, 'ssms', 'w' || n, $3::varchar, ${SECRET_HASH_SQL},
       now() + make_interval(secs => $4),
       CASE WHEN $3::varchar = 'verified' THEN now() END, CASE WHEN $3::varchar = 'verified' THEN 'call' END, 'call'
     FROM generate_series($1::int, $2::int) AS n`,
    [p.first, p.first + p.count - 1, p.status, p.windowSeconds],
  );
}

/**
 * Seeds `count` closed verifications of other phones (+7 916 ...), as a table that has served for
 * a while holds them: created over the last day, 70 % consumed, the rest expired.
 */
export async function seedHistory(db: pg.Pool, count: number): Promise<void> {
  if (count <= 0) return;
  await db.query(
    `INSERT INTO phone_call_verification
       (id, phone, call_to, provider, provider_wait_id, status, secret_hash, created_at, expires_at,
        verified_at, consumed_at, verified_by, channel)
     SELECT md5('history' || n)::uuid, '+7916' || lpad((n % 10000000)::text, 7, '0'), '+74993990001', 'ssms',
       'h' || n, CASE WHEN n % 10 < 7 THEN 'consumed' ELSE 'expired' END,
       sha256(convert_to('history-' || n, 'UTF8')), at, at + interval '2 minutes',
       CASE WHEN n % 10 < 7 THEN at + interval '30 seconds' END, CASE WHEN n % 10 < 7 THEN at + interval '31 seconds' END,
       CASE WHEN n % 10 < 7 THEN 'call' END, 'call'
     FROM generate_series(1, $1::int) AS n, LATERAL (SELECT now() - (n % 86400) * interval '1 second' AS at) AS t`,
    [count],
  );
}

/**
 * Brings the planner's statistics up to date and writes the seeded pages out, so a run neither
 * plans on an empty table's statistics nor pays for the seed's checkpoint. CHECKPOINT needs a
 * superuser (or pg_checkpoint); on a server where the benchmark's user has neither, it is skipped.
 */
export async function settle(db: pg.Pool): Promise<void> {
  await db.query('VACUUM ANALYZE phone_call_verification');
  await db.query('CHECKPOINT').catch(() => undefined);
}

/** How many verifications are in each status. */
export async function statusCounts(db: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; count: string }>(
    'SELECT status, count(*) AS count FROM phone_call_verification GROUP BY status',
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

/** Rows in the verification table. */
export async function verificationRows(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ count: string }>('SELECT count(*) AS count FROM phone_call_verification');
  return Number(rows[0].count);
}
