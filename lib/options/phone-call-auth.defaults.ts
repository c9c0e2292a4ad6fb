/**
 * Every default of {@link PhoneCallAuthOptions}, in one place: option resolution applies these,
 * the options' JSDoc `@default` tags and the docs quote them.
 *
 * @example
 * PhoneCallAuthModule.forRoot({ ..., windowSeconds: PHONE_CALL_AUTH_DEFAULTS.windowSeconds * 2 })
 */
export const PHONE_CALL_AUTH_DEFAULTS = {
  /** Prefix of the module's routes. */
  routePrefix: 'auth/phone-call',
  /** Seconds the platform waits for the call. */
  windowSeconds: 120,
  /** Seconds a verified verification can still be exchanged for a token. */
  redeemSeconds: 300,
  /** Country of numbers written without a country code. */
  defaultCountry: 'RU',
  /** Numbers that place ordinary calls, of a country: no premium-rate, toll-free, VoIP, satellite... */
  phonePolicy: {
    numberTypes: ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE'],
    nonGeographic: false,
    mobileOnly: false,
  },
  /** Origins, besides the app's own, whose pages may start verifications. */
  allowedOrigins: [],
  /** The channels clients may ask for, and the one a start without `channel` gets. */
  channels: ['call'],
  defaultChannel: 'call',
  /** The language of texts when the request names none the module speaks (no `locale`, no matching `Accept-Language`). */
  defaultLocale: 'ru',
  /** SMS codes: digits, and wrong entries before the verification fails. */
  sms: { codeLength: 6, maxAttempts: 5 },
  /** How often pending verifications on platforms that can be polled (sms.ru) are asked about (each by one instance at a time), and how many per round. */
  statusPolling: { intervalSeconds: 15, batchSize: 50 },
  /** Retention of finished verifications and call records, and how often the purge runs. */
  purge: { retentionSeconds: 86400, intervalSeconds: 600 },
  /** Every limit (`limits`), grouped as in the options. */
  limits: {
    /** Verification starts, in Postgres. */
    starts: {
      perPhone: { limit: 3, windowSeconds: 600 },
      perAddress: { limit: 10, windowSeconds: 600 },
      /** Per IPv4 /24 and IPv6 /48: three addresses' worth, so a carrier NAT's neighbours still get through. */
      perNetwork: { limit: 30, windowSeconds: 600 },
      /** An alarm, not a wall: the platform bills only delivered calls. */
      global: { limit: 100, windowSeconds: 60, mode: 'alarm' },
    },
    /**
     * Hard limits of SMS sends (channels `sms` and `call_or_sms`), on top of `starts`: per phone
     * (whoever asks), per client address, and across the app. SMS is billed per message sent.
     */
    sms: {
      perPhone: { limit: 3, windowSeconds: 3600 },
      perAddress: { limit: 5, windowSeconds: 3600 },
      global: { limit: 100, windowSeconds: 3600 },
    },
    /**
     * The SMS fraud guard, per destination prefix (`+`, the country calling code and 3 digits): a
     * prefix sent 30 SMS over the last one to two hours of which fewer than 20% were entered is
     * blocked for SMS for an hour. Real people enter most codes; a pumped range enters none.
     */
    fraudGuard: { minSends: 30, conversionBelow: 0.2, windowSeconds: 3600, blockSeconds: 3600, prefixDigits: 3 },
    /** What one client may spend per route family, in each instance's memory. */
    budgets: {
      start: { burst: 10, perSecond: 0.2 },
      poll: { burst: 60, perSecond: 5 },
      refresh: { burst: 10, perSecond: 1 },
      callback: { burst: 10, perSecond: 0.2 },
      networkFactor: 8,
    },
    /** Requests that may wait at once (long-polls, event streams). */
    waiters: { perInstance: 10_000, perVerification: 3, perAddress: 50 },
    /** The queue in front of the module's database work. */
    admission: { maxQueuedPriority: 200, maxQueuedPolling: 100, queueTimeoutMs: 2000 },
    /** Refused starts counted in memory for the dashboard, written a batch at a time. */
    refusalTally: { maxKeys: 1000, flushSeconds: 30 },
  },
  /** Named prepared statements for the hot paths, unless the pool goes through a connection pooler. */
  preparedStatements: 'auto',
  jwt: {
    issuer: 'nestjs-phone-call-auth',
    audience: 'phone-call-auth',
    /** Access-token lifetime. */
    expiresInSeconds: 900,
    /** Absolute lifetime of a refresh-token family (7 days). */
    refreshTokenLifetimeSeconds: 7 * 86400,
    /** How long after its first use a refresh token may be exchanged again (a double submit, a retry) without revoking its family. */
    refreshTokenGraceSeconds: 15,
  },
} as const;
