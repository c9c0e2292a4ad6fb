/*
 * The words of a verification's life, shared by every room: its channels, statuses and outcomes.
 */

/** Where a verification is in its life. `expired` is also reported for a pending one whose window has passed. */
export type VerificationStatus = 'pending' | 'verified' | 'consumed' | 'expired' | 'canceled' | 'failed';

/**
 * How a verification can be proven: `call` (the person calls the handed-out number), `sms` (the
 * person enters the code sent by SMS), `call_or_sms` (either; the first proof wins).
 */
export type VerificationChannel = 'call' | 'sms' | 'call_or_sms';

/** Why a verification failed: the SMS code was entered wrong too many times. */
export type VerificationFailReason = 'too_many_attempts';

/**
 * What became of an inbound call the platform reported:
 * - `matched`: it verified `verificationId`;
 * - `no_match`: no verification waited for a call from this caller to this number;
 * - `late`: the verification's window had passed;
 * - `ambiguous`: several pending verifications fit and none could be told apart, so none was verified;
 * - `duplicate`: the same call was already processed, its verification was already verified, or a
 *   concurrent change (an identical callback, a superseding start) took the verification first;
 * - `no_caller_id`: the caller ID was withheld, missing or not a valid number;
 * - `refused`: the app's `beforeVerify` hook refused it.
 */
export type InboundCallOutcome =
  'matched' | 'no_match' | 'late' | 'ambiguous' | 'duplicate' | 'no_caller_id' | 'refused';
