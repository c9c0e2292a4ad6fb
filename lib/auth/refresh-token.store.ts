import type { EntityManager } from 'typeorm';
import type { E164 } from '../phone/phone-number.js';

/*
 * The refresh-token store's port: families of rotated tokens, kept only as SHA-256 hashes. The
 * module binds {@link REFRESH_TOKEN_STORE} to `PostgresRefreshTokenStore`.
 */

/** Injection token of the {@link RefreshTokenStore}. */
export const REFRESH_TOKEN_STORE = Symbol('PHONE_CALL_AUTH_REFRESH_TOKEN_STORE');

/** A token exchanged for its successor: its family, its number, and whether it was exchanged before (within the grace). */
export interface RotatedRow {
  familyId: string;
  phone: E164;
  /** When the family's number was proven; null for a family started before this was kept. */
  authTime: Date | null;
  again: boolean;
}

/** Storage of refresh tokens. */
export interface RefreshTokenStore {
  /** Starts a family with its first token, proven at `authTime`; inside the caller's transaction when `manager` is given. */
  startFamily(tokenHash: Buffer, phone: E164, authTime: Date | null, manager?: EntityManager): Promise<void>;
  /**
   * Exchanges a live token (or one used within the grace, none of whose successors was used) for
   * the successor `nextHash`, and runs `then` on the outcome, in one transaction: should `then`
   * fail, the token stays usable.
   */
  rotate<T>(
    p: { tokenHash: Buffer; nextHash: Buffer; lifetimeSeconds: number; graceSeconds: number },
    then: (rotated: RotatedRow | undefined) => Promise<T>,
  ): Promise<T>;
  /** Revokes the family of a token used past the grace, or after a successor of it was used. */
  revokeIfReused(tokenHash: Buffer, graceSeconds: number): Promise<{ familyId: string; phone: string } | undefined>;
  /** Revokes the family of a token. False for an unknown token or a family already revoked. */
  revoke(tokenHash: Buffer): Promise<boolean>;
}
