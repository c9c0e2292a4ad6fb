import type { PhoneCallAuthOptions } from './phone-call-auth-options.interface.js';

/**
 * Relaxed limits for local development and tests, where one developer on one address starts and
 * polls far more often than a person would: spread it into the options, and override what you
 * test. Never in production: the defaults (`PHONE_CALL_AUTH_DEFAULTS.limits`) are what bounds
 * abuse there.
 *
 * @example
 * PhoneCallAuthModule.forRoot({ ...options, ...PHONE_CALL_AUTH_DEVELOPMENT_LIMITS })
 * @example
 * // Override one group, keep the rest relaxed:
 * limits: { ...PHONE_CALL_AUTH_DEVELOPMENT_LIMITS.limits, sms: { perPhone: { limit: 1, windowSeconds: 3600 } } }
 */
export const PHONE_CALL_AUTH_DEVELOPMENT_LIMITS = {
  limits: {
    starts: {
      perPhone: { limit: 100, windowSeconds: 600 },
      perAddress: { limit: 1000, windowSeconds: 600 },
      perNetwork: { limit: 1000, windowSeconds: 600 },
      global: { limit: 1000, windowSeconds: 60, mode: 'alarm' },
    },
    sms: {
      perPhone: { limit: 100, windowSeconds: 3600 },
      perAddress: { limit: 1000, windowSeconds: 3600 },
      global: { limit: 1000, windowSeconds: 3600 },
    },
    budgets: {
      start: { burst: 100, perSecond: 10 },
      poll: { burst: 1000, perSecond: 100 },
      refresh: { burst: 100, perSecond: 10 },
      callback: { burst: 100, perSecond: 10 },
    },
  },
} as const satisfies Pick<PhoneCallAuthOptions, 'limits'>;
