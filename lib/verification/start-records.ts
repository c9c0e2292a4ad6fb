import { HttpException } from '@nestjs/common';
import type { PhoneNumber } from 'libphonenumber-js/max';
import type { VerificationChannel } from '../core/verification-state.js';
import type { EventRow } from '../ops/ops-event.store.js';
import type { PlatformAttempt } from '../ops/ops.types.js';
import { numberPrefix } from '../phone/phone-number.js';
import type { StartOutcome } from '../telemetry/phone-call-auth.telemetry.js';
import { NumbersBusyException } from './numbers-busy.exception.js';

/** What a start has learnt so far, for its `phone_call_auth.verification.starts` attributes. */
export interface StartSeen {
  channel?: VerificationChannel;
  country?: string;
  provider?: string;
}

/**
 * A start's outcome from what it threw: the platform's failures (502, 504, a busy pool), the
 * module's own (the database's 503s, anything that is no HTTP error), and the client's (`refused`).
 */
export function failedStart(error: unknown): StartOutcome {
  if (error instanceof NumbersBusyException) return 'numbers_busy';
  if (!(error instanceof HttpException)) return 'error';
  const status = error.getStatus();
  return status === 504 ? 'timeout' : status === 502 ? 'platform_error' : status >= 500 ? 'error' : 'refused';
}

/** The platforms' answers to a start as events (of the verification `id`, when it is recorded). */
export function attemptEvents(
  attempts: readonly PlatformAttempt[],
  phone: PhoneNumber,
  channel: VerificationChannel,
  id: string | null,
): EventRow[] {
  return attempts.map((attempt) => ({
    kind: 'platform',
    verificationId: id,
    channel,
    provider: attempt.provider,
    country: phone.country ?? null,
    prefix: numberPrefix(phone.number),
    outcome: attempt.outcome,
    durationMs: attempt.durationMs,
    detail: attempt.detail,
  }));
}
