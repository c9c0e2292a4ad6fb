import { Logger } from '@nestjs/common';
import { CountryCode, isSupportedCountry } from 'libphonenumber-js/max';
import { type PhoneCallAuthJwtOptions, type ResolvedJwtOptions, resolveJwtOptions } from './auth/jwt.options.js';
import { configSeconds, MAX_LIFETIME_SECONDS, PhoneCallAuthConfigError } from './phone-call-auth.config-error.js';
import type { E164 } from './phone/phone-number.js';
import type { InboundCallReport, TelephonyProvider } from './providers/telephony-provider.interface.js';

/** What `resolveSubject` returns: the JWT `sub` and any extra claims. */
export interface PhoneCallSubject {
  sub: string;
  claims?: Record<string, unknown>;
}

/** Passed to `onVerified` when an inbound call verified a verification. */
export interface VerifiedEvent {
  verificationId: string;
  phone: E164;
  verifiedAt: Date;
  call: InboundCallReport;
}

/**
 * Options of {@link PhoneCallAuthModule}.
 *
 * @example
 * PhoneCallAuthModule.forRoot({
 *   provider: new SsmsProvider({ apiKey: process.env.SSMS_API_KEY }),
 *   callbackSecret: process.env.PHONE_CALL_CALLBACK_SECRET,
 *   jwt: { secret: process.env.JWT_SECRET },
 * })
 */
export interface PhoneCallAuthOptions {
  /** The telephony platform's adapter, e.g. `new SsmsProvider({ apiKey })`. */
  provider: TelephonyProvider;
  /**
   * The secret in the callback URL (`<prefix>/callback/<secret>`), at least 32 characters.
   * Give two during rotation: both are accepted.
   */
  callbackSecret: string | string[];
  jwt: PhoneCallAuthJwtOptions;
  /** Seconds the platform waits for the call; clamped to the provider's limits (SSMS: 60..300). @default 120 */
  windowSeconds?: number;
  /** Seconds a verified verification can still be exchanged for a token. @default 300 */
  redeemSeconds?: number;
  /** Country used to read numbers written without a country code. @default 'RU' */
  defaultCountry?: CountryCode;
  /** Maps a verified number to the JWT `sub` and extra claims. @default phone => ({ sub: phone }) */
  resolveSubject?: (phone: E164) => PhoneCallSubject | Promise<PhoneCallSubject>;
  /** Called after an inbound call verified a verification. Errors are logged, never sent to the platform. */
  onVerified?: (event: VerifiedEvent) => void | Promise<void>;
}

/** Options after validation, with every default applied. */
export interface ResolvedPhoneCallAuthOptions {
  provider: TelephonyProvider;
  callbackSecrets: string[];
  jwt: ResolvedJwtOptions;
  windowSeconds: number;
  redeemSeconds: number;
  defaultCountry: CountryCode;
  resolveSubject: (phone: E164) => PhoneCallSubject | Promise<PhoneCallSubject>;
  onVerified?: (event: VerifiedEvent) => void | Promise<void>;
}

const MIN_CALLBACK_SECRET_LENGTH = 32;

/** Validates the options and applies the defaults; both forRoot and forRootAsync pass through here. */
export function resolvePhoneCallAuthOptions(options: PhoneCallAuthOptions): ResolvedPhoneCallAuthOptions {
  if (!options || typeof options !== 'object') {
    throw new PhoneCallAuthConfigError('options are required: { provider, callbackSecret, jwt }.');
  }
  const { provider } = options;
  if (
    !provider ||
    typeof provider.name !== 'string' ||
    typeof provider.requestCall !== 'function' ||
    typeof provider.parseInboundCall !== 'function'
  ) {
    throw new PhoneCallAuthConfigError(
      'provider must be a TelephonyProvider, e.g. new SsmsProvider({ apiKey }) or, in tests, fakePlatform.provider().',
    );
  }
  const callbackSecrets = [options.callbackSecret].flat().filter((s) => s !== undefined && s !== '');
  if (
    callbackSecrets.length === 0 ||
    callbackSecrets.some((s) => typeof s !== 'string' || s.length < MIN_CALLBACK_SECRET_LENGTH)
  ) {
    throw new PhoneCallAuthConfigError(
      `callbackSecret must be a string (or, during rotation, several strings) of at least ${MIN_CALLBACK_SECRET_LENGTH} characters; generate one with: openssl rand -hex 32`,
    );
  }
  if (callbackSecrets.some((s) => !/^[A-Za-z0-9_~.-]+$/.test(s))) {
    throw new PhoneCallAuthConfigError('callbackSecret may hold only URL-safe characters (A-Z a-z 0-9 - _ . ~).');
  }
  const defaultCountry = options.defaultCountry ?? 'RU';
  if (!isSupportedCountry(defaultCountry)) {
    throw new PhoneCallAuthConfigError(
      `defaultCountry must be an ISO 3166-1 alpha-2 code such as 'RU', got "${defaultCountry}".`,
    );
  }
  for (const hook of ['resolveSubject', 'onVerified'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new PhoneCallAuthConfigError(`${hook} must be a function.`);
    }
  }
  const requested = configSeconds('windowSeconds', options.windowSeconds, 120, MAX_LIFETIME_SECONDS);
  const limits = provider.windowLimits;
  const windowSeconds = limits ? Math.min(Math.max(requested, limits.min), limits.max) : requested;
  if (windowSeconds !== requested) {
    new Logger('PhoneCallAuthModule').warn(
      `windowSeconds ${requested} is outside what ${provider.name} accepts (${limits?.min}..${limits?.max}); using ${windowSeconds}.`,
    );
  }
  return {
    provider,
    callbackSecrets,
    jwt: resolveJwtOptions(options.jwt),
    windowSeconds,
    redeemSeconds: configSeconds('redeemSeconds', options.redeemSeconds, 300, MAX_LIFETIME_SECONDS),
    defaultCountry,
    resolveSubject: options.resolveSubject ?? ((phone) => ({ sub: phone })),
    onVerified: options.onVerified,
  };
}

export { PhoneCallAuthConfigError, type PhoneCallAuthJwtOptions, type ResolvedJwtOptions };
