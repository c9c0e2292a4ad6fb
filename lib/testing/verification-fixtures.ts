import type { DataSource } from 'typeorm';
import { VERIFICATION_TABLE } from '../database/entities/verification.entity.js';
import { queryRows } from '../database/query-rows.js';

/** What a test (or a development panel) needs to place a call for a verification. */
export interface VerificationFixture {
  /** The number being verified, E.164. */
  phone: string;
  /** The number the subscriber must call, E.164; null on the `sms` channel. */
  callTo: string | null;
}

/** A verification's numbers, or `undefined` for an unknown id. For tests and development tools. */
export async function findVerification(dataSource: DataSource, id: string): Promise<VerificationFixture | undefined> {
  const [row] = await queryRows<VerificationFixture>(dataSource, {
    text: `SELECT phone, call_to AS "callTo" FROM ${VERIFICATION_TABLE} WHERE id = $1`,
    values: [id],
  });
  return row;
}

/**
 * Ends a pending verification's window now, on the database clock that decides lateness, so a
 * test can place a call that arrives too late without waiting. Returns its numbers, or
 * `undefined` when it is unknown or not pending.
 */
export async function endVerificationWindow(
  dataSource: DataSource,
  id: string,
): Promise<VerificationFixture | undefined> {
  const [row] = await queryRows<VerificationFixture>(dataSource, {
    text: `UPDATE ${VERIFICATION_TABLE} SET expires_at = LEAST(expires_at, now())
      WHERE id = $1 AND status = 'pending' RETURNING phone, call_to AS "callTo"`,
    values: [id],
  });
  return row;
}
