import type { VerificationChannel } from '../core/verification-state.js';
import type { CountryCode, PhoneNumberType } from 'libphonenumber-js/max';
import type { JsonWebKey } from 'node:crypto';
import type { PhoneCallAuthLocale, PhoneCallAuthMessageOverrides } from '../i18n/messages.js';
import type { E164 } from '../phone/phone-number.js';
import type { InboundCallReport, TelephonyProvider } from '../providers/telephony-provider.interface.js';

/*
 * The module's public options. Defaults are defined once, in PHONE_CALL_AUTH_DEFAULTS
 * (phone-call-auth.defaults.ts); each `@default` below quotes it.
 */

/**
 * What `resolveSubject` returns: the JWT `sub` and any extra claims. `TClaims` types them, and
 * `VerifiedPhoneIdentity<TClaims>` reads them back on a guarded route.
 */
export interface PhoneCallSubject<TClaims extends object = Record<string, unknown>> {
  sub: string;
  /** Extra claims; the module's own (`sub`, `phone_number`, `amr`, `exp`...) cannot be overridden. */
  claims?: TClaims;
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

/**
 * What the global budget does when it is spent. `'alarm'`: starts go on; the module logs a warning
 * (once per window per instance) and {@link GlobalBudgetIndicator} reports the budget exceeded, for
 * a health check. `'wall'`: further starts get 429 until the window ends.
 */
export type GlobalBudgetMode = 'alarm' | 'wall';

/** The global budget of verification starts: a {@link RateLimitRule} and what happens when it is spent. */
export interface GlobalBudgetRule extends RateLimitRule {
  /**
   * `'alarm'` suits calls, which the platform bills only when delivered: a few addresses that
   * spend the budget do not lock everyone out. `'wall'` refuses starts (429) once it is spent.
   * @default PHONE_CALL_AUTH_DEFAULTS.rateLimits.global.mode ('alarm')
   */
  mode?: GlobalBudgetMode;
}

/**
 * Limits of verification starts, kept in Postgres so they hold across instances. `false` turns one
 * off. A start whose platform request fails (502, 504) is given back to every counter it used; a
 * start refused with 400 counts nothing. The limits kept per address (`perPhone`, `perIp`,
 * `perSubnet`) need the client's address: a start without one (`request.ip` empty or not an
 * address) is refused with 503 and the log says how to fix the app's proxy settings.
 */
export interface PhoneCallAuthRateLimits {
  /** Starts per phone number and client address. @default PHONE_CALL_AUTH_DEFAULTS.rateLimits.perPhone (3 per 600 s) */
  perPhone?: RateLimitRule | false;
  /** Starts per client address (`request.ip`: set Express's `trust proxy` behind a proxy); IPv6 per /64. @default PHONE_CALL_AUTH_DEFAULTS.rateLimits.perIp (10 per 600 s) */
  perIp?: RateLimitRule | false;
  /**
   * Starts per client network: IPv4 /24, IPv6 /48 (one site). Bounds an attacker who holds many
   * addresses of one network; a carrier NAT puts many people behind few addresses, so keep it well
   * above `perIp`. @default PHONE_CALL_AUTH_DEFAULTS.rateLimits.perSubnet (30 per 600 s)
   */
  perSubnet?: RateLimitRule | false;
  /**
   * Starts across the whole app: a budget for the platform bill, counted only for starts the other
   * limits let through. @default PHONE_CALL_AUTH_DEFAULTS.rateLimits.global (100 per 60 s, mode 'alarm')
   */
  global?: GlobalBudgetRule | false;
}

/**
 * Hard limits of SMS sends (channels `sms` and `call_or_sms`), kept in Postgres beside the start
 * limits: SMS is billed per message sent, and SMS pumping (codes sent to numbers whose operator
 * pays the attacker) is the classic fraud against SMS verification. Unlike the call limits, these
 * count per phone whoever asks, and the global one refuses (429) once spent. Like them, an SMS the
 * platform did not send (502, 504) is given back, and a start refused with 400 counts nothing.
 */
export interface PhoneCallAuthSmsLimits {
  /** SMS per phone number, from any client. @default PHONE_CALL_AUTH_DEFAULTS.smsLimits.perPhone (3 per 3600 s) */
  perPhone?: RateLimitRule | false;
  /** SMS per client address. @default PHONE_CALL_AUTH_DEFAULTS.smsLimits.perIp (5 per 3600 s) */
  perIp?: RateLimitRule | false;
  /** SMS across the whole app: the hard budget. @default PHONE_CALL_AUTH_DEFAULTS.smsLimits.global (100 per 3600 s) */
  global?: RateLimitRule | false;
}

/** SMS codes (channels `sms` and `call_or_sms`). */
export interface PhoneCallAuthSmsOptions {
  /** Digits of a code, 4..8. @default PHONE_CALL_AUTH_DEFAULTS.sms.codeLength (6) */
  codeLength?: number;
  /** Wrong entries after which the verification fails (`too_many_attempts`), 1..10. @default PHONE_CALL_AUTH_DEFAULTS.sms.maxAttempts (5) */
  maxAttempts?: number;
  /** The SMS sender name (SSMS `sender_name`), as registered with the platform. @default the account's default */
  senderName?: string;
}

/** A token bucket: at most `burst` requests at once, refilled at `perSecond` requests a second. */
export interface ClientBudgetRule {
  burst: number;
  perSecond: number;
}

/**
 * Budgets per client address and route family. Each request spends one unit of its address's
 * bucket (an IPv4 address, or an IPv6 /64) and one of its network's (IPv4 /24, IPv6 /48), which
 * holds `networkFactor` times as much. `false` turns one family's budget off.
 */
export interface PhoneCallAuthClientBudgets {
  /** `POST /verifications`, before the Postgres rate limits. @default PHONE_CALL_AUTH_DEFAULTS.clientBudgets.start (burst 10, 0.2/s) */
  start?: ClientBudgetRule | false;
  /** The token route (and its long-poll), events and cancel. A page polling every 2 s spends 0.5/s. @default PHONE_CALL_AUTH_DEFAULTS.clientBudgets.poll (burst 60, 5/s) */
  poll?: ClientBudgetRule | false;
  /** `POST /token/refresh`. @default PHONE_CALL_AUTH_DEFAULTS.clientBudgets.refresh (burst 10, 1/s) */
  refresh?: ClientBudgetRule | false;
  /** Refused platform callbacks (wrong secret or address) only: the platform's own callbacks spend nothing. @default PHONE_CALL_AUTH_DEFAULTS.clientBudgets.callback (burst 10, 0.2/s) */
  callback?: ClientBudgetRule | false;
  /** How many times an address's budget its /24 (IPv6 /48) network gets. @default PHONE_CALL_AUTH_DEFAULTS.clientBudgets.networkFactor (8) */
  networkFactor?: number;
}

/** Admission control in front of the module's database work. */
export interface PhoneCallAuthAdmissionOptions {
  /** Database operations at once; more wait in the queue. @default the pool's size (TypeORM `poolSize` or `extra.max`, else 10) */
  maxConcurrent?: number;
  /** Starts and callbacks that may wait for a slot. @default PHONE_CALL_AUTH_DEFAULTS.admission.maxQueuedPriority (200) */
  maxQueuedPriority?: number;
  /** Polling requests (token, events, cancel, refresh) that may wait for a slot. @default PHONE_CALL_AUTH_DEFAULTS.admission.maxQueuedPolling (100) */
  maxQueuedPolling?: number;
  /** How long a request may wait for a slot before it is answered 503. @default PHONE_CALL_AUTH_DEFAULTS.admission.queueTimeoutMs (2000) */
  queueTimeoutMs?: number;
}

/** Which providers serve which countries, by provider name, in order of preference. */
export interface PhoneCallAuthRouting {
  /** Per ISO 3166-1 country code of the phone, e.g. `{ RU: ['ssms'] }`. */
  byCountry?: Partial<Record<CountryCode, string[]>>;
  /** For every other country. @default every provider, in the order of `providers` */
  default?: string[];
}

/** The status poller of platforms that can be polled. */
export interface PhoneCallAuthStatusPollingOptions {
  /** Seconds between rounds. @default PHONE_CALL_AUTH_DEFAULTS.statusPolling.intervalSeconds (15) */
  intervalSeconds?: number;
  /** Verifications asked about per round, oldest first. @default PHONE_CALL_AUTH_DEFAULTS.statusPolling.batchSize (50) */
  batchSize?: number;
}

/** Which numbers may be verified at all. */
export interface PhoneCallAuthPhonePolicy {
  /**
   * Number types (libphonenumber-js `PhoneNumberType`: `'MOBILE'`, `'FIXED_LINE'`,
   * `'FIXED_LINE_OR_MOBILE'`, `'PREMIUM_RATE'`, `'TOLL_FREE'`, `'SHARED_COST'`, `'VOIP'`,
   * `'PERSONAL_NUMBER'`, `'PAGER'`, `'UAN'`, `'VOICEMAIL'`) that may be verified, or `'any'` for every valid number (a number whose type
   * libphonenumber cannot tell included). The default accepts numbers that place ordinary calls
   * and refuses premium-rate, toll-free, shared-cost, VoIP, personal, pager, UAN and voicemail
   * ranges: a "verified" call from one of those means a spoofed caller ID.
   * @default PHONE_CALL_AUTH_DEFAULTS.phonePolicy.numberTypes (['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE'])
   */
  numberTypes?: PhoneNumberType[] | 'any';
  /**
   * Accept numbers of the global services that belong to no country: UIFN (+800), shared cost
   * (+808), satellite (+870 Inmarsat, +881 Iridium and others), international networks (+882,
   * +883), +878, +888 and international premium rate (+979). They are still subject to `numberTypes`.
   * @default PHONE_CALL_AUTH_DEFAULTS.phonePolicy.nonGeographic (false)
   */
  nonGeographic?: boolean;
  /** Accept mobile numbers only (libphonenumber type MOBILE, or FIXED_LINE_OR_MOBILE where a plan cannot tell). @default PHONE_CALL_AUTH_DEFAULTS.phonePolicy.mobileOnly (false) */
  mobileOnly?: boolean;
  /** Accept numbers of these countries only. @default any country */
  countries?: CountryCode[];
}

/** How long finished verifications, inbound-call records, rate-limit counters and ended refresh-token families are kept. */
export interface PhoneCallAuthPurgeOptions {
  /**
   * At least 3600: a call record must outlive the hour in which a repeat of the call is still
   * recognised, and a verification the time in which it can be redeemed. @default PHONE_CALL_AUTH_DEFAULTS.purge.retentionSeconds (86400, 24 hours)
   */
  retentionSeconds?: number;
  /** How often one instance (under an advisory lock) deletes what is older. @default PHONE_CALL_AUTH_DEFAULTS.purge.intervalSeconds (600) */
  intervalSeconds?: number;
}

/** The candidate an inbound call is about to verify, as `beforeVerify` sees it. */
export interface VerificationCandidate {
  id: string;
  phone: E164;
}

/** One provider's callback settings ({@link PhoneCallAuthOptions.callbacks}). */
export interface PhoneCallAuthProviderCallback {
  /**
   * The secret in this provider's callback path (`<prefix>/callback/<name>/<secret>`), at least 32
   * URL-safe characters; several during rotation. @default derived from `callbackSecret`
   */
  secret?: string | string[];
  /** Addresses or CIDR ranges this platform's callbacks may come from. @default `callbackAllowlist` */
  allowlist?: string[];
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
  /** The telephony platform's adapter, e.g. `new SsmsProvider({ apiKey })`. Give `provider` or `providers`. */
  provider?: TelephonyProvider;
  /**
   * Several platforms at once, in order of preference: a start goes to the first one `routing`
   * names for the phone's country and moves to the next when one answers 502/504. Each verification
   * remembers its provider; each provider's callbacks arrive at `<prefix>/callback/<name>/<secret>`.
   * @example providers: [new SsmsProvider({ apiKey }), new TwilioVoiceProvider({ accountSid, authToken, numbers })]
   */
  providers?: TelephonyProvider[];
  /**
   * Which providers (by name, in order of preference) serve which countries.
   * @example routing: { byCountry: { RU: ['ssms', 'sms-ru'] }, default: ['twilio'] }
   * @default every provider, in the order of `providers`, for every country
   */
  routing?: PhoneCallAuthRouting;
  /**
   * The public URL the platforms call the app at, e.g. `https://api.example.com` (with the path a
   * proxy strips, if any): the request's path is appended to it. Needed by providers that sign the
   * full URL (Twilio) or take a callback URL per request (New-Tel). @default none
   */
  publicBaseUrl?: string;
  /**
   * Asking platforms that can be polled (sms.ru `callcheck/status`) about pending verifications,
   * for webhooks that never arrive; each wait by one instance at a time (a lease on its row). `false` turns it off.
   * @default PHONE_CALL_AUTH_DEFAULTS.statusPolling (every 15 s, 50 per round)
   */
  statusPolling?: PhoneCallAuthStatusPollingOptions | false;
  /**
   * The app's callback secret, at least 32 URL-safe characters (`openssl rand -hex 32`). Give two
   * during rotation: both are accepted. It opens only the path of the provider named `ssms` (else
   * the first provider): `<prefix>/callback/<secret>` and `<prefix>/callback/ssms/<secret>`. Every
   * other provider's secret is derived from it and the provider's name ({@link deriveCallbackSecret}),
   * so a secret one platform learns (New-Tel is sent its callback URL) opens no other platform's
   * path; `callbacks[name].secret` sets one instead. {@link PhoneCallAuthCallbacks.urls} (or
   * {@link phoneCallAuthCallbackUrls}) tells each provider's URL.
   */
  callbackSecret: string | string[];
  /**
   * Per provider (by name): its own callback secret (instead of the derived one) and its own
   * allowlist (instead of `callbackAllowlist`).
   * @example callbacks: { 'sms-ru': { allowlist: ['203.0.113.0/24'] }, twilio: { secret: process.env.TWILIO_CALLBACK_SECRET } }
   * @default derived secrets, `callbackAllowlist` for every provider
   */
  callbacks?: Record<string, PhoneCallAuthProviderCallback>;
  jwt: PhoneCallAuthJwtOptions;
  /** Seconds the platform waits for the call; clamped to the provider's limits (SSMS: 60..300). @default PHONE_CALL_AUTH_DEFAULTS.windowSeconds (120) */
  windowSeconds?: number;
  /** Seconds a verified verification can still be exchanged for a token. @default PHONE_CALL_AUTH_DEFAULTS.redeemSeconds (300) */
  redeemSeconds?: number;
  /** Country used to read numbers written without a country code. @default PHONE_CALL_AUTH_DEFAULTS.defaultCountry ('RU') */
  defaultCountry?: CountryCode;
  /** Maps a verified number to the JWT `sub` and extra claims. @default phone => ({ sub: phone }) */
  resolveSubject?: (phone: E164) => PhoneCallSubject<object> | Promise<PhoneCallSubject<object>>;
  /** Called after an inbound call verified a verification. Errors are logged, never sent to the platform. */
  onVerified?: (event: VerifiedEvent) => void | Promise<void>;
  /**
   * Called before an inbound call verifies a verification; return false to refuse (outcome `refused`).
   * Use it to refuse calls whose STIR/SHAKEN `attestation` the app does not trust.
   */
  beforeVerify?: (call: InboundCallReport, verification: VerificationCandidate) => boolean | Promise<boolean>;
  /** Rate limits of verification starts. */
  rateLimits?: PhoneCallAuthRateLimits;
  /**
   * The channels clients may ask for in `POST /verifications` (`channel`). Each must be served by the
   * provider (`provider.channels`). @default PHONE_CALL_AUTH_DEFAULTS.channels (['call'])
   */
  channels?: VerificationChannel[];
  /** The channel of a start that names none; one of `channels`. @default PHONE_CALL_AUTH_DEFAULTS.defaultChannel ('call') */
  defaultChannel?: VerificationChannel;
  /** SMS codes. @default PHONE_CALL_AUTH_DEFAULTS.sms */
  sms?: PhoneCallAuthSmsOptions;
  /** Hard limits of SMS sends, on top of `rateLimits`. @default PHONE_CALL_AUTH_DEFAULTS.smsLimits */
  smsLimits?: PhoneCallAuthSmsLimits;
  /**
   * The language of the start `message` and the SMS when a request names none the module speaks
   * (its `locale` field, else `Accept-Language`). @default PHONE_CALL_AUTH_DEFAULTS.defaultLocale ('ru')
   */
  defaultLocale?: PhoneCallAuthLocale;
  /**
   * Overrides of the texts, per locale, with `{code}`, `{callTo}`, `{phone}`, `{seconds}`, `{site}`.
   * @example messages: { en: { smsText: '{code} is your Example code.' } }
   * @default PHONE_CALL_AUTH_MESSAGES
   */
  messages?: PhoneCallAuthMessageOverrides;
  /** Which numbers may be verified. @default mobile and fixed-line numbers of a country (PHONE_CALL_AUTH_DEFAULTS.phonePolicy) */
  phonePolicy?: PhoneCallAuthPhonePolicy;
  /**
   * Origins (`scheme://host[:port]`) whose pages may start verifications from a browser besides the
   * app's own, e.g. `['https://www.example.com']`. A browser request from any other origin (by its
   * `Sec-Fetch-Site` or `Origin` header) gets 403; requests without those headers (servers, curl)
   * are not affected. @default PHONE_CALL_AUTH_DEFAULTS.allowedOrigins (none: same origin only)
   */
  allowedOrigins?: string[];
  /**
   * The site's name as people know it, e.g. `'example.com'`: the start message then says "Call only
   * if you started signing in on example.com." @default none: "Call only if you started this sign-in yourself."
   */
  siteName?: string;
  /** Purge of old rows; `false` turns it off (then purge yourself: {@link PurgeService.purge}). */
  purge?: PhoneCallAuthPurgeOptions | false;
  /**
   * Addresses or CIDR ranges the platforms' callbacks may come from, e.g. `['203.0.113.0/24']`, for
   * every provider without an allowlist of its own (`callbacks[name].allowlist`: prefer one per
   * platform). Read from `request.ip`: behind a proxy, set the app's `trust proxy`. @default any address
   */
  callbackAllowlist?: string[];
  /** Requests that may wait at once on an instance (`?wait=` long-polls, event streams); beyond it, 503. @default PHONE_CALL_AUTH_DEFAULTS.maxWaiters (10000) */
  maxWaiters?: number;
  /** Requests that may wait at once for one verification; beyond it, 429. @default PHONE_CALL_AUTH_DEFAULTS.maxWaitersPerVerification (3) */
  maxWaitersPerVerification?: number;
  /** Requests that may wait at once from one client address (IPv4, or IPv6 /64); beyond it, 429. @default PHONE_CALL_AUTH_DEFAULTS.maxWaitersPerAddress (50) */
  maxWaitersPerAddress?: number;
  /**
   * Budgets of each client address, per route family, kept in each instance's memory and spent
   * before a request costs a database connection; over budget, 429 with `Retry-After`. `false`
   * turns them all off (load tests). @default PHONE_CALL_AUTH_DEFAULTS.clientBudgets
   */
  clientBudgets?: PhoneCallAuthClientBudgets | false;
  /**
   * Admission control in front of the module's database work: a bounded queue that answers 503 with
   * `Retry-After` at once when it is full, and serves starts and callbacks before polling.
   * `false` turns it off. @default PHONE_CALL_AUTH_DEFAULTS.admission
   */
  admission?: PhoneCallAuthAdmissionOptions | false;
  /**
   * Runs the hot statements (start, callback, token) as named prepared statements, parsed and
   * planned once per pool connection. `'auto'`: on, unless the data source's connections go through
   * a connection pooler (PgBouncer, Supavisor...), which the module finds at startup. `true` keeps
   * them on behind one (PgBouncer 1.21+ with `max_prepared_statements`); `false` turns them off.
   * Whatever the setting, a statement that a pooler mixed up (`prepared statement ... already exists`
   * or `does not exist`) turns them off and runs again unprepared: never an error for the client.
   * @default PHONE_CALL_AUTH_DEFAULTS.preparedStatements ('auto')
   */
  preparedStatements?: boolean | 'auto';
  /**
   * The connection URL of the instance's LISTEN connection (`postgres://user:password@host:port/db`),
   * which must reach Postgres itself: a transaction pooler (PgBouncer's `pool_mode = transaction`)
   * hands the connection back after `LISTEN` and no notification ever arrives, so waiting requests
   * are answered only at their deadline (the module logs an error when it hears nothing). Set it
   * when the data source's URL is such a pooler. TLS settings and timeouts still come from the
   * data source. @default the data source's connection settings
   *
   * @example
   * listenUrl: process.env.DATABASE_LISTEN_URL // postgres://app:secret@db.internal:5432/app
   */
  listenUrl?: string;
}

/** The algorithms the module signs and verifies with. Anything else (`none`, `HS512`, `PS256`...) is refused. */
export type PhoneCallAuthJwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/**
 * One key of `jwt.keys`. Its `algorithm` is pinned: a token that names this `kid` is verified with
 * this algorithm only.
 *
 * @example
 * { kid: '2026-01', algorithm: 'ES256', privateKey: process.env.JWT_PRIVATE_KEY } // PEM; the public key is derived
 * { kid: '2025-07', algorithm: 'ES256', publicKey: JSON.parse(process.env.JWT_OLD_PUBLIC_JWK) } // verifies only
 * { kid: 'hs-1', algorithm: 'HS256', secret: process.env.JWT_SECRET }
 */
export interface PhoneCallAuthJwtKey {
  /** The `kid` header of the tokens this key signs; tokens are matched to keys by it. Printable ASCII, 1..128 characters. */
  kid: string;
  algorithm: PhoneCallAuthJwtAlgorithm;
  /** HS256 secret: at least 32 random bytes (`openssl rand -base64 32`). */
  secret?: string | Buffer;
  /** RS256 / ES256 private key, PEM or JWK. Needed on the signing key only. */
  privateKey?: string | JsonWebKey;
  /** RS256 / ES256 public key, PEM or JWK. @default derived from `privateKey` */
  publicKey?: string | JsonWebKey;
}

/**
 * Refresh tokens: opaque, stored only as SHA-256 hashes, rotated on every use. Presenting a used one
 * again revokes its whole family (every token descended from the same sign-in), unless it comes
 * back within `graceSeconds` of its first use and none of its successors was used yet (a double
 * submit, a retry after a lost answer). A family ends when the verification it was redeemed from is
 * deleted.
 *
 * @example
 * jwt: { secret: process.env.JWT_SECRET, refreshTokens: { lifetimeSeconds: 30 * 86400 } }
 */
export interface PhoneCallAuthRefreshTokenOptions {
  /** @default true when `refreshTokens` is given (refresh tokens are off when it is omitted) */
  enabled?: boolean;
  /** Absolute lifetime of a family, counted from the sign-in; rotation does not extend it. @default PHONE_CALL_AUTH_DEFAULTS.jwt.refreshTokenLifetimeSeconds (604800, 7 days) */
  lifetimeSeconds?: number;
  /**
   * Seconds after its first use during which a used refresh token may be exchanged again, while
   * none of its successors has been used: each such request gets a successor of its own, and the
   * family is not revoked (Auth0's "reuse interval", Okta's "grace period"). Covers a double submit
   * and a retry after a lost answer. Later, or once a successor was used, presenting it revokes the
   * family. 0..60; 0 turns the grace off (any second use revokes).
   * @default PHONE_CALL_AUTH_DEFAULTS.jwt.refreshTokenGraceSeconds (15)
   */
  graceSeconds?: number;
}

/**
 * JWT settings. Give `secret` (HS256), or `privateKey` (and `publicKey`) for RS256 / ES256, or
 * `keys` to rotate keys: several keys verify, the one named by `signingKid` signs.
 *
 * @example
 * jwt: { secret: process.env.JWT_SECRET } // HS256
 * @example
 * jwt: { privateKey: process.env.JWT_PRIVATE_KEY, publicKey: process.env.JWT_PUBLIC_KEY } // RS256 or ES256, from the key
 * @example
 * jwt: {
 *   keys: [
 *     { kid: '2026-01', algorithm: 'ES256', privateKey: newPem },
 *     { kid: '2025-07', algorithm: 'RS256', publicKey: oldPublicJwk },
 *   ],
 *   signingKid: '2026-01',
 * }
 */
export interface PhoneCallAuthJwtOptions {
  /** HS256 secret: at least 32 random bytes (`openssl rand -base64 32`). */
  secret?: string | Buffer;
  /** Private key for RS256 / ES256, PEM or JWK. */
  privateKey?: string | JsonWebKey;
  /** Public key for RS256 / ES256, PEM or JWK. @default derived from `privateKey` */
  publicKey?: string | JsonWebKey;
  /** Algorithm of `secret` or of the key pair. @default 'HS256' with `secret`; with a key pair, from the key: 'RS256' for RSA, 'ES256' for EC P-256 */
  algorithm?: PhoneCallAuthJwtAlgorithm;
  /** Keys for rotation, instead of `secret` / `privateKey`: every key verifies the tokens that name its `kid`. */
  keys?: PhoneCallAuthJwtKey[];
  /** The `kid` of the key that signs new tokens. @default the only key, when `keys` has one */
  signingKid?: string;
  /** `iss` claim. @default PHONE_CALL_AUTH_DEFAULTS.jwt.issuer ('nestjs-phone-call-auth') */
  issuer?: string;
  /** `aud` claim. @default PHONE_CALL_AUTH_DEFAULTS.jwt.audience ('phone-call-auth') */
  audience?: string;
  /** Access token lifetime in seconds, 1..86400. @default PHONE_CALL_AUTH_DEFAULTS.jwt.expiresInSeconds (900, 15 minutes) */
  expiresInSeconds?: number;
  /** Refresh tokens and `POST <prefix>/token/refresh`. @default off */
  refreshTokens?: PhoneCallAuthRefreshTokenOptions;
  /**
   * A cookie name, e.g. `'phone_call_token'`: cookie mode. The token, code and refresh routes then
   * set the access token as an `HttpOnly; Secure; SameSite=Lax; Path=/` cookie (and, with refresh
   * tokens, the refresh token as `<name>_refresh`, `HttpOnly; Secure; SameSite=Strict`, sent only to
   * `<prefix>/token/...`), `@PhoneCallAuth()` reads the access cookie when a request has no
   * `Authorization` header, and `POST <prefix>/token/sign-out` clears both. Those four routes then
   * take JSON only and refuse other sites' pages (403), like the start route (login CSRF). The app's
   * own routes that the cookie authenticates need the same care: `@SameOriginOnly()`
   * (docs/integrating.md, "Cookies"). @default off
   */
  cookie?: string;
  /**
   * Whether the token answers (token, code and refresh routes) carry `accessToken` and
   * `refreshToken` in the JSON body. In cookie mode they are left out by default, so no script on
   * the page can read them (the answer is `{expiresIn}`); set `true` for clients that need both.
   * Without `cookie` the body is the only place for them, so it cannot be `false`.
   * @default false with `cookie`, true without
   */
  tokensInBody?: boolean;
}
