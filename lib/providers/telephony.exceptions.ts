import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import { errorMessage } from '../i18n/error-text.js';

/**
 * What a client is told when the platform fails: plain words, no platform text, code, URL or address
 * (those are for the operators, in the log). The catalogue's `platformUnavailable`.
 */
const PLATFORM_UNAVAILABLE = { key: 'platformUnavailable' };

/**
 * The platform refused the request, could not be reached, or answered something that is not its
 * API's answer. Answered as **502** `PLATFORM_UNAVAILABLE` in plain words, so the client knows it
 * was not its fault; `detail` and `platformCode` are for the log only (the module logs them,
 * numbers masked, where it catches the exception).
 */
export class TelephonyPlatformException extends PhoneCallAuthException {
  constructor(
    readonly provider: string,
    /** What went wrong, for operators: the platform's own text, the URL it could not reach... */
    readonly detail: string,
    /** The platform's error code, for operators. */
    readonly platformCode?: string,
  ) {
    super('PLATFORM_UNAVAILABLE', errorMessage(PLATFORM_UNAVAILABLE), { text: PLATFORM_UNAVAILABLE });
  }
}

/**
 * The platform did not answer within the configured timeout. Answered as **504**
 * `PLATFORM_TIMEOUT`, in the same plain words.
 */
export class TelephonyTimeoutException extends PhoneCallAuthException {
  /** What went wrong, for operators. */
  readonly detail: string;

  constructor(
    readonly provider: string,
    readonly timeoutMs: number,
  ) {
    super('PLATFORM_TIMEOUT', errorMessage(PLATFORM_UNAVAILABLE), { text: PLATFORM_UNAVAILABLE });
    this.detail = `it did not answer within ${timeoutMs} ms`;
  }
}

/**
 * A provider with a pool of numbers (`capabilities.numberPool`) has none left for this phone: each
 * was handed to a verification of the phone whose window is still open (`busyNumbers`). Not an
 * outage: the module tries the next provider, and answers the client **429** `NUMBERS_BUSY` with
 * `Retry-After` (when the first number is free again) rather than 502.
 */
export class NumberPoolExhaustedException extends TelephonyPlatformException {}
