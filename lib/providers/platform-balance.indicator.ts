import { Injectable } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { PHONE_CALL_AUTH_PROVIDERS } from '../core/phone-call-auth.constants.js';
import type { TelephonyProvider } from './telephony-provider.interface.js';

/** One platform's balance as the indicator reports it. */
export interface PlatformBalance {
  balance?: number;
  threshold?: number;
  /** `low` below the threshold, `unknown` when the platform did not answer. */
  state: 'ok' | 'low' | 'unknown';
}

/** A `@nestjs/terminus` `HealthIndicatorResult`: `down` when a balance is below its threshold. */
export type PlatformBalanceHealth = Record<
  string,
  { status: 'up' | 'down'; platforms: Record<string, PlatformBalance> }
>;

/**
 * A health indicator for `@nestjs/terminus` (which it does not import: its result has terminus's
 * shape) over the providers that report a balance (`getBalance`: SSMS `get_profile` -> `credits`,
 * sms.ru `my/balance`). Terminus has no "degraded" state: a balance below its threshold makes the
 * indicator `down` (503 on the health route), so alerting sees it before the platform refuses starts.
 *
 * @example
 * \@Get('health') \@HealthCheck()
 * check() { return this.health.check([() => this.balances.check('telephony', { ssms: 100, 'sms-ru': 50 })]); }
 */
@Injectable()
export class PlatformBalanceHealthIndicator {
  constructor(@Inject(PHONE_CALL_AUTH_PROVIDERS) private readonly providers: readonly TelephonyProvider[]) {}

  /** Asks every provider with a balance; `thresholds` by provider name (a provider without one is only reported). */
  async check(key = 'telephony-balance', thresholds: Record<string, number> = {}): Promise<PlatformBalanceHealth> {
    const platforms: Record<string, PlatformBalance> = {};
    await Promise.all(
      this.providers
        .filter((provider) => provider.getBalance)
        .map(async (provider) => {
          const threshold = thresholds[provider.name];
          try {
            const balance = await provider.getBalance!();
            platforms[provider.name] = {
              balance,
              threshold,
              state: threshold !== undefined && balance < threshold ? 'low' : 'ok',
            };
          } catch {
            platforms[provider.name] = { threshold, state: 'unknown' };
          }
        }),
    );
    const low = Object.values(platforms).some((platform) => platform.state === 'low');
    return { [key]: { status: low ? 'down' : 'up', platforms } };
  }
}
