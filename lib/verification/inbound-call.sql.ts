import type { InboundCallOutcome } from '../core/verification-state.js';
import { INBOUND_CALL_TABLE } from '../database/entities/inbound-call.entity.js';
import { VERIFICATION_TABLE } from '../database/entities/verification.entity.js';
import type { Statement } from '../database/query-rows.js';
import { notifyVerification } from '../realtime/realtime.sql.js';

/*
 * The inbound-call statements: matching a platform's report against the pending verifications,
 * and recording it. Each is one statement on the database clock (now()).
 */

/** An inbound call as the statements record it: numbers in E.164 (or null), ids checked for shape. */
export interface InboundCallRecord {
  provider: string;
  caller: string | null;
  dialed: string | null;
  waitId: string | null;
  callId: string | null;
  attestation: string | null;
}

/**
 * Whose phone a call fits: the caller's, or, when the platform itself confirmed the call and sent
 * no caller ID (sms.ru, New-Tel), the wait's. $2 caller, $4 wait_id, `confirmed` a boolean parameter.
 */
const FITS_PHONE = (confirmed: string) =>
  `(phone = $2 OR (${confirmed}::boolean AND $2::varchar IS NULL AND $4::varchar IS NOT NULL))`;

/**
 * The single pending verification in its window that an inbound call fits, for `beforeVerify`.
 * $1 provider, $2 caller, $3 dialed, $4 wait_id, $5 confirmed by the platform.
 */
const FIND_CANDIDATE = `
  SELECT id, phone FROM ${VERIFICATION_TABLE}
  WHERE ${FITS_PHONE('$5')} AND provider = $1 AND status = 'pending' AND expires_at > now() AND channel <> 'sms'
    AND ($3::varchar IS NULL OR call_to = $3)
    AND ($4::varchar IS NULL OR provider_wait_id IS NULL OR provider_wait_id = $4)
  LIMIT 2`;

/** $1 provider, $2 call_id, $3 wait_id, $4 caller, $5 dialed, $6 attestation, $7 outcome, $8 verification_id. */
const INSERT_INBOUND_CALL = `
  INSERT INTO ${INBOUND_CALL_TABLE} (provider, call_id, wait_id, caller, dialed, attestation, outcome, verification_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (provider, call_id) WHERE call_id IS NOT NULL AND outcome <> 'duplicate' DO NOTHING
  RETURNING id, outcome, verification_id AS "verificationId"`;

/**
 * Matches an inbound call and records it, in one statement.
 * $1 provider, $2 caller (E.164), $3 dialed (E.164 or null), $4 wait_id, $5 call_id,
 * $6 attestation, $7 how far back (seconds) a closed window still makes a call `late`,
 * $8 the id `beforeVerify` approved (or null), $9 whether only that id may be verified,
 * $10 whether the platform confirmed the call itself (then a call without caller ID fits its wait).
 *
 * A call verifies the one verification in its window that fits caller, wait id and dialed
 * number, if that one is pending. A verification superseded inside its window still counts as a
 * fit: the subscriber may be dialing the number they were shown before someone else started a
 * verification for their phone, and then nothing tells the two apart, so neither is verified
 * (`ambiguous`; RFC 8628 section 5.4's remote phishing). The UPDATE re-checks `status =
 * 'pending'` after a concurrent writer commits, so of N identical callbacks exactly one verifies
 * and the others find their target taken (`duplicate`).
 *
 * Copies of one platform call id are serialised by its advisory lock, taken first (`seen`, held
 * until the statement's implicit transaction ends) by `phone_call_auth_call_seen` (migration
 * 1764150000004), whose own query sees what committed while it waited: a copy sees the first
 * copy's record and verifies nothing. Should the unique index still refuse the record (a first
 * copy recorded outside this statement), `recorded` is empty and the service records a duplicate.
 * One row always comes back: what was recorded (if anything) and what was verified (if anything).
 */
const MATCH_INBOUND_CALL = `
  WITH seen AS MATERIALIZED (
    SELECT 1 WHERE $5::varchar IS NOT NULL AND phone_call_auth_call_seen($1, $5)
  ), candidate AS (
    SELECT id, status, expires_at > now() AS open,
      status = 'pending' OR (status = 'canceled' AND cancel_reason = 'superseded') AS live
    FROM ${VERIFICATION_TABLE}
    WHERE (SELECT count(*) FROM seen) >= 0
      AND ${FITS_PHONE('$10')} AND provider = $1 AND channel <> 'sms'
      AND expires_at > now() - make_interval(secs => $7)
      AND ($3::varchar IS NULL OR call_to = $3)
      AND ($4::varchar IS NULL OR provider_wait_id IS NULL OR provider_wait_id = $4)
  ), fit AS (
    SELECT id, status FROM candidate WHERE live AND open
  ), target AS (
    SELECT (array_agg(id))[1] AS id FROM fit
    WHERE NOT EXISTS (SELECT 1 FROM seen)
    HAVING count(*) = 1 AND bool_and(status = 'pending') AND (NOT $9::boolean OR (array_agg(id))[1] = $8::uuid)
  ), verified AS (
    UPDATE ${VERIFICATION_TABLE} v SET status = 'verified', verified_at = now(), verified_by = 'call'
    FROM target WHERE v.id = target.id AND v.status = 'pending' AND v.expires_at > now()
    RETURNING v.id, v.phone, v.verified_at, ${notifyVerification('v.id')}
  ), outcome AS (
    SELECT CASE
      WHEN EXISTS (SELECT 1 FROM verified) THEN 'matched'
      WHEN EXISTS (SELECT 1 FROM seen) THEN 'duplicate'
      WHEN (SELECT count(*) FROM fit) > 1 THEN 'ambiguous'
      WHEN EXISTS (SELECT 1 FROM target) THEN 'duplicate'
      WHEN EXISTS (SELECT 1 FROM candidate WHERE status IN ('verified', 'consumed', 'failed')) THEN 'duplicate'
      WHEN EXISTS (SELECT 1 FROM candidate WHERE status = 'expired' OR (status = 'pending' AND NOT open)) THEN 'late'
      ELSE 'no_match' END AS value
  ), recorded AS (
    INSERT INTO ${INBOUND_CALL_TABLE} (provider, call_id, wait_id, caller, dialed, attestation, outcome, verification_id)
    SELECT $1, $5, $4, $2, $3, $6, outcome.value, COALESCE((SELECT id FROM verified), (SELECT id FROM target))
    FROM outcome
    ON CONFLICT (provider, call_id) WHERE call_id IS NOT NULL AND outcome <> 'duplicate' DO NOTHING
    RETURNING outcome, verification_id
  )
  SELECT recorded.outcome, recorded.verification_id AS "verificationId",
    verified.id AS "verifiedId", verified.verified_at AS "verifiedAt", verified.phone
  FROM (SELECT 1) AS one LEFT JOIN recorded ON true LEFT JOIN verified ON true`;

/*
 * Typed builders: each statement with its parameters by name, so no caller counts positions.
 */

/** {@link FIND_CANDIDATE}: the one pending verification an inbound call fits, for `beforeVerify`. */
export const findCandidate = (call: InboundCallRecord, p: { confirmedByPlatform: boolean }): Statement => ({
  text: FIND_CANDIDATE,
  values: [call.provider, call.caller, call.dialed, call.waitId, p.confirmedByPlatform],
});

/** {@link INSERT_INBOUND_CALL}: record an inbound call whose outcome is already known. */
export const insertInboundCall = (
  call: InboundCallRecord,
  outcome: InboundCallOutcome,
  verificationId: string | null,
): Statement => ({
  text: INSERT_INBOUND_CALL,
  values: [
    call.provider,
    call.callId,
    call.waitId,
    call.caller,
    call.dialed,
    call.attestation,
    outcome,
    verificationId,
  ],
});

/**
 * {@link MATCH_INBOUND_CALL}: match, verify and record, in one statement. `approvedId` is the
 * candidate `beforeVerify` approved; with `onlyApproved`, no other may be verified.
 */
export const matchInboundCall = (
  call: InboundCallRecord,
  p: { lateLookbackSeconds: number; approvedId: string | null; onlyApproved: boolean; confirmedByPlatform: boolean },
): Statement => ({
  name: 'phone_call_auth_match',
  text: MATCH_INBOUND_CALL,
  values: [
    call.provider,
    call.caller,
    call.dialed,
    call.waitId,
    call.callId,
    call.attestation,
    p.lateLookbackSeconds,
    p.approvedId,
    p.onlyApproved,
    p.confirmedByPlatform,
  ],
});
