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
  /** Limits of verification starts. */
  rateLimits: {
    perPhone: { limit: 3, windowSeconds: 600 },
    perIp: { limit: 10, windowSeconds: 600 },
    global: { limit: 100, windowSeconds: 60 },
  },
  phonePolicy: { mobileOnly: false },
  /** How often pending verifications on platforms that can be polled (sms.ru) are asked about, by one instance at a time, and how many per round. */
  statusPolling: { intervalSeconds: 15, batchSize: 50 },
  /** Retention of finished verifications and call records, and how often the purge runs. */
  purge: { retentionSeconds: 86400, intervalSeconds: 600 },
  /** Requests that may wait at once on an instance (long-polls, event streams). */
  maxWaiters: 10_000,
  maxWaitersPerVerification: 3,
  maxWaitersPerAddress: 50,
  /** Per client address and route family, in each instance's memory. */
  clientBudgets: {
    start: { burst: 10, perSecond: 0.2 },
    poll: { burst: 60, perSecond: 5 },
    refresh: { burst: 10, perSecond: 1 },
    callback: { burst: 10, perSecond: 0.2 },
    networkFactor: 8,
  },
  /** The queue in front of the module's database work. */
  admission: { maxQueuedPriority: 200, maxQueuedPolling: 100, queueTimeoutMs: 2000 },
  jwt: {
    issuer: 'nestjs-phone-call-auth',
    audience: 'phone-call-auth',
    /** Access-token lifetime. */
    expiresInSeconds: 900,
    /** Absolute lifetime of a refresh-token family (7 days). */
    refreshTokenLifetimeSeconds: 7 * 86400,
  },
} as const;
