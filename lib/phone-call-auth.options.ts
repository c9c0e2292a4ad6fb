import { Logger } from '@nestjs/common';
import { CountryCode, isSupportedCountry } from 'libphonenumber-js/max';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
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

/** A fixed-window limit: at most `limit` verification starts per `windowSeconds`. */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

/** Limits of verification starts, kept in Postgres so they hold across instances. `false` turns one off. */
export interface PhoneCallAuthRateLimits {
  /** Starts per phone number and client address. @default { limit: 3, windowSeconds: 600 } */
  perPhone?: RateLimitRule | false;
  /** Starts per client address (`request.ip`: set Express's `trust proxy` behind a proxy). @default { limit: 10, windowSeconds: 600 } */
  perIp?: RateLimitRule | false;
  /** Starts across the whole app: a budget for the platform bill. @default { limit: 100, windowSeconds: 60 } */
  global?: RateLimitRule | false;
}

/** Which numbers may be verified at all. */
export interface PhoneCallAuthPhonePolicy {
  /** Accept mobile numbers only (libphonenumber type MOBILE, or FIXED_LINE_OR_MOBILE where a plan cannot tell). @default false */
  mobileOnly?: boolean;
  /** Accept numbers of these countries only. @default any country */
  countries?: CountryCode[];
}

/** How long finished verifications, inbound-call records, rate-limit counters and ended refresh-token families are kept. */
export interface PhoneCallAuthPurgeOptions {
  /**
   * At least 3600: a call record must outlive the hour in which a repeat of the call is still
   * recognised, and a verification the time in which it can be redeemed. @default 86400 (24 hours)
   */
  retentionSeconds?: number;
  /** How often one instance (under an advisory lock) deletes what is older. @default 600 */
  intervalSeconds?: number;
}

/** The candidate an inbound call is about to verify, as `beforeVerify` sees it. */
export interface VerificationCandidate {
  id: string;
  phone: E164;
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
  /**
   * Called before an inbound call verifies a verification; return false to refuse (outcome `refused`).
   * Use it to refuse calls whose STIR/SHAKEN `attestation` the app does not trust.
   */
  beforeVerify?: (call: InboundCallReport, verification: VerificationCandidate) => boolean | Promise<boolean>;
  /** Rate limits of verification starts. */
  rateLimits?: PhoneCallAuthRateLimits;
  /** Which numbers may be verified. @default any valid number */
  phonePolicy?: PhoneCallAuthPhonePolicy;
  /** Purge of old rows; `false` turns it off (then purge yourself: {@link PurgeService.purge}). */
  purge?: PhoneCallAuthPurgeOptions | false;
  /**
   * Addresses or CIDR ranges the platform's callbacks may come from, e.g. `['203.0.113.0/24']`.
   * Read from `request.ip`: behind a proxy, set the app's `trust proxy`. @default any address
   */
  callbackAllowlist?: string[];
  /** Requests that may wait at once on an instance (`?wait=` long-polls, event streams); beyond it, 503. @default 10000 */
  maxWaiters?: number;
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
  beforeVerify?: (call: InboundCallReport, verification: VerificationCandidate) => boolean | Promise<boolean>;
  rateLimits: { perPhone: RateLimitRule | false; perIp: RateLimitRule | false; global: RateLimitRule | false };
  phonePolicy: { mobileOnly: boolean; countries?: CountryCode[] };
  purge: { retentionSeconds: number; intervalSeconds: number } | false;
  callbackAllowlist?: BlockList;
  maxWaiters: number;
}

const MIN_CALLBACK_SECRET_LENGTH = 32;

function rateLimitRule(name: string, rule: RateLimitRule | false | undefined, fallback: RateLimitRule) {
  if (rule === false) return false;
  const resolved = rule ?? fallback;
  if (!Number.isInteger(resolved.limit) || resolved.limit < 1) {
    throw new PhoneCallAuthConfigError(
      `rateLimits.${name}.limit must be a whole number from 1, or rateLimits.${name} false.`,
    );
  }
  return {
    limit: resolved.limit,
    windowSeconds: configSeconds(`rateLimits.${name}.windowSeconds`, resolved.windowSeconds, 0, 86400),
  };
}

function blockList(entries: string[]): BlockList {
  const list = new BlockList();
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new PhoneCallAuthConfigError('callbackAllowlist must be a non-empty array of addresses or CIDR ranges.');
  }
  for (const entry of entries) {
    const [address, prefix] = String(entry).split('/');
    const type = isIPv6(address) ? 'ipv6' : isIPv4(address) ? 'ipv4' : undefined;
    const bits = prefix === undefined ? undefined : Number(prefix);
    if (
      !type ||
      (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= (type === 'ipv4' ? 32 : 128)))
    ) {
      throw new PhoneCallAuthConfigError(
        `callbackAllowlist entry "${entry}" is not an address or CIDR range such as 203.0.113.0/24.`,
      );
    }
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return list;
}

/** The default and the floor of `purge.retentionSeconds`. */
export const DEFAULT_RETENTION_SECONDS = 86400;
const MIN_RETENTION_SECONDS = 3600;

function retention(value: number | undefined): number {
  const seconds = configSeconds('purge.retentionSeconds', value, DEFAULT_RETENTION_SECONDS, 30 * 86400);
  if (seconds < MIN_RETENTION_SECONDS) {
    throw new PhoneCallAuthConfigError(
      `purge.retentionSeconds must be at least ${MIN_RETENTION_SECONDS}: call records are needed that long to recognise a repeated call.`,
    );
  }
  return seconds;
}

function country(name: string, code: unknown): CountryCode {
  if (typeof code !== 'string' || !isSupportedCountry(code)) {
    throw new PhoneCallAuthConfigError(`${name} must be ISO 3166-1 alpha-2 codes such as 'RU', got "${String(code)}".`);
  }
  return code;
}

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
  const defaultCountry = country('defaultCountry', options.defaultCountry ?? 'RU');
  for (const hook of ['resolveSubject', 'onVerified', 'beforeVerify'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new PhoneCallAuthConfigError(`${hook} must be a function.`);
    }
  }
  const maxWaiters = options.maxWaiters ?? 10_000;
  if (!Number.isInteger(maxWaiters) || maxWaiters < 1) {
    throw new PhoneCallAuthConfigError(`maxWaiters must be a whole number from 1, got ${String(options.maxWaiters)}.`);
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
    beforeVerify: options.beforeVerify,
    rateLimits: {
      perPhone: rateLimitRule('perPhone', options.rateLimits?.perPhone, { limit: 3, windowSeconds: 600 }),
      perIp: rateLimitRule('perIp', options.rateLimits?.perIp, { limit: 10, windowSeconds: 600 }),
      global: rateLimitRule('global', options.rateLimits?.global, { limit: 100, windowSeconds: 60 }),
    },
    phonePolicy: {
      mobileOnly: options.phonePolicy?.mobileOnly ?? false,
      countries: options.phonePolicy?.countries?.map((code) => country('phonePolicy.countries', code)),
    },
    callbackAllowlist: options.callbackAllowlist && blockList(options.callbackAllowlist),
    purge:
      options.purge === false
        ? false
        : {
            retentionSeconds: retention(options.purge?.retentionSeconds),
            intervalSeconds: configSeconds('purge.intervalSeconds', options.purge?.intervalSeconds, 600, 86400),
          },
    maxWaiters,
  };
}

export { PhoneCallAuthConfigError, type PhoneCallAuthJwtOptions, type ResolvedJwtOptions };
