import { RATE_LIMIT_TABLE } from '../database/entities/rate-limit.entity.js';
import type { Statement } from '../database/query-rows.js';

/*
 * The rate-limit statements: counters kept in Postgres, so they hold across every instance. Each
 * change is one statement on the database clock (now()).
 */

/** The key of the global counter (not hashed: it holds nothing personal). */
export const GLOBAL_KEY = 'global';

/** Adds one to a counter, or starts it again at 1 when its window has ended. */
const UPSERT_COUNT = `
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN r.resets_at <= now() THEN 1 ELSE r.count + 1 END,
    resets_at = CASE WHEN r.resets_at <= now() THEN EXCLUDED.resets_at ELSE r.resets_at END
  RETURNING key, count, ceil(extract(epoch FROM r.resets_at - now()))::int AS "retryAfter",
    r.resets_at::text AS "resetsAt"`;

/**
 * Adds one to each counter and returns the counts, in one statement (one round trip). The global
 * counter ($4) is counted only when none of the others went over its limit, so refused floods do
 * not spend everyone's budget. $1 keys, $2 window seconds and $3 limits (one per key), $4 the
 * global key (or null), $5 its window seconds.
 */
const COUNT = `
  WITH counted AS (
    INSERT INTO ${RATE_LIMIT_TABLE} AS r (key, count, resets_at)
    SELECT key, 1, now() + make_interval(secs => secs) FROM unnest($1::varchar[], $2::int[]) AS input(key, secs)
    ${UPSERT_COUNT}
  ), global AS (
    INSERT INTO ${RATE_LIMIT_TABLE} AS r (key, count, resets_at)
    SELECT $4, 1, now() + make_interval(secs => $5::int)
    WHERE $4::varchar IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM counted JOIN unnest($1::varchar[], $3::int[]) AS rule(key, lim) USING (key)
      WHERE counted.count > rule.lim
    )
    ${UPSERT_COUNT}
  )
  SELECT * FROM counted UNION ALL SELECT * FROM global`;

/**
 * Takes one back from each counter, in one statement: one conditional decrement per counter, only
 * in the window it was added in (a window that has started again since keeps its count) and never
 * below zero. $1 keys, $2 the windows' ends.
 */
const REFUND = `
  UPDATE ${RATE_LIMIT_TABLE} AS r SET count = r.count - 1
  FROM unnest($1::varchar[], $2::timestamptz[]) AS input(key, resets_at)
  WHERE r.key = input.key AND r.resets_at = input.resets_at AND r.count > 0`;

/** The global counter's current window. */
const GLOBAL_WINDOW = `
  SELECT count AS used, ceil(extract(epoch FROM resets_at - now()))::int AS "resetsInSeconds"
  FROM ${RATE_LIMIT_TABLE} WHERE key = '${GLOBAL_KEY}' AND resets_at > now()`;

/** {@link COUNT}: one more on each counter and, when none is over its limit, on the global one. */
export const count = (p: {
  counters: { key: string; windowSeconds: number; limit: number }[];
  global: { key: string; windowSeconds: number } | null;
}): Statement => ({
  name: 'phone_call_auth_count',
  text: COUNT,
  values: [
    p.counters.map((counter) => counter.key),
    p.counters.map((counter) => counter.windowSeconds),
    p.counters.map((counter) => counter.limit),
    p.global ? p.global.key : null,
    p.global ? p.global.windowSeconds : null,
  ],
});

/** {@link REFUND}: one less on each counter, in the window it was counted in. */
export const refund = (counted: { key: string; resetsAt: string }[]): Statement => ({
  text: REFUND,
  values: [counted.map((row) => row.key), counted.map((row) => row.resetsAt)],
});

/** {@link GLOBAL_WINDOW}: the global counter's current window. */
export const globalWindow = (): Statement => ({ text: GLOBAL_WINDOW, values: [] });
