import type { PhoneCallAuthErrorCode } from '../core/error-codes.js';
import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import { errorMessage } from '../i18n/error-text.js';

/**
 * A request about a verification refused: **401** `UNAUTHORIZED` (an unknown verification or a
 * wrong secret, one answer for both so ids cannot be probed), **400** `WRONG_CODE` (with
 * `attemptsLeft`) or **400** `CODE_NOT_SENT` (the verification is proven by a call).
 */
export class VerificationRefusedException extends PhoneCallAuthException {
  constructor(code: 'UNAUTHORIZED' | 'CODE_NOT_SENT');
  constructor(code: 'WRONG_CODE', attemptsLeft: number);
  constructor(code: 'UNAUTHORIZED' | 'CODE_NOT_SENT' | 'WRONG_CODE', attemptsLeft?: number) {
    const text =
      code === 'WRONG_CODE'
        ? { key: attemptsLeft === 1 ? 'wrongCodeLastTry' : 'wrongCode', values: { attempts: attemptsLeft ?? 0 } }
        : { key: code === 'UNAUTHORIZED' ? 'unknownVerification' : 'codeNotSent' };
    super(code, errorMessage(text), { text, ...(code === 'WRONG_CODE' && { fields: { attemptsLeft } }) });
  }
}

/** The statuses a verification answers 410 in, and their codes. */
const CLOSED_CODES = {
  expired: 'EXPIRED',
  canceled: 'CANCELED',
  consumed: 'ALREADY_REDEEMED',
  failed: 'TOO_MANY_ATTEMPTS',
  verified: 'ALREADY_VERIFIED',
} as const satisfies Record<string, PhoneCallAuthErrorCode>;

/** A status a verification answers 410 in. */
export type ClosedStatus = keyof typeof CLOSED_CODES;

/** The catalogue's texts of {@link VerificationClosedException}. */
export type ClosedText =
  | 'verificationExpired'
  | 'verificationCanceled'
  | 'verificationConsumed'
  | 'verificationFailed'
  | 'tooManyWrongCodes'
  | 'provenByCall'
  | 'alreadyRedeemed';

/** The token route's text of each status. */
const STATUS_TEXTS: Readonly<Record<ClosedStatus, ClosedText>> = {
  expired: 'verificationExpired',
  canceled: 'verificationCanceled',
  consumed: 'verificationConsumed',
  failed: 'verificationFailed',
  verified: 'provenByCall',
};

/**
 * The verification yields nothing any more: **410** with its `status` and the code of that status:
 * `EXPIRED`, `CANCELED`, `ALREADY_REDEEMED` (consumed), `TOO_MANY_ATTEMPTS` (failed), or
 * `ALREADY_VERIFIED` (the code route, once the call proved the number: redeem it instead).
 */
export class VerificationClosedException extends PhoneCallAuthException {
  constructor(
    /** The verification's status, the body's `status`. */
    readonly verificationStatus: ClosedStatus,
    /** @default the status's own text (`This verification is expired; start a new one.`...) */
    key: ClosedText = STATUS_TEXTS[verificationStatus],
    /** More fields of the body (`reason`, `attemptsLeft`). */
    fields: Record<string, unknown> = {},
  ) {
    const text = { key };
    super(CLOSED_CODES[verificationStatus], errorMessage(text), {
      text,
      fields: { status: verificationStatus, ...fields },
    });
  }
}

/**
 * **403** `SUBJECT_MISMATCH`: the verification is bound to another signed-in subject, or to none
 * (redeemed by a signed-in person), or the request is not signed in (a bound one at the plain token
 * route); or (`numberOfAnotherAccount`) `resolveSubject` maps the proven number to another subject.
 */
export class SubjectMismatchException extends PhoneCallAuthException {
  constructor(key: 'subjectMismatch' | 'numberOfAnotherAccount' = 'subjectMismatch') {
    const text = { key };
    super('SUBJECT_MISMATCH', errorMessage(text), { text });
  }
}
