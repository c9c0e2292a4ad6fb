import { RATE_LIMIT_TABLE } from '../database/entities/rate-limit.entity.js';
import type { Statement } from '../database/query-rows.js';
import type { ResolvedFraudGuard } from '../options/resolved-options.interface.js';
import {
  currentCountSql,
  previousCountSql,
  rolledCountsSql,
  SMS_PREFIX_TABLE,
  windowStartSql,
} from './sms-prefix.sql.js';

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

/** The counters over their limit: `counted` joined to the limits ($1 keys, $3 limits). */
const OVER = `SELECT 1 FROM counted JOIN unnest($1::varchar[], $3::int[]) AS rule(key, lim) USING (key)
      WHERE counted.count > rule.lim`;

/** Start of the fraud guard's current window ($9 seconds). */
const PREFIX_WINDOW = windowStartSql('$9::int');

/**
 * Whether the send the SMS fraud guard counts now blocks its prefix (row `r`, before the send): no
 * allowance, at least $10 sends over the two windows, fewer than $11 of them entered.
 */
const BLOCKS = `(r.allowed_until IS NULL OR r.allowed_until <= now())
      AND ${currentCountSql('sent', 'EXCLUDED.window_start')} + 1 + ${previousCountSql('sent', 'EXCLUDED.window_start', '$9::int')} >= $10
      AND ${currentCountSql('entered', 'EXCLUDED.window_start')} + ${previousCountSql('entered', 'EXCLUDED.window_start', '$9::int')}
        < $11::float8 * (${currentCountSql('sent', 'EXCLUDED.window_start')} + 1 + ${previousCountSql('sent', 'EXCLUDED.window_start', '$9::int')})`;

/**
 * Adds one to each counter and returns the counts, in one statement (one round trip). The global
 * counter ($4) is counted only when none of the others went over its limit, so refused floods do
 * not spend everyone's budget. $1 keys, $2 window seconds and $3 limits (one per key), $4 the
 * global key (or null), $5 its window seconds, $6 its limit (null: over it refuses nothing).
 *
 * With an SMS prefix ($7, or null; `limits.fraudGuard`), the fraud guard comes first: a prefix
 * blocked now counts nothing at all (row `blocked`); else, once every counter is within its limit,
 * the send is counted against the prefix (row `prefix`), and the send that makes $10 sends over
 * the last two windows ($9 seconds each) with fewer than $11 of them entered blocks the prefix for
 * $12 seconds. The upsert re-checks the block on the row it locked, so of concurrent starts on
 * every instance none gets past a block another one just set (no `prefix` row: the service gives
 * the counters back). $8 the prefix's country.
 */
const COUNT = `
  WITH blocked AS MATERIALIZED (
    SELECT ceil(extract(epoch FROM r.blocked_until - now()))::int AS "retryAfter" FROM ${SMS_PREFIX_TABLE} AS r
    WHERE $7::varchar IS NOT NULL AND r.prefix = $7 AND r.blocked_until > now()
      AND (r.allowed_until IS NULL OR r.allowed_until <= now())
  ), counted AS (
    INSERT INTO ${RATE_LIMIT_TABLE} AS r (key, count, resets_at)
    SELECT key, 1, now() + make_interval(secs => secs) FROM unnest($1::varchar[], $2::int[]) AS input(key, secs)
    WHERE NOT EXISTS (SELECT 1 FROM blocked)
    ${UPSERT_COUNT}
  ), global AS (
    INSERT INTO ${RATE_LIMIT_TABLE} AS r (key, count, resets_at)
    SELECT $4, 1, now() + make_interval(secs => $5::int)
    WHERE $4::varchar IS NOT NULL AND NOT EXISTS (SELECT 1 FROM blocked) AND NOT EXISTS (${OVER})
    ${UPSERT_COUNT}
  ), prefix AS (
    INSERT INTO ${SMS_PREFIX_TABLE} AS r (prefix, country, window_start, sent, blocked_at, blocked_until)
    SELECT $7, $8, ${PREFIX_WINDOW}, 1, CASE WHEN $10 <= 1 THEN now() END,
      CASE WHEN $10 <= 1 THEN now() + make_interval(secs => $12::int) END
    WHERE $7::varchar IS NOT NULL AND NOT EXISTS (SELECT 1 FROM blocked) AND NOT EXISTS (${OVER})
      AND NOT EXISTS (SELECT 1 FROM global WHERE global.count > $6::int)
    ON CONFLICT (prefix) DO UPDATE SET
      country = COALESCE(EXCLUDED.country, r.country), ${rolledCountsSql('EXCLUDED.window_start', '$9::int', 1, 0)},
      blocked_at = CASE WHEN ${BLOCKS} THEN now() ELSE r.blocked_at END,
      blocked_until = CASE WHEN ${BLOCKS} THEN now() + make_interval(secs => $12::int) ELSE r.blocked_until END
    WHERE r.blocked_until IS NULL OR r.blocked_until <= now() OR r.allowed_until > now()
    RETURNING prefix, sent + previous_sent AS sent, window_start::text AS "windowStart",
      blocked_at = now() AND blocked_until > now() AS "blockedNow"
  )
  SELECT key, count, "retryAfter", "resetsAt", NULL AS guard FROM counted
  UNION ALL SELECT key, count, "retryAfter", "resetsAt", NULL FROM global
  UNION ALL SELECT $7, 0, "retryAfter", NULL, 'blocked' FROM blocked
  UNION ALL SELECT prefix, sent, $12, "windowStart", CASE WHEN "blockedNow" THEN 'blocked_now' ELSE 'counted' END FROM prefix`;

/**
 * Takes one back from each counter, in one statement: one conditional decrement per counter, only
 * in the window it was added in (a window that has started again since keeps its count) and never
 * below zero; the same for the SMS fraud guard's prefix ($3, or null), counted in the window
 * starting at $4. $1 keys, $2 the windows' ends.
 */
const REFUND = `
  WITH prefix AS (
    UPDATE ${SMS_PREFIX_TABLE} SET sent = sent - 1
    WHERE $3::varchar IS NOT NULL AND prefix = $3 AND window_start = $4::timestamptz AND sent > 0
  )
  UPDATE ${RATE_LIMIT_TABLE} AS r SET count = r.count - 1
  FROM unnest($1::varchar[], $2::timestamptz[]) AS input(key, resets_at)
  WHERE r.key = input.key AND r.resets_at = input.resets_at AND r.count > 0`;

/** The global counter's current window. */
const GLOBAL_WINDOW = `
  SELECT count AS used, ceil(extract(epoch FROM resets_at - now()))::int AS "resetsInSeconds"
  FROM ${RATE_LIMIT_TABLE} WHERE key = '${GLOBAL_KEY}' AND resets_at > now()`;

/** An SMS send the fraud guard judges: its destination prefix and the guard's settings. */
export interface GuardedPrefix {
  prefix: string;
  country: string | null;
  guard: ResolvedFraudGuard;
}

/**
 * {@link COUNT}: one more on each counter and, when none is over its limit, on the global one and
 * the SMS prefix (unless the prefix is blocked: then nothing).
 */
export const count = (p: {
  counters: { key: string; windowSeconds: number; limit: number }[];
  global: { key: string; windowSeconds: number; limit: number | null } | null;
  prefix?: GuardedPrefix;
}): Statement => ({
  name: 'phone_call_auth_count',
  text: COUNT,
  values: [
    p.counters.map((counter) => counter.key),
    p.counters.map((counter) => counter.windowSeconds),
    p.counters.map((counter) => counter.limit),
    p.global ? p.global.key : null,
    p.global ? p.global.windowSeconds : null,
    p.global ? p.global.limit : null,
    p.prefix?.prefix ?? null,
    p.prefix?.country ?? null,
    p.prefix?.guard.windowSeconds ?? null,
    p.prefix?.guard.minSends ?? null,
    p.prefix?.guard.conversionBelow ?? null,
    p.prefix?.guard.blockSeconds ?? null,
  ],
});

/** {@link REFUND}: one less on each counter (and the SMS prefix), in the window it was counted in. */
export const refund = (
  counted: { key: string; resetsAt: string }[],
  prefix?: { prefix: string; windowStart: string },
): Statement => ({
  text: REFUND,
  values: [
    counted.map((row) => row.key),
    counted.map((row) => row.resetsAt),
    prefix?.prefix ?? null,
    prefix?.windowStart ?? null,
  ],
});

/** {@link GLOBAL_WINDOW}: the global counter's current window. */
export const globalWindow = (): Statement => ({ text: GLOBAL_WINDOW, values: [] });
