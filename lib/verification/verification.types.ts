import type {
  InboundCallOutcome,
  VerificationChannel,
  VerificationFailReason,
  VerificationStatus,
} from '../core/verification-state.js';
import type { IssuedToken } from '../auth/token.service.js';
import type { PhoneCallAuthLocale } from '../i18n/messages.js';
import type { E164 } from '../phone/phone-number.js';

/*
 * What the verification use cases take and answer: the public types of `VerificationService`.
 */

/** What `start` returns; `secret` appears here only and is never stored. */
export interface StartedVerification {
  id: string;
  /** Proves the right to the result: send it to the token endpoint. 32 random bytes, base64url. */
  secret: string;
  /** How it can be proven: `call`, `sms` or `call_or_sms`. */
  channel: VerificationChannel;
  /** The number to call, E.164 (channels `call` and `call_or_sms`). */
  callTo?: string;
  /** The number to call, written for people (channels `call` and `call_or_sms`). */
  callToDisplay?: string;
  /** An SMS code was sent: enter it at `POST /verifications/:id/code` (channels `sms` and `call_or_sms`). */
  codeSent?: true;
  /** Digits of the code sent. */
  codeLength?: number;
  expiresAt: Date;
  /** Seconds left in the window. */
  expiresIn: number;
  /** Text to show the subscriber, in `locale`. */
  message: string;
  /** The language of `message` and of the SMS. */
  locale: PhoneCallAuthLocale;
}

/** Who started a verification and how; used for rate limits, hooks and the language of the texts. */
export interface StartContext {
  ip?: string;
  /** @default the `defaultChannel` option */
  channel?: VerificationChannel;
  /** The language asked for by name; wins over `acceptLanguage`. */
  locale?: string;
  /** The request's `Accept-Language` header. */
  acceptLanguage?: string | string[];
  /**
   * The signed-in subject to bind the verification to (the `sub` of the person's token, or the
   * app's own user id): then only `redeemFor`/`consume` with that same subject can take it, and
   * the plain token route refuses it (`SUBJECT_MISMATCH`). For a change of number or a step-up.
   * @default none: an ordinary sign-in
   */
  subject?: string;
}

/** What `verifyCode` answers. */
export type CodeCheckResult =
  | { status: 'verified'; phone: E164 }
  | { status: 'wrong'; attemptsLeft: number }
  | { status: 'failed'; reason: VerificationFailReason | null }
  | { status: 'no_code' }
  /** Closed without this code: proven by the call (`verified`, `consumed`), `expired` or `canceled`. */
  | { status: 'closed'; verification: Exclude<VerificationStatus, 'pending' | 'failed'> }
  | { status: 'unauthorized' };

/** A verification whose secret was checked: what `VerificationService.authenticate` returns. */
export interface AuthenticatedVerification {
  id: string;
  status: VerificationStatus;
  expiresAt: Date;
}

/** What `consume` and `redeem` answer when the verification cannot be taken now. */
export type UnconsumedResult =
  | { status: 'pending'; expiresAt: Date }
  | { status: Exclude<VerificationStatus, 'pending' | 'verified'> }
  | { status: 'unauthorized' };

/** The secret was right, but the verification is bound to another subject (or to none, or the caller named none). */
export interface SubjectMismatchResult {
  status: 'subject_mismatch';
}

/**
 * What `consume` returns: the verified number (and, for a verification bound to a subject, that
 * subject) and when it was proven, exactly once, or why not.
 */
export type ConsumeResult =
  | { status: 'verified'; phone: E164; verificationId: string; verifiedAt: Date; subject?: string }
  | UnconsumedResult
  | SubjectMismatchResult;

/** What `redeem` returns: the module's token and the verified number, exactly once, or why not. */
export type RedeemResult =
  | { status: 'issued'; token: IssuedToken; phone: E164; verificationId: string }
  | UnconsumedResult
  | SubjectMismatchResult;

/**
 * What `redeemFor` returns for a verification bound to the signed-in subject, exactly once:
 * - `stepped_up`: the person proved the number their token names again; `token` is a new access
 *   token (no refresh token: the session's own goes on) with a fresh `auth_time`.
 * - `number_changed`: the person proved another number; `previousPhone` is the one their token
 *   named. `token` (an access token and, when they are on, a refresh token, for the new number)
 *   only when the app's `onNumberChange` hook returned true.
 */
export type BoundRedeemResult =
  | { status: 'stepped_up'; subject: string; phone: E164; verificationId: string; token: IssuedToken }
  | {
      status: 'number_changed';
      /** The signed-in subject (JWT `sub`) whose number changed. */
      sub: string;
      previousPhone: E164;
      phone: E164;
      verificationId: string;
      verifiedAt: Date;
      token?: IssuedToken;
    }
  /** `resolveSubject` maps the proven number to another subject: nothing was taken. */
  | { status: 'another_account' }
  | UnconsumedResult
  | SubjectMismatchResult;

/** What became of an inbound call. */
export interface InboundCallResult {
  outcome: InboundCallOutcome;
  verificationId: string | null;
}
