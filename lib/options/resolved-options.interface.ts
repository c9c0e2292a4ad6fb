import type { VerificationChannel } from '../core/verification-state.js';
import type { CountryCode, PhoneNumberType } from 'libphonenumber-js/max';
import type { KeyObject } from 'node:crypto';
import type { PhoneCallAuthLocale, PhoneCallAuthMessages } from '../i18n/messages.js';
import type { E164 } from '../phone/phone-number.js';
import type { ResolvedCallbacks } from './resolve-callbacks.js';
import type { InboundCallReport, TelephonyProvider } from '../providers/telephony-provider.interface.js';
import type {
  ClientBudgetRule,
  GlobalBudgetMode,
  PhoneCallAuthJwtAlgorithm,
  PhoneCallSubject,
  RateLimitRule,
  VerificationCandidate,
  VerifiedEvent,
} from './phone-call-auth-options.interface.js';

/** Options after validation, with every default applied. */
export interface ResolvedPhoneCallAuthOptions {
  /** The provider of the legacy callback path `<prefix>/callback/<secret>`: the one named `ssms`, else the first. */
  provider: TelephonyProvider;
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
  /** `<publicBaseUrl>/<routePrefix>/callback`, when `publicBaseUrl` is set. */
  callbackBaseUrl?: string;
  statusPolling: { intervalSeconds: number; batchSize: number } | false;
  /** Each provider's callback secrets and allowlist, and the provider of the unnamed path. */
  callbacks: ResolvedCallbacks;
  jwt: ResolvedJwtOptions;
  redeemSeconds: number;
  defaultCountry: CountryCode;
  resolveSubject: (phone: E164) => PhoneCallSubject<object> | Promise<PhoneCallSubject<object>>;
  onVerified?: (event: VerifiedEvent) => void | Promise<void>;
  beforeVerify?: (call: InboundCallReport, verification: VerificationCandidate) => boolean | Promise<boolean>;
  rateLimits: {
    perPhone: RateLimitRule | false;
    perIp: RateLimitRule | false;
    perSubnet: RateLimitRule | false;
    global: (RateLimitRule & { mode: GlobalBudgetMode }) | false;
  };
  phonePolicy: {
    /** `undefined` accepts every type (`'any'`). */
    numberTypes?: readonly PhoneNumberType[];
    nonGeographic: boolean;
    mobileOnly: boolean;
    countries?: CountryCode[];
  };
  /** Lowercased origins, besides the app's own, whose pages may start verifications. */
  allowedOrigins: ReadonlySet<string>;
  siteName?: string;
  channels: VerificationChannel[];
  defaultChannel: VerificationChannel;
  sms: { codeLength: number; maxAttempts: number; senderName?: string };
  smsLimits: { perPhone: RateLimitRule | false; perIp: RateLimitRule | false; global: RateLimitRule | false };
  defaultLocale: PhoneCallAuthLocale;
  messages: Record<PhoneCallAuthLocale, PhoneCallAuthMessages>;
  purge: { retentionSeconds: number; intervalSeconds: number } | false;
  maxWaiters: number;
  maxWaitersPerVerification: number;
  maxWaitersPerAddress: number;
  clientBudgets:
    | {
        start: ClientBudgetRule | false;
        poll: ClientBudgetRule | false;
        refresh: ClientBudgetRule | false;
        callback: ClientBudgetRule | false;
        networkFactor: number;
      }
    | false;
  admission:
    { maxConcurrent?: number; maxQueuedPriority: number; maxQueuedPolling: number; queueTimeoutMs: number } | false;
  /** `'auto'` until the statement runner has looked at the pool at startup. */
  preparedStatements: boolean | 'auto';
  /** The LISTEN connection's own URL, when it must not take the data source's. */
  listenUrl?: string;
}

/** JWT settings after validation, with every default applied. */
export interface ResolvedJwtOptions {
  /** The signing key's algorithm. */
  algorithm: PhoneCallAuthJwtAlgorithm;
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
