import type { InboundCallOutcome } from '../core/verification-state.js';
import type { VerificationCandidate } from '../options/phone-call-auth-options.interface.js';
import type { E164 } from '../phone/phone-number.js';
import type { InboundCallRecord } from './inbound-call.sql.js';

export type { InboundCallRecord } from './inbound-call.sql.js';

/*
 * The inbound-call store's port: matching a platform's report against the pending verifications
 * and recording it. The module binds {@link INBOUND_CALL_STORE} to `PostgresInboundCallStore`.
 */

/** Injection token of the {@link InboundCallStore}. */
export const INBOUND_CALL_STORE = Symbol('PHONE_CALL_AUTH_INBOUND_CALL_STORE');

/** What `match` recorded (no outcome: nothing, a copy of the call id was first) and what it verified. */
export interface MatchedCall {
  outcome: InboundCallOutcome | null;
  verificationId: string | null;
  verifiedId: string | null;
  verifiedAt: Date | null;
  phone: E164 | null;
}

/** What a recorded call came to. */
export interface RecordedCall {
  outcome: InboundCallOutcome;
  verificationId: string | null;
}

/** Storage of inbound calls. */
export interface InboundCallStore {
  /** The pending verifications in their window that `call` fits (at most two), for `beforeVerify`. */
  findCandidates(call: InboundCallRecord, p: { confirmedByPlatform: boolean }): Promise<VerificationCandidate[]>;
  /**
   * Matches `call`, verifies the one verification it fits and records it, as one change.
   * `approvedId` is the candidate `beforeVerify` approved; with `onlyApproved`, no other may be verified.
   */
  match(
    call: InboundCallRecord,
    p: { lateLookbackSeconds: number; approvedId: string | null; onlyApproved: boolean; confirmedByPlatform: boolean },
  ): Promise<MatchedCall>;
  /** Records a call with a known outcome; a copy of a call id recorded first makes it a `duplicate`. */
  record(call: InboundCallRecord, outcome: InboundCallOutcome, verificationId: string | null): Promise<RecordedCall>;
}
