import type { VerificationChannel } from '../core/verification-state.js';
import type { CountryCode, PhoneNumberType } from 'libphonenumber-js/max';
import type { PhoneCallAuthLocale, PhoneCallAuthMessageOverrides } from '../i18n/messages.js';
import type { E164 } from '../phone/phone-number.js';
import type { InboundCallReport, TelephonyProvider } from '../providers/telephony-provider.interface.js';
import type { PhoneCallAuthJwtOptions } from './jwt.options.js';
import type { PhoneCallAuthLimits } from './limits.options.js';

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

/** Passed to `onNumberChange` when a signed-in person proved a new number. */
export interface NumberChange {
  /** The signed-in subject (the JWT `sub` of the token that started and redeemed the change). */
  sub: string;
  /** The number the person's token named. */
  previousPhone: E164;
  /** The number they proved. */
  phone: E164;
  verificationId: string;
  verifiedAt: Date;
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
 *   providers: [new SsmsProvider({ apiKey: process.env.SSMS_API_KEY })],
 *   callbackSecret: process.env.PHONE_CALL_CALLBACK_SECRET,
 *   jwt: { secret: process.env.JWT_SECRET },
 * })
 */
export interface PhoneCallAuthOptions {
  /**
   * The telephony platforms' adapters, in order of preference: one, e.g.
   * `[new SsmsProvider({ apiKey })]`, or several. A start goes to the first one `routing` names for
   * the phone's country and moves to the next when one answers 502/504. Each verification
   * remembers its provider; each provider's callbacks arrive at `<prefix>/callback/<name>/<secret>`.
   * @example providers: [new SsmsProvider({ apiKey }), new TwilioVoiceProvider({ accountSid, authToken, numbers })]
   */
  providers: TelephonyProvider[];
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
   * Change of number: called when a signed-in person redeems a verification of a new number
   * (`POST <prefix>/account/verifications/:id/token`), before the verification is taken: move the
   * account `change.sub` to `change.phone` in your users table (idempotently: a retry may call it
   * again). Return true to have the module answer with a token for the new number: `resolveSubject`
   * must then map the new number to the same `sub` (else 403 `SUBJECT_MISMATCH`, nothing taken).
   * Otherwise (and without this hook) the verification is taken and the answer names the subject
   * and both numbers, with no token. A throw leaves the verification redeemable.
   * @default none: no token after a change of number
   */
  onNumberChange?: (change: NumberChange) => boolean | void | Promise<boolean | void>;
  /**
   * Called before an inbound call verifies a verification; return false to refuse (outcome `refused`).
   * Use it to refuse calls whose STIR/SHAKEN `attestation` the app does not trust.
   */
  beforeVerify?: (call: InboundCallReport, verification: VerificationCandidate) => boolean | Promise<boolean>;
  /**
   * Every limit, under one key: starts and SMS sends (in Postgres, across instances), what one
   * client may spend per route family (`budgets`), requests waiting at once (`waiters`) and the
   * queue in front of the database (`admission`).
   * @example limits: { starts: { perPhone: { limit: 5, windowSeconds: 600 } }, budgets: false }
   * @default PHONE_CALL_AUTH_DEFAULTS.limits
   */
  limits?: PhoneCallAuthLimits;
  /**
   * The channels clients may ask for in `POST /verifications` (`channel`). Each must be served by at
   * least one provider (its `channels`). @default PHONE_CALL_AUTH_DEFAULTS.channels (['call'])
   */
  channels?: VerificationChannel[];
  /** The channel of a start that names none; one of `channels`. @default PHONE_CALL_AUTH_DEFAULTS.defaultChannel ('call') */
  defaultChannel?: VerificationChannel;
  /** SMS codes. @default PHONE_CALL_AUTH_DEFAULTS.sms */
  sms?: PhoneCallAuthSmsOptions;
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
