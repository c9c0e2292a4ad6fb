import type { VerificationChannel } from '../core/verification-state.js';
import { VERIFICATION_TABLE } from '../database/entities/verification.entity.js';
import type { Statement } from '../database/query-rows.js';
import { REFRESH_TOKEN_TABLE } from '../database/entities/refresh-token.entity.js';
import { notifyVerification } from '../realtime/realtime.sql.js';
import { countEnteredSql } from '../rate-limit/sms-prefix.sql.js';
import { EVENT_TABLE } from '../database/entities/event.entity.js';
import { type EventRow, eventRowsJson, insertEventRows } from '../ops/ops-event.sql.js';

/*
 * The verification statements (the inbound call's are in inbound-call.sql.ts). Each state change is one conditional statement on the database
 * clock (now()); concurrent writers of one verification row wait for each other and re-check.
 */

/** The status a client sees: a pending verification past its window, or a verified one past its redeem time, is expired. */
const EFFECTIVE_STATUS = `CASE
  WHEN status = 'pending' AND expires_at <= now() THEN 'expired'
  WHEN status = 'verified' AND verified_at <= now() - make_interval(secs => $2) THEN 'expired'
  ELSE status END`;

/**
 * Supersedes the phone's pending verification (if any) and inserts the new one, in one statement
 * that first takes the phone's advisory lock (held until the statement's implicit transaction
 * ends), so concurrent starts for one phone change nothing at the same time. The statement's
 * snapshot is older than the lock: a start that waited for another does not see the other's new
 * row, and the unique index on pending phones refuses its INSERT (SQLSTATE 23505), after which
 * the service runs it once more, now seeing and superseding that row. The aggregate over
 * `superseded` makes the UPDATE finish before the INSERT.
 *
 * For a number pool ($10), a number still live for this phone (pending, or superseded inside its
 * window: a call to either still counts) is refused: no row, and nothing changes.
 * $1 phone, $2 call_to (null on `sms`), $3 provider, $4 provider_wait_id, $5 secret_hash,
 * $6 window seconds, $7 id, $8 channel, $9 code_hash (null on `call`), $10 the number comes from a pool,
 * $11 the SMS prefix its code was counted against (`limits.fraudGuard`, or null),
 * $12 the signed-in subject it is bound to (null: an ordinary sign-in).
 * $13 the platforms' answers to this start (events, JSON), written with the row (and not without it).
 */
const INSERT_VERIFICATION = `
  WITH locked AS MATERIALIZED (
    SELECT pg_advisory_xact_lock(hashtextextended('phone:' || $1::varchar, 0))
  ), busy AS (
    SELECT 1 FROM ${VERIFICATION_TABLE}
    WHERE (SELECT count(*) FROM locked) = 1 AND $10::boolean
      AND phone = $1 AND provider = $3 AND call_to = $2 AND expires_at > now()
      AND (status = 'pending' OR (status = 'canceled' AND cancel_reason = 'superseded'))
    LIMIT 1
  ), superseded AS (
    UPDATE ${VERIFICATION_TABLE} SET
      status = CASE WHEN expires_at > now() THEN 'canceled' ELSE 'expired' END,
      canceled_at = CASE WHEN expires_at > now() THEN now() END,
      cancel_reason = CASE WHEN expires_at > now() THEN 'superseded' END
    WHERE (SELECT count(*) FROM locked) = 1 AND NOT EXISTS (SELECT 1 FROM busy)
      AND phone = $1 AND status = 'pending'
    RETURNING id, ${notifyVerification('id')}
  ), events AS (${insertEventRows('$13', 'NOT EXISTS (SELECT 1 FROM busy)')}
  )
  INSERT INTO ${VERIFICATION_TABLE}
    (id, phone, call_to, provider, provider_wait_id, status, secret_hash, expires_at, channel, code_hash, sms_prefix, subject)
  SELECT $7, $1, $2, $3, $4, 'pending', $5, now() + make_interval(secs => $6), $8, $9, $11, $12
  FROM (SELECT count(*) AS superseded FROM superseded) AS done
  WHERE NOT EXISTS (SELECT 1 FROM busy)
  RETURNING id, expires_at AS "expiresAt", now() AS "now"`;

/**
 * Checks an SMS code, in one statement: a right code verifies, a wrong one counts a try and, at the
 * limit, fails the verification. Concurrent guesses on one row wait for each other, and each
 * re-checks `code_attempts < limit` and `status = 'pending'` on the row the one before it left: of
 * 50 parallel wrong guesses, `limit` are counted and the rest change nothing. A right code also
 * counts as entered against the SMS fraud guard's prefix of the verification ($5 the guard's
 * window seconds; null: the guard is off). Each try it counts is also an event (`right`, `wrong`,
 * `too_many`), for the support history.
 * $1 id, $2 secret_hash, $3 code_hash of the entered code, $4 the limit of wrong entries.
 */
const VERIFY_CODE = `
  WITH checked AS (
    UPDATE ${VERIFICATION_TABLE} SET
      code_attempts = code_attempts + CASE WHEN code_hash = $3 THEN 0 ELSE 1 END,
      status = CASE WHEN code_hash = $3 THEN 'verified' WHEN code_attempts + 1 >= $4 THEN 'failed' ELSE 'pending' END,
      verified_at = CASE WHEN code_hash = $3 THEN now() END,
      verified_by = CASE WHEN code_hash = $3 THEN 'code' END,
      failed_at = CASE WHEN code_hash <> $3 AND code_attempts + 1 >= $4 THEN now() END,
      fail_reason = CASE WHEN code_hash <> $3 AND code_attempts + 1 >= $4 THEN 'too_many_attempts' END
    WHERE id = $1 AND secret_hash = $2 AND code_hash IS NOT NULL
      AND status = 'pending' AND expires_at > now() AND code_attempts < $4
    RETURNING id, channel, provider, status, phone, code_attempts AS "codeAttempts", verified_at AS "verifiedAt",
      sms_prefix, CASE WHEN status <> 'pending' THEN ${notifyVerification('id')} END AS notified
  ), entered AS (${countEnteredSql('$5::int')}
  ), tried AS (
    INSERT INTO ${EVENT_TABLE} (verification_id, kind, channel, provider, outcome)
    SELECT id, 'code', channel, provider,
      CASE status WHEN 'verified' THEN 'right' WHEN 'failed' THEN 'too_many' ELSE 'wrong' END
    FROM checked
  )
  SELECT status, phone, "codeAttempts", "verifiedAt", notified FROM checked`;

/** $1 id, $2 redeem seconds. */
const SELECT_VERIFICATION = `
  SELECT id, phone, secret_hash AS "secretHash", expires_at AS "expiresAt", ${EFFECTIVE_STATUS} AS status,
    channel, code_hash IS NOT NULL AS "hasCode", code_attempts AS "codeAttempts", fail_reason AS "failReason",
    subject, verified_at AS "verifiedAt"
  FROM ${VERIFICATION_TABLE} WHERE id = $1`;

/**
 * Takes a verified verification once, in one statement: checks the secret and the subject it is
 * bound to ($6: null takes only an unbound verification), consumes it and, given the hash of a new
 * refresh token ($4), starts that token's family (tied to this verification: deleting it ends the
 * family; its `auth_time` is the proof's time). It also returns the row as the
 * statement found it (effective status), to say why it was not taken (no `seen` row: an unknown id
 * or a wrong secret), and the server's clock. The secret is compared as its SHA-256 hash, so
 * comparison time says nothing about the secret.
 *
 * $5 is the deadline on the server's clock (or null): the time after which the client has stopped
 * waiting for this statement's answer (`DatabaseClock`). A statement that reaches the row after it
 * (on a database that froze and woke up) takes nothing, so no verification is spent with its token
 * lost. `clock_timestamp()` is read where the row is checked, and again (later) for the answer.
 * $1 id, $2 redeem seconds, $3 secret_hash, $4 refresh token hash (or null), $5 deadline (or null),
 * $6 the subject of the caller (or null). `subjectMatches` false: the secret is right but the
 * verification is bound to another subject (or to none, or the caller names none).
 */
const TAKE_VERIFICATION = `
  WITH taken AS (
    UPDATE ${VERIFICATION_TABLE} SET status = 'consumed', consumed_at = now()
    WHERE id = $1 AND secret_hash = $3 AND status = 'verified' AND verified_at > now() - make_interval(secs => $2)
      AND ($5::timestamptz IS NULL OR clock_timestamp() < $5::timestamptz)
      AND subject IS NOT DISTINCT FROM $6::text
    RETURNING phone, verified_at
  ), family AS (
    INSERT INTO ${REFRESH_TOKEN_TABLE} (family_id, token_hash, phone, family_created_at, verification_id, auth_time)
    SELECT gen_random_uuid(), $4, phone, now(), $1, verified_at FROM taken WHERE $4::bytea IS NOT NULL
  )
  SELECT taken.phone AS "takenPhone", taken.verified_at AS "verifiedAt", seen.status, seen.expires_at AS "expiresAt",
    seen.subject_matches AS "subjectMatches", clock_timestamp() AS "serverTime"
  FROM (SELECT 1) AS one
  LEFT JOIN taken ON true
  LEFT JOIN (
    SELECT ${EFFECTIVE_STATUS} AS status, expires_at, subject IS NOT DISTINCT FROM $6::text AS subject_matches
    FROM ${VERIFICATION_TABLE} WHERE id = $1 AND secret_hash = $3
  ) AS seen ON true`;

/** $1 id, $2 secret_hash, $3 redeem seconds: only a verification that could still be redeemed is canceled. */
const CANCEL_VERIFICATION = `
  UPDATE ${VERIFICATION_TABLE} SET status = 'canceled', canceled_at = now(), cancel_reason = 'client'
  WHERE id = $1 AND secret_hash = $2
    AND ((status = 'pending' AND expires_at > now())
      OR (status = 'verified' AND verified_at > now() - make_interval(secs => $3)))
  RETURNING id, ${notifyVerification('id')}`;

/**
 * Ends a pending wait the platform says expired (sms.ru 402), by provider and wait id.
 * $1 provider, $2 wait_id.
 */
const EXPIRE_WAIT = `
  UPDATE ${VERIFICATION_TABLE} SET status = 'expired'
  WHERE provider = $1 AND provider_wait_id = $2 AND status = 'pending'
  RETURNING id, ${notifyVerification('id')}`;

/**
 * The numbers handed out to the phone's live verifications on a provider (pending, or superseded
 * inside their window: a call to either still counts), so a number pool picks another, and the
 * seconds until each is free again (the last window on it ends). $1 phone, $2 provider.
 */
const BUSY_NUMBERS = `
  SELECT call_to AS "callTo", ceil(extract(epoch FROM max(expires_at) - now()))::int AS "freesIn"
  FROM ${VERIFICATION_TABLE}
  WHERE phone = $1 AND provider = $2 AND expires_at > now()
    AND (status = 'pending' OR (status = 'canceled' AND cancel_reason = 'superseded'))
  GROUP BY call_to`;

/**
 * A transaction-scoped advisory lock on a key, across connections and instances: serialises the
 * starts for one phone (`phone:<E.164>`) and the copies of one platform call id (`call:<provider>:<id>`).
 */
const LOCK_KEY = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`;

/*
 * Typed builders: each statement with its parameters by name, so no caller counts positions.
 */

/** A verification to record: it supersedes the phone's pending one. */
export interface NewVerification {
  id: string;
  phone: string;
  callTo: string | null;
  provider: string;
  waitId: string | null;
  secretHash: Buffer;
  windowSeconds: number;
  channel: VerificationChannel;
  codeHash: Buffer | null;
  /** The number comes from a pool: refused (nothing recorded) while it is still live for this phone. */
  fromPool: boolean;
  /** The SMS fraud guard's prefix its code was counted against; null when none was. */
  smsPrefix: string | null;
  /** The signed-in subject it is bound to; null for an ordinary sign-in. */
  subject: string | null;
  /** The platforms' answers to this start, recorded with it (for the dashboard and the support history). */
  events: readonly EventRow[];
}

/** {@link INSERT_VERIFICATION}: supersede the phone's pending verification and insert a new one. */
export const insertVerification = (p: NewVerification): Statement => ({
  name: 'phone_call_auth_insert',
  text: INSERT_VERIFICATION,
  values: [
    p.phone,
    p.callTo,
    p.provider,
    p.waitId,
    p.secretHash,
    p.windowSeconds,
    p.id,
    p.channel,
    p.codeHash,
    p.fromPool,
    p.smsPrefix,
    p.subject,
    eventRowsJson(p.events),
  ],
});

/** {@link VERIFY_CODE}: check an SMS code, count a wrong one, verify or fail, in one statement. */
export const verifyCode = (p: {
  id: string;
  secretHash: Buffer;
  codeHash: Buffer;
  maxAttempts: number;
  /** The SMS fraud guard's window, to count the entry in; null when the guard is off. */
  prefixWindowSeconds: number | null;
}): Statement => ({
  text: VERIFY_CODE,
  values: [p.id, p.secretHash, p.codeHash, p.maxAttempts, p.prefixWindowSeconds],
});

/** {@link SELECT_VERIFICATION}: a verification with its effective status. */
export const selectVerification = (p: { id: string; redeemSeconds: number }): Statement => ({
  name: 'phone_call_auth_select',
  text: SELECT_VERIFICATION,
  values: [p.id, p.redeemSeconds],
});

/** {@link TAKE_VERIFICATION}: consume a verified verification once (and start a refresh token's family), or say why not. */
export const takeVerification = (p: {
  id: string;
  secretHash: Buffer;
  redeemSeconds: number;
  refreshTokenHash: Buffer | null;
  deadline: Date | null;
  subject: string | null;
}): Statement => ({
  name: 'phone_call_auth_take',
  text: TAKE_VERIFICATION,
  values: [p.id, p.redeemSeconds, p.secretHash, p.refreshTokenHash, p.deadline, p.subject],
});

/** {@link CANCEL_VERIFICATION}: cancel a verification that could still be redeemed. */
export const cancelVerification = (p: { id: string; secretHash: Buffer; redeemSeconds: number }): Statement => ({
  text: CANCEL_VERIFICATION,
  values: [p.id, p.secretHash, p.redeemSeconds],
});

/** {@link EXPIRE_WAIT}: end a pending wait the platform says expired. */
export const expireWait = (p: { provider: string; waitId: string }): Statement => ({
  text: EXPIRE_WAIT,
  values: [p.provider, p.waitId],
});

/** {@link BUSY_NUMBERS}: the numbers of the phone's live verifications on a provider, and when each is free. */
export const busyNumbers = (p: { phone: string; provider: string }): Statement => ({
  text: BUSY_NUMBERS,
  values: [p.phone, p.provider],
});

/** {@link LOCK_KEY} on one key. */
export const lockKey = (key: string): Statement => ({ text: LOCK_KEY, values: [key] });
