import { EVENT_TABLE } from '../database/entities/event.entity.js';
import { INBOUND_CALL_TABLE } from '../database/entities/inbound-call.entity.js';
import { VERIFICATION_TABLE } from '../database/entities/verification.entity.js';
import type { Statement } from '../database/query-rows.js';

/*
 * The event statements: writing a batch of events, and the two reads of the dashboard and the
 * support history. The hot paths write their events inside their own statements (start, code
 * check), with {@link insertEventRows} as a CTE.
 */

/** One event row to write (`phone_call_auth_event`). */
export interface EventRow {
  verificationId?: string | null;
  kind: 'platform' | 'code' | 'refused';
  channel?: string | null;
  provider?: string | null;
  country?: string | null;
  prefix?: string | null;
  outcome: string;
  durationMs?: number | null;
  detail?: string | null;
  count?: number;
}

/** The rows as the JSON parameter {@link insertEventRows} reads. */
export function eventRowsJson(rows: readonly EventRow[]): string {
  return JSON.stringify(
    rows.map((row) => ({
      verification_id: row.verificationId ?? null,
      kind: row.kind,
      channel: row.channel ?? null,
      provider: row.provider ?? null,
      country: row.country ?? null,
      prefix: row.prefix ?? null,
      outcome: row.outcome,
      duration_ms: row.durationMs ?? null,
      detail: row.detail?.slice(0, 120) ?? null,
      count: row.count ?? 1,
    })),
  );
}

/**
 * An INSERT of the rows of a JSON parameter ({@link eventRowsJson}), for a statement of its own or
 * a CTE of another (`where`: a condition on that statement's own CTEs).
 */
export const insertEventRows = (param: string, where = 'true') => `
  INSERT INTO ${EVENT_TABLE} (verification_id, kind, channel, provider, country, prefix, outcome, duration_ms, detail, count)
  SELECT e.verification_id, e.kind, e.channel, e.provider, e.country, e.prefix, e.outcome, e.duration_ms, e.detail, e.count
  FROM jsonb_to_recordset(${param}::jsonb) AS e(verification_id uuid, kind varchar, channel varchar, provider varchar,
    country varchar, prefix varchar, outcome varchar, duration_ms int, detail varchar, count int)
  WHERE ${where}`;

/**
 * What happened to one verification, in order: its platform answers and code tries (events), the
 * calls the platforms reported (inbound calls), and the steps its row records. Events written by
 * one statement share its `now()`: `step` orders them (platform answers first, then the start).
 * $1 id, $2 redeem seconds.
 */
const HISTORY = `
  WITH v AS (SELECT * FROM ${VERIFICATION_TABLE} WHERE id = $1)
  SELECT at, what, outcome, provider, number, duration_ms AS "durationMs", detail,
    (SELECT CASE
      WHEN status = 'pending' AND expires_at <= now() THEN 'expired'
      WHEN status = 'verified' AND verified_at <= now() - make_interval(secs => $2) THEN 'expired'
      ELSE status END FROM v) AS status,
    (SELECT phone FROM v) AS phone, (SELECT channel FROM v) AS channel, (SELECT provider FROM v) AS "verificationProvider"
  FROM (
    SELECT e.at, CASE e.kind WHEN 'platform' THEN 'platform' ELSE 'code' END AS what, e.outcome, e.provider,
      NULL::varchar AS number, e.duration_ms, e.detail, 0 AS step, e.id AS seq
    FROM ${EVENT_TABLE} e WHERE e.verification_id = $1 AND e.kind <> 'refused'
    UNION ALL
    SELECT created_at, 'started', NULL, provider, call_to, NULL, NULL, 1, 0 FROM v
    UNION ALL
    SELECT c.received_at, 'call', c.outcome, c.provider, c.caller, NULL, c.attestation, 2, c.id
    FROM ${INBOUND_CALL_TABLE} c WHERE c.verification_id = $1
    UNION ALL
    SELECT verified_at, 'verified', verified_by, NULL, NULL, NULL, NULL, 3, 0 FROM v WHERE verified_at IS NOT NULL
    UNION ALL
    SELECT consumed_at, 'redeemed', NULL, NULL, NULL, NULL, NULL, 4, 0 FROM v WHERE consumed_at IS NOT NULL
    UNION ALL
    SELECT canceled_at, 'canceled', cancel_reason, NULL, NULL, NULL, NULL, 4, 0 FROM v WHERE canceled_at IS NOT NULL
    UNION ALL
    SELECT failed_at, 'failed', fail_reason, NULL, NULL, NULL, NULL, 4, 0 FROM v WHERE failed_at IS NOT NULL
    UNION ALL
    SELECT expires_at, 'expired', 'window', NULL, NULL, NULL, NULL, 4, 0 FROM v
    WHERE status = 'expired' OR (status = 'pending' AND expires_at <= now())
    UNION ALL
    SELECT verified_at + make_interval(secs => $2), 'expired', 'not_redeemed', NULL, NULL, NULL, NULL, 4, 0 FROM v
    WHERE status = 'verified' AND verified_at <= now() - make_interval(secs => $2)
  ) AS entries
  WHERE EXISTS (SELECT 1 FROM v)
  ORDER BY at, step, seq`;

/**
 * The dashboard's numbers in one statement, from the last 24 hours of events joined to the
 * verifications they started: the funnel (started, proven, redeemed) per channel, country and
 * provider; each provider's requests, errors and p50/p95 latency; SMS sent; refusals by reason
 * and the most refused prefixes. Each for the last hour and day (`windows`).
 * $1 the SMS budget's window in seconds (or null), $2 how many prefixes.
 */
const SUMMARY = `
  WITH windows (name, secs) AS (VALUES ('1h', 3600), ('24h', 86400)),
  recent AS MATERIALIZED (SELECT * FROM ${EVENT_TABLE} WHERE at > now() - interval '24 hours'),
  started AS (
    SELECT e.at, e.channel, coalesce(e.country, '--') AS country, e.provider,
      v.verified_at IS NOT NULL AS proven, v.consumed_at IS NOT NULL AS redeemed
    FROM recent e LEFT JOIN ${VERIFICATION_TABLE} v ON v.id = e.verification_id
    WHERE e.kind = 'platform' AND e.outcome = 'ok' AND e.verification_id IS NOT NULL
  ), funnel AS (
    SELECT w.name AS "window",
      CASE WHEN GROUPING(s.channel) = 0 THEN 'channel' WHEN GROUPING(s.country) = 0 THEN 'country' ELSE 'provider' END
        AS dimension,
      CASE WHEN GROUPING(s.channel) = 0 THEN s.channel WHEN GROUPING(s.country) = 0 THEN s.country ELSE s.provider END
        AS key,
      count(*)::int AS started, (count(*) FILTER (WHERE proven))::int AS proven,
      (count(*) FILTER (WHERE redeemed))::int AS redeemed
    FROM started s JOIN windows w ON s.at > now() - make_interval(secs => w.secs)
    GROUP BY w.name, GROUPING SETS ((s.channel), (s.country), (s.provider))
  ), platforms AS (
    SELECT w.name AS "window", e.provider, count(*)::int AS requests, (count(*) FILTER (WHERE e.outcome <> 'ok'))::int AS errors,
      percentile_disc(0.5) WITHIN GROUP (ORDER BY e.duration_ms) AS "p50Ms",
      percentile_disc(0.95) WITHIN GROUP (ORDER BY e.duration_ms) AS "p95Ms"
    FROM recent e JOIN windows w ON e.at > now() - make_interval(secs => w.secs)
    WHERE e.kind = 'platform'
    GROUP BY w.name, e.provider
  ), sms AS (
    SELECT (count(*) FILTER (WHERE at > now() - interval '1 hour'))::int AS "lastHour", count(*)::int AS "lastDay",
      (count(*) FILTER (WHERE at > now() - make_interval(secs => coalesce($1::int, 0))))::int AS "inBudgetWindow"
    FROM recent WHERE kind = 'platform' AND outcome = 'ok' AND channel IN ('sms', 'call_or_sms')
  ), refusals AS (
    SELECT outcome AS reason, (coalesce(sum(count) FILTER (WHERE at > now() - interval '1 hour'), 0))::int AS "lastHour",
      sum(count)::int AS "lastDay"
    FROM recent WHERE kind = 'refused' GROUP BY outcome
  ), prefixes AS (
    SELECT prefix, sum(count)::int AS count FROM recent
    WHERE kind = 'refused' AND prefix IS NOT NULL GROUP BY prefix ORDER BY count DESC, prefix LIMIT $2
  )
  SELECT now() AS at,
    coalesce((SELECT json_agg(f ORDER BY f."window", f.dimension, f.started DESC, f.key) FROM funnel f), '[]') AS funnel,
    coalesce((SELECT json_agg(p ORDER BY p."window", p.provider) FROM platforms p), '[]') AS platforms,
    (SELECT row_to_json(s) FROM sms s) AS sms,
    coalesce((SELECT json_agg(r ORDER BY r."lastDay" DESC, r.reason) FROM refusals r), '[]') AS refusals,
    coalesce((SELECT json_agg(x ORDER BY x.count DESC, x.prefix) FROM prefixes x), '[]') AS "refusedPrefixes"`;

/** Writes a batch of events in one statement. */
export const insertEvents = (rows: readonly EventRow[]): Statement => ({
  text: insertEventRows('$1'),
  values: [eventRowsJson(rows)],
});

/** {@link HISTORY}: a verification's steps, in order (none: no such verification). */
export const selectHistory = (p: { id: string; redeemSeconds: number }): Statement => ({
  text: HISTORY,
  values: [p.id, p.redeemSeconds],
});

/** {@link SUMMARY}: the dashboard's numbers. */
export const selectSummary = (p: { smsWindowSeconds: number | null; prefixes: number }): Statement => ({
  text: SUMMARY,
  values: [p.smsWindowSeconds, p.prefixes],
});
