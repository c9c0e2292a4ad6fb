import { VERIFICATION_TABLE } from '../verification/verification.entity.js';

/**
 * The Postgres NOTIFY channel on which a verification's id is sent when it leaves `pending`
 * (in the same statement as the change, so delivered when it commits).
 */
export const VERIFICATION_CHANNEL = 'phone_call_auth';

/** `application_name` of each instance's LISTEN connection, as `pg_stat_activity` shows it. */
export const LISTENER_APPLICATION_NAME = 'phone-call-auth-listener';

/** Longest `?wait=` of the token route, in seconds. */
export const MAX_WAIT_SECONDS = 30;

/**
 * Of the given ids, those no longer pending on the database clock (or gone): after the LISTEN
 * connection was lost, one statement finds the waiters whose notification may have been missed.
 * $1 ids.
 */
export const SELECT_NOT_PENDING = `
  SELECT waiting.id FROM unnest($1::uuid[]) AS waiting(id)
  WHERE NOT EXISTS (
    SELECT 1 FROM ${VERIFICATION_TABLE} v WHERE v.id = waiting.id AND v.status = 'pending' AND v.expires_at > now()
  )`;
