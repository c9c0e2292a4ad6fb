import { HttpException } from '@nestjs/common';
import type { PlatformAnswer, PlatformAttempt } from '../ops/ops.types.js';
import type { TelephonyProvider } from '../providers/telephony-provider.interface.js';
import { TelephonyPlatformException } from '../providers/telephony.exceptions.js';
import { maskNumbers } from '../phone/phone-number.js';
import { NumbersBusyException } from './numbers-busy.exception.js';

/** Which provider answered and what, or the last one tried and why it failed; and every provider's answer, timed. */
export type FailoverResult<T> = (
  { ok: true; provider: TelephonyProvider; answer: T } | { ok: false; provider: TelephonyProvider; error: unknown }
) & { attempts: PlatformAttempt[] };

/**
 * Whether a provider's failure moves a start on to the next provider: the platform failed (502),
 * timed out (504) or threw something that is no HTTP error (its adapter failed: a 502 too), or
 * every number of its pool is busy for this phone. A client's mistake (any other status) does not.
 */
export function triesNext(error: unknown): { next: boolean; status: number } {
  const status = error instanceof HttpException ? error.getStatus() : 502;
  return { next: error instanceof NumbersBusyException || status === 502 || status === 504, status };
}

/** A provider's answer to one request, for the dashboard: its outcome, latency and a short detail (no number). */
export function platformAttempt(provider: TelephonyProvider, startedAt: number, error?: unknown): PlatformAttempt {
  const durationMs = Math.round(performance.now() - startedAt);
  if (error === undefined) return { provider: provider.name, outcome: 'ok', durationMs, detail: null };
  const status = error instanceof HttpException ? error.getStatus() : 502;
  const outcome: PlatformAnswer =
    error instanceof NumbersBusyException ? 'busy' : status === 504 ? 'timeout' : 'failed';
  const code = error instanceof TelephonyPlatformException ? error.platformCode : undefined;
  const detail = maskNumbers(`${status}${code ? ` ${code}` : ''}`).slice(0, 60);
  return { provider: provider.name, outcome, durationMs, detail };
}

/**
 * Asks the providers in order of preference until one answers, and says which answered and what,
 * with each provider's answer timed (`attempts`). A failure that {@link triesNext} moves on (after
 * `onNext`, e.g. to log it); any other failure, or the last provider's, is returned as it is, with
 * the provider that failed: nothing is thrown.
 *
 * @example
 * const tried = await firstAnswer(providers, (provider) => provider.requestCall(request), log);
 * if (!tried.ok) throw tried.error;
 */
export async function firstAnswer<T>(
  providers: readonly TelephonyProvider[],
  ask: (provider: TelephonyProvider) => Promise<T>,
  onNext: (failed: TelephonyProvider, status: number, next: TelephonyProvider) => void,
): Promise<FailoverResult<T>> {
  const attempts: PlatformAttempt[] = [];
  for (const [index, provider] of providers.entries()) {
    const startedAt = performance.now();
    try {
      const answer = await ask(provider);
      attempts.push(platformAttempt(provider, startedAt));
      return { ok: true, provider, answer, attempts };
    } catch (error) {
      attempts.push(platformAttempt(provider, startedAt, error));
      const { next, status } = triesNext(error);
      if (!next || index === providers.length - 1) return { ok: false, provider, error, attempts };
      onNext(provider, status, providers[index + 1]);
    }
  }
  throw new Error('firstAnswer needs at least one provider');
}
