import { SMS_PREFIX_TABLE } from '../database/entities/sms-prefix.entity.js';
import type { Statement } from '../database/query-rows.js';

/*
 * The SMS fraud guard's statements and the pieces of SQL the start (rate-limit.sql.ts) and the code
 * check (verification.sql.ts) fold into their own statements. A prefix's row holds two windows of
 * counts: the current one (`window_start`, `sent`, `entered`) and the one before it (`previous_*`).
 * Windows are aligned to the epoch, so every instance agrees on them; a row is moved to the current
 * window by the statement that next writes it, on the database clock.
 */

export { SMS_PREFIX_TABLE };

/** Start of the current window, `seconds` long (an SQL expression of an integer). */
export const windowStartSql = (seconds: string) =>
  `to_timestamp(floor(extract(epoch FROM now()) / ${seconds}) * ${seconds})`;

/**
 * A count of row `r` in the window starting at `start` (zero when the row's window is older). A
 * row already in a later window (a concurrent statement whose transaction began after this one's,
 * at a window's turn) is read as it is.
 */
export const currentCountSql = (column: 'sent' | 'entered', start: string) =>
  `(CASE WHEN r.window_start >= ${start} THEN r.${column} ELSE 0 END)`;

/** A count of row `r` in the window before the one starting at `start`. */
export const previousCountSql = (column: 'sent' | 'entered', start: string, seconds: string) =>
  `(CASE WHEN r.window_start >= ${start} THEN r.previous_${column}
    WHEN r.window_start = ${start} - make_interval(secs => ${seconds}) THEN r.${column} ELSE 0 END)`;

/**
 * The SET list that moves row `r` to the window starting at `start`, adding `addSent` and
 * `addEntered` to the current window's counts.
 */
export const rolledCountsSql = (start: string, seconds: string, addSent: 0 | 1, addEntered: 0 | 1) => `
    window_start = GREATEST(r.window_start, ${start}),
    sent = ${currentCountSql('sent', start)} + ${addSent},
    entered = ${currentCountSql('entered', start)} + ${addEntered},
    previous_sent = ${previousCountSql('sent', start, seconds)},
    previous_entered = ${previousCountSql('entered', start, seconds)}`;

/**
 * Counts an entered code against its prefix, as a CTE of the code check: the verification the
 * check verified (CTE `checked`, with its `status` and `sms_prefix`) adds one to its prefix's
 * entries. `seconds` is the window parameter; null (guard off) counts nothing.
 */
export const countEnteredSql = (seconds: string) => `
  UPDATE ${SMS_PREFIX_TABLE} AS r SET ${rolledCountsSql('entry.start', seconds, 0, 1)}
  FROM (
    SELECT sms_prefix, ${windowStartSql(seconds)} AS start FROM checked
    WHERE ${seconds} IS NOT NULL AND status = 'verified' AND sms_prefix IS NOT NULL
  ) AS entry
  WHERE r.prefix = entry.sms_prefix`;

/** A prefix is blocked now (row `r`): a block not yet over, and no allowance. */
const BLOCKED = `COALESCE(r.blocked_until > now() AND (r.allowed_until IS NULL OR r.allowed_until <= now()), false)`;

/** One prefix's state, for the operator. $1 window seconds. */
const STATE = `
  r.prefix, r.country,
  ${currentCountSql('sent', windowStartSql('$1::int'))} + ${previousCountSql('sent', windowStartSql('$1::int'), '$1::int')} AS sent,
  ${currentCountSql('entered', windowStartSql('$1::int'))} + ${previousCountSql('entered', windowStartSql('$1::int'), '$1::int')} AS entered,
  ${BLOCKED} AS blocked, r.blocked_at AS "blockedAt",
  CASE WHEN r.blocked_until > now() THEN r.blocked_until END AS "blockedUntil",
  CASE WHEN r.allowed_until > now() THEN r.allowed_until END AS "allowedUntil"`;

/** The prefixes, blocked first, then by SMS sent. $1 window seconds, $2 blocked ones only, $3 how many. */
const LIST = `
  SELECT ${STATE} FROM ${SMS_PREFIX_TABLE} AS r
  WHERE NOT $2::boolean OR ${BLOCKED}
  ORDER BY ${BLOCKED} DESC, sent DESC, r.prefix
  LIMIT $3`;

/**
 * The operator allows a prefix until now + $3 seconds: any block is lifted and its counts start
 * again from zero, so once the allowance ends it is judged on new sends only. $1 window seconds, $2 prefix.
 */
const ALLOW = `
  INSERT INTO ${SMS_PREFIX_TABLE} AS r (prefix, window_start, allowed_until)
  VALUES ($2, ${windowStartSql('$1::int')}, now() + make_interval(secs => $3::int))
  ON CONFLICT (prefix) DO UPDATE SET
    window_start = EXCLUDED.window_start, sent = 0, entered = 0, previous_sent = 0, previous_entered = 0,
    blocked_until = NULL, allowed_until = EXCLUDED.allowed_until
  RETURNING ${STATE}`;

/** The operator blocks a prefix until now + $3 seconds, ending any allowance. $1 window seconds, $2 prefix. */
const BLOCK = `
  INSERT INTO ${SMS_PREFIX_TABLE} AS r (prefix, window_start, blocked_at, blocked_until)
  VALUES ($2, ${windowStartSql('$1::int')}, now(), now() + make_interval(secs => $3::int))
  ON CONFLICT (prefix) DO UPDATE SET
    blocked_at = now(), blocked_until = EXCLUDED.blocked_until, allowed_until = NULL
  RETURNING ${STATE}`;

/** {@link LIST}: the prefixes' state, blocked first. */
export const listPrefixes = (p: { windowSeconds: number; blockedOnly: boolean; limit: number }): Statement => ({
  text: LIST,
  values: [p.windowSeconds, p.blockedOnly, p.limit],
});

/** {@link ALLOW}: allow a prefix for `seconds`, lifting its block and clearing its counts. */
export const allowPrefix = (p: { windowSeconds: number; prefix: string; seconds: number }): Statement => ({
  text: ALLOW,
  values: [p.windowSeconds, p.prefix, p.seconds],
});

/** {@link BLOCK}: block a prefix for `seconds`. */
export const blockPrefix = (p: { windowSeconds: number; prefix: string; seconds: number }): Statement => ({
  text: BLOCK,
  values: [p.windowSeconds, p.prefix, p.seconds],
});
