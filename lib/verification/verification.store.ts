import type { VerificationChannel, VerificationFailReason, VerificationStatus } from '../core/verification-state.js';
import type { E164 } from '../phone/phone-number.js';
import type { ClaimedWait } from './status-poller.sql.js';
import type { NewVerification } from './verification.sql.js';

export type { NewVerification };

/*
 * The verification store's port: every statement on verifications, each state change one
 * conditional statement on the database clock. The use cases see only this interface; the module
 * binds {@link VERIFICATION_STORE} to the Postgres store (`PostgresVerificationStore`), and the
 * unit tests to an in-memory fake.
 */

/** Injection token of the {@link VerificationStore}. */
export const VERIFICATION_STORE = Symbol('PHONE_CALL_AUTH_VERIFICATION_STORE');

/** A verification as it is read, with its effective status (`expired` past its window or redeem time). */
export interface VerificationRow {
  id: string;
  phone: string;
  secretHash: Buffer;
  expiresAt: Date;
  status: VerificationStatus;
  channel: VerificationChannel;
  hasCode: boolean;
  codeAttempts: number;
  failReason: VerificationFailReason | null;
  /** The signed-in subject it is bound to; null for an ordinary sign-in. */
  subject: string | null;
  /** When it was proven (null while pending). */
  verifiedAt: Date | null;
}

/** What `take` found: the phone if it took the verification, else the row as it was (none: unknown or wrong secret). */
export interface TakenRow {
  takenPhone: E164 | null;
  /** When the taken verification was proven. */
  verifiedAt: Date | null;
  status: VerificationStatus | null;
  expiresAt: Date | null;
  /** Whether the verification is bound to the caller's subject (both none included); null with no row. */
  subjectMatches: boolean | null;
}

/** What a code check changed, or (nothing changed) the verification as it is. */
export type CodeCheckRow =
  | { checked: { status: VerificationStatus; phone: E164; codeAttempts: number } }
  | { checked?: undefined; row: VerificationRow | undefined };

/** Storage of verifications. */
export interface VerificationStore {
  /**
   * Supersedes the phone's pending verification and inserts `verification`, as one change.
   * `undefined` when a pool's number is still live for this phone.
   */
  insert(verification: NewVerification): Promise<{ id: string; expiresAt: Date; now: Date } | undefined>;
  /** The numbers of the phone's live verifications on a provider, and the seconds until each is free. */
  busyNumbers(phone: E164, provider: string): Promise<{ callTo: E164; freesIn: number }[]>;
  /** A verification with its effective status. */
  find(id: string): Promise<VerificationRow | undefined>;
  /**
   * Checks an SMS code in one statement: verifies (and counts the entry against the SMS fraud
   * guard's prefix, in its window of `prefixWindowSeconds`), counts a wrong one, or fails at
   * `maxAttempts`; when nothing changed, reads the verification to say why.
   */
  checkCode(p: {
    id: string;
    secretHash: Buffer;
    codeHash: Buffer;
    maxAttempts: number;
    prefixWindowSeconds: number | null;
  }): Promise<CodeCheckRow>;
  /**
   * Takes a verified verification bound to `subject` (null: an unbound one) once, storing the
   * refresh token given by its hash, or says why not.
   * @throws DatabaseBusyException (503) when the database answers too late to trust the take
   */
  take(p: {
    id: string;
    secretHash: Buffer;
    refreshTokenHash: Buffer | null;
    subject: string | null;
  }): Promise<TakenRow>;
  /** Cancels a verification that could still be redeemed; when none was, reads it to say why. */
  cancel(p: { id: string; secretHash: Buffer }): Promise<{ canceled: boolean; row?: VerificationRow }>;
  /** Ends the pending verification of a wait the platform says expired. Whether one was pending. */
  expireWait(provider: string, waitId: string): Promise<boolean>;
  /** Leases up to `limit` pending waits of the providers for `leaseSeconds`, for the status poller. */
  claimWaits(p: { providers: string[]; limit: number; leaseSeconds: number }): Promise<ClaimedWait[]>;
  /** Ends a status-poll round's leases; the polled waits rest for `restSeconds`. */
  releaseWaits(p: { claimed: string[]; leaseEnd: Date; polled: string[]; restSeconds: number }): Promise<void>;
}
