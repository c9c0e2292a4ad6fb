import { VERIFICATION_TABLE } from '../database/entities/verification.entity.js';
import type { Statement } from '../database/query-rows.js';

/*
 * What realtime needs of the database: the channel the verification statements notify on, and the
 * statement that finds the waiters whose notification may have been missed.
 */

/**
 * The Postgres NOTIFY channel on which a verification's id is sent when it leaves `pending`
 * (in the same statement as the change, so delivered when it commits).
 */
export const VERIFICATION_CHANNEL = 'phone_call_auth';

/**
 * Sends a verification's id on {@link VERIFICATION_CHANNEL}, to wake the requests waiting for it
 * on every instance. Evaluated in a RETURNING list, once per changed row; Postgres delivers it
 * when the transaction commits, and never if it rolls back.
 *
 * @example
 * `UPDATE ... RETURNING id, ${notifyVerification('id')}`
 */
export const notifyVerification = (id: string): string => `pg_notify('${VERIFICATION_CHANNEL}', ${id}::text)`;

/**
 * Sends `payload` on {@link VERIFICATION_CHANNEL} by itself: the LISTEN connection's probe, which
 * tells whether it hears what the pool's statements notify. $1 channel, $2 payload.
 */
export const notifyProbe = (payload: string): Statement => ({
  text: 'SELECT pg_notify($1, $2)',
  values: [VERIFICATION_CHANNEL, payload],
});

/**
 * Of the given ids, those no longer pending on the database clock (or gone): after the LISTEN
 * connection was lost, one statement finds the waiters whose notification may have been missed.
 * $1 ids.
 */
const SELECT_NOT_PENDING = `
  SELECT waiting.id FROM unnest($1::uuid[]) AS waiting(id)
  WHERE NOT EXISTS (
    SELECT 1 FROM ${VERIFICATION_TABLE} v WHERE v.id = waiting.id AND v.status = 'pending' AND v.expires_at > now()
  )`;

/** {@link SELECT_NOT_PENDING}: the ids of `ids` that are no longer pending. */
export const selectNotPending = (ids: string[]): Statement => ({ text: SELECT_NOT_PENDING, values: [ids] });
