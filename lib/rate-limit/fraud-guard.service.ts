import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { PHONE_CALL_AUTH_DEFAULTS } from '../options/phone-call-auth.defaults.js';
import type {
  ResolvedFraudGuard,
  ResolvedLimits,
  ResolvedVerificationOptions,
} from '../options/resolved-options.interface.js';
import { parsePhone } from '../phone/phone-number.js';
import { RATE_LIMIT_STORE, type RateLimitStore, type SmsPrefixState } from './rate-limit.store.js';
import { isSmsPrefix, smsPrefixOf } from './sms-prefix.js';

/** A day: how long {@link PhoneCallAuthFraudGuard.allow} allows a prefix unless told. */
const ALLOW_SECONDS = 86400;

/**
 * The SMS fraud guard (`limits.fraudGuard`) for an operator: the state of each destination prefix
 * (for a dashboard), and a way to allow a prefix the guard blocked (genuine traffic) or to block
 * one by hand. The state is in Postgres: what one instance does holds on every instance.
 *
 * @example
 * const blocked = await fraudGuard.prefixes({ blockedOnly: true });
 * await fraudGuard.allow('+7967', { seconds: 3600 });
 */
@Injectable()
export class PhoneCallAuthFraudGuard {
  private readonly logger = new Logger(PhoneCallAuthFraudGuard.name);

  constructor(
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    @InjectPhoneCallAuthOptions('verification') private readonly verification: ResolvedVerificationOptions,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
  ) {}

  /** The guard's settings, with defaults applied; `false` when it is off (nothing reads the blocks then). */
  get settings(): ResolvedFraudGuard | false {
    return this.limits.fraudGuard;
  }

  /**
   * The prefix a number is judged under (`+7 967 031-11-22` -> `+7967` with the default 3 digits);
   * `undefined` for a number that does not parse (read as `defaultCountry` without a country code).
   */
  prefixOf(phone: string): string | undefined {
    const parsed = parsePhone(phone, this.verification.defaultCountry);
    return parsed && smsPrefixOf(parsed, this.guard.prefixDigits);
  }

  /**
   * The prefixes SMS were sent to, blocked ones first, then by SMS sent over the current and the
   * previous window. One small query, in the polling queue of admission control.
   * @param options.blockedOnly only the prefixes blocked now
   * @param options.limit at most this many rows (default 100)
   */
  prefixes(options: { blockedOnly?: boolean; limit?: number } = {}): Promise<SmsPrefixState[]> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a whole number from 1, got ${limit}`);
    return this.store.prefixes({
      windowSeconds: this.guard.windowSeconds,
      blockedOnly: options.blockedOnly ?? false,
      limit,
    });
  }

  /**
   * Allows SMS to a prefix for `seconds` (default a day): lifts its block, and clears its counts so
   * that after the allowance it is judged on new sends only. Logged.
   * @throws RangeError for a prefix that is not `+` and digits, or seconds that are not a whole number from 1
   */
  async allow(prefix: string, options: { seconds?: number } = {}): Promise<SmsPrefixState> {
    const seconds = this.checked(prefix, options.seconds ?? ALLOW_SECONDS);
    const state = await this.store.allowPrefix({ windowSeconds: this.guard.windowSeconds, prefix, seconds });
    this.logger.log(`SMS to ${prefix}… allowed for ${seconds} s by an operator (fraud guard)`);
    return state;
  }

  /**
   * Blocks SMS to a prefix for `seconds` (default `limits.fraudGuard.blockSeconds`), ending any
   * allowance. Logged.
   * @throws RangeError for a prefix that is not `+` and digits, or seconds that are not a whole number from 1
   */
  async block(prefix: string, options: { seconds?: number } = {}): Promise<SmsPrefixState> {
    const seconds = this.checked(prefix, options.seconds ?? this.guard.blockSeconds);
    const state = await this.store.blockPrefix({ windowSeconds: this.guard.windowSeconds, prefix, seconds });
    this.logger.warn(`SMS to ${prefix}… blocked for ${seconds} s by an operator (fraud guard)`);
    return state;
  }

  /** The guard's settings, or the defaults when it is off (to read and write the table all the same). */
  private get guard(): ResolvedFraudGuard {
    return this.limits.fraudGuard || PHONE_CALL_AUTH_DEFAULTS.limits.fraudGuard;
  }

  private checked(prefix: string, seconds: number): number {
    if (!isSmsPrefix(prefix)) {
      throw new RangeError(
        `prefix must be "+" and the digits of a prefix, such as "+7967"; got ${JSON.stringify(prefix)}`,
      );
    }
    if (!Number.isInteger(seconds) || seconds < 1) {
      throw new RangeError(`seconds must be a whole number from 1, got ${seconds}`);
    }
    return seconds;
  }
}
