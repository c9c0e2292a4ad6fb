import type { VerificationChannel } from '../core/verification-state.js';
import type { CountryCode, PhoneNumberType } from 'libphonenumber-js/max';
import type { KeyObject } from 'node:crypto';
import type { PhoneCallAuthLocale, PhoneCallAuthMessages } from '../i18n/messages.js';
import type { E164 } from '../phone/phone-number.js';
import type { ResolvedCallbacks } from './resolve-callbacks.js';
import type { InboundCallReport, TelephonyProvider } from '../providers/telephony-provider.interface.js';
import type { PhoneCallAuthJwtAlgorithm } from './jwt.options.js';
import type { ClientBudgetRule, GlobalBudgetMode, RateLimitRule } from './limits.options.js';
import type {
  NumberChange,
  PhoneCallSubject,
  VerificationCandidate,
  VerifiedEvent,
} from './phone-call-auth-options.interface.js';

/**
 * The options after validation, with every default applied, as one slice per concern. Each
 * feature injects only its slice (`@InjectPhoneCallAuthOptions('limits')`, see option-slices.ts).
 */
export interface ResolvedPhoneCallAuthOptions {
  platforms: ResolvedPlatforms;
  verification: ResolvedVerificationOptions;
  hooks: ResolvedHooks;
  texts: ResolvedTexts;
  http: ResolvedHttpOptions;
  limits: ResolvedLimits;
  jwt: ResolvedJwtOptions;
  database: ResolvedDatabaseOptions;
}

/** The platforms: providers, routing, windows, callbacks and the status poller. */
export interface ResolvedPlatforms {
  /** Every provider, in order of preference. */
  providers: TelephonyProvider[];
  /** Providers per country, in order of preference; `default` for the rest. */
  routing: { byCountry: Partial<Record<CountryCode, TelephonyProvider[]>>; default: TelephonyProvider[] };
  /** The window each provider is asked for (the requested one, clamped to its limits), by provider name. */
  windows: Record<string, number>;
  /** `publicBaseUrl` without a trailing slash. */
  publicBaseUrl?: string;
  /** `/<routePrefix>/callback`. */
  callbackPath: string;
  /** Each provider's callback secrets and allowlist, and the provider of the unnamed path. */
  callbacks: ResolvedCallbacks;
  statusPolling: { intervalSeconds: number; batchSize: number } | false;
}

/** What a verification accepts: numbers, channels, SMS codes, and how long a verified one lasts. */
export interface ResolvedVerificationOptions {
  defaultCountry: CountryCode;
  phonePolicy: {
    /** `undefined` accepts every type (`'any'`). */
    numberTypes?: readonly PhoneNumberType[];
    nonGeographic: boolean;
    mobileOnly: boolean;
    countries?: CountryCode[];
  };
  channels: VerificationChannel[];
  defaultChannel: VerificationChannel;
  sms: { codeLength: number; maxAttempts: number; senderName?: string };
  redeemSeconds: number;
}

/** The app's hooks. */
export interface ResolvedHooks {
  resolveSubject: (phone: E164) => PhoneCallSubject<object> | Promise<PhoneCallSubject<object>>;
  onVerified?: (event: VerifiedEvent) => void | Promise<void>;
  onNumberChange?: (change: NumberChange) => boolean | void | Promise<boolean | void>;
  beforeVerify?: (call: InboundCallReport, verification: VerificationCandidate) => boolean | Promise<boolean>;
}

/** The texts, per locale, and what fills them. */
export interface ResolvedTexts {
  defaultLocale: PhoneCallAuthLocale;
  messages: Record<PhoneCallAuthLocale, PhoneCallAuthMessages>;
  siteName?: string;
}

/** What the HTTP edge checks of browsers. */
export interface ResolvedHttpOptions {
  /** Lowercased origins, besides the app's own, whose pages may start verifications. */
  allowedOrigins: ReadonlySet<string>;
}

/** `limits` after validation. */
export interface ResolvedLimits {
  starts: {
    perPhone: RateLimitRule | false;
    perAddress: RateLimitRule | false;
    perNetwork: RateLimitRule | false;
    global: (RateLimitRule & { mode: GlobalBudgetMode }) | false;
  };
  sms: { perPhone: RateLimitRule | false; perAddress: RateLimitRule | false; global: RateLimitRule | false };
  fraudGuard: ResolvedFraudGuard | false;
  budgets:
    | {
        start: ClientBudgetRule | false;
        poll: ClientBudgetRule | false;
        refresh: ClientBudgetRule | false;
        callback: ClientBudgetRule | false;
        networkFactor: number;
      }
    | false;
  waiters: { perInstance: number; perVerification: number; perAddress: number };
  admission:
    { maxConcurrent?: number; maxQueuedPriority: number; maxQueuedPolling: number; queueTimeoutMs: number } | false;
  refusalTally: { maxKeys: number; flushSeconds: number } | false;
}

/** `limits.fraudGuard` after validation. */
export interface ResolvedFraudGuard {
  minSends: number;
  conversionBelow: number;
  windowSeconds: number;
  blockSeconds: number;
  prefixDigits: number;
}

/** The module's own tables: statements and purge. */
export interface ResolvedDatabaseOptions {
  /** `'auto'` until the statement runner has looked at the pool at startup. */
  preparedStatements: boolean | 'auto';
  /** The LISTEN connection's own URL, when it must not take the data source's. */
  listenUrl?: string;
  purge: { retentionSeconds: number; intervalSeconds: number } | false;
}

/** JWT settings after validation, with every default applied. */
export interface ResolvedJwtOptions {
  /** The key that signs new tokens. */
  signing: ResolvedJwtKey;
  /** Every key that verifies tokens, the signing key included. */
  keys: ResolvedJwtKey[];
  issuer: string;
  audience: string;
  expiresInSeconds: number;
  refreshTokens: { enabled: boolean; lifetimeSeconds: number; graceSeconds: number };
  /** The access-token cookie's name in cookie mode. */
  cookie?: string;
  /** The refresh-token cookie's name (`<cookie>_refresh`) in cookie mode. */
  refreshCookie?: string;
  /** Whether token answers carry the tokens in their JSON body. */
  tokensInBody: boolean;
}

/** A validated key: the algorithm it is pinned to and Node `KeyObject`s to sign and verify with. */
export interface ResolvedJwtKey {
  /** The `kid` header of the tokens it signs; none for the `secret` / key-pair shorthand. */
  kid?: string;
  algorithm: PhoneCallAuthJwtAlgorithm;
  /** The HS256 secret or the private key; absent for a key that only verifies. */
  signingKey?: KeyObject;
  /** The HS256 secret or the public key. */
  verifyingKey: KeyObject;
}
