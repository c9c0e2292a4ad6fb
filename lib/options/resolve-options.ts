import type { VerificationChannel } from '../core/verification-state.js';
import { type PhoneNumberType } from 'libphonenumber-js/max';
import { configCountry, configSeconds, MAX_LIFETIME_SECONDS } from './option-checks.js';
import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';
import type {
  PhoneCallAuthOptions,
  PhoneCallAuthPhonePolicy,
  PhoneCallAuthSmsOptions,
  PhoneCallSubject,
} from './phone-call-auth-options.interface.js';
import type { E164 } from '../phone/phone-number.js';
import type { TelephonyProvider } from '../providers/telephony-provider.interface.js';
import { PHONE_CALL_AUTH_DEFAULTS as DEFAULTS } from './phone-call-auth.defaults.js';
import { resolveDatabaseOptions } from './resolve-database-options.js';
import { resolveJwtOptions } from './resolve-jwt-options.js';
import { resolveLimits } from './resolve-limits.js';
import { channelsServedBy, resolvePlatforms } from './resolve-platforms.js';
import type { ResolvedPhoneCallAuthOptions, ResolvedVerificationOptions } from './resolved-options.interface.js';
import { isLocale } from '../i18n/accept-language.js';
import { mergeMessages, PHONE_CALL_AUTH_LOCALES, type PhoneCallAuthMessages } from '../i18n/messages.js';

/**
 * The default `resolveSubject`: the number is the JWT `sub`. It cannot fail, so a redeem signs the
 * token after taking the verification, in one statement (see `VerificationService.redeem`).
 */
export const subjectIsPhone = (phone: E164): PhoneCallSubject<object> => ({ sub: phone });

const CHANNELS: VerificationChannel[] = ['call', 'sms', 'call_or_sms'];

/** The allowed channels and the default one, each served by at least one provider. */
function channels(
  providers: TelephonyProvider[],
  allowed: VerificationChannel[] | undefined,
  fallback: VerificationChannel | undefined,
): { channels: VerificationChannel[]; defaultChannel: VerificationChannel } {
  const list = allowed ?? [...DEFAULTS.channels];
  if (!Array.isArray(list) || list.length === 0 || list.some((channel) => !CHANNELS.includes(channel))) {
    throw new PhoneCallAuthConfigError(`channels must be a non-empty list of ${CHANNELS.join(', ')}.`);
  }
  const served = new Set(providers.flatMap(channelsServedBy));
  const unserved = list.filter((channel) => !served.has(channel));
  if (unserved.length > 0) {
    const each = providers
      .map((provider) => `${provider.name} serves ${channelsServedBy(provider).join(', ')}`)
      .join('; ');
    throw new PhoneCallAuthConfigError(
      `channels lists ${unserved.join(', ')}, which no provider can serve (${each}): remove them from channels, or add a provider that sends SMS.`,
    );
  }
  const defaultChannel = fallback ?? (list.includes(DEFAULTS.defaultChannel) ? DEFAULTS.defaultChannel : list[0]);
  if (!list.includes(defaultChannel)) {
    throw new PhoneCallAuthConfigError(
      `defaultChannel "${String(defaultChannel)}" must be one of channels (${list.join(', ')}).`,
    );
  }
  return { channels: [...list], defaultChannel };
}

function sms(options: PhoneCallAuthSmsOptions | undefined): ResolvedVerificationOptions['sms'] {
  const codeLength = options?.codeLength ?? DEFAULTS.sms.codeLength;
  if (!Number.isInteger(codeLength) || codeLength < 4 || codeLength > 8) {
    throw new PhoneCallAuthConfigError(`sms.codeLength must be a whole number from 4 to 8, got ${String(codeLength)}.`);
  }
  const maxAttempts = options?.maxAttempts ?? DEFAULTS.sms.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) {
    throw new PhoneCallAuthConfigError(
      `sms.maxAttempts must be a whole number from 1 to 10, got ${String(maxAttempts)}.`,
    );
  }
  const senderName = options?.senderName;
  if (
    senderName !== undefined &&
    (typeof senderName !== 'string' || senderName.length === 0 || senderName.length > 64)
  ) {
    throw new PhoneCallAuthConfigError(
      'sms.senderName must be the sender name registered with the platform (1..64 characters), or left out.',
    );
  }
  return { codeLength, maxAttempts, senderName };
}

function messages(
  options: PhoneCallAuthOptions,
): Record<(typeof PHONE_CALL_AUTH_LOCALES)[number], PhoneCallAuthMessages> {
  const overrides = options.messages ?? {};
  for (const locale of Object.keys(overrides)) {
    if (!isLocale(locale)) {
      throw new PhoneCallAuthConfigError(
        `messages has locale "${locale}"; the locales are ${PHONE_CALL_AUTH_LOCALES.join(', ')}.`,
      );
    }
  }
  const merged = mergeMessages(overrides);
  for (const locale of PHONE_CALL_AUTH_LOCALES) {
    for (const [name, text] of Object.entries(merged[locale])) {
      if (typeof text !== 'string' || text.trim() === '') {
        throw new PhoneCallAuthConfigError(`messages.${locale}.${name} must be a non-empty text.`);
      }
    }
    if (!merged[locale].smsText.includes('{code}')) {
      throw new PhoneCallAuthConfigError(
        `messages.${locale}.smsText must hold the {code} placeholder, or the SMS carries no code.`,
      );
    }
  }
  return merged;
}

/** Every type libphonenumber-js can give a number. */
const NUMBER_TYPES: readonly PhoneNumberType[] = [
  'MOBILE',
  'FIXED_LINE',
  'FIXED_LINE_OR_MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

function phonePolicy(policy: PhoneCallAuthPhonePolicy = {}) {
  const numberTypes = policy.numberTypes ?? DEFAULTS.phonePolicy.numberTypes;
  if (
    numberTypes !== 'any' &&
    (!Array.isArray(numberTypes) || numberTypes.length === 0 || numberTypes.some((t) => !NUMBER_TYPES.includes(t)))
  ) {
    throw new PhoneCallAuthConfigError(
      `phonePolicy.numberTypes must be 'any' or a non-empty list of ${NUMBER_TYPES.join(', ')}; got ${JSON.stringify(numberTypes)}.`,
    );
  }
  for (const flag of ['nonGeographic', 'mobileOnly'] as const) {
    if (policy[flag] !== undefined && typeof policy[flag] !== 'boolean') {
      throw new PhoneCallAuthConfigError(`phonePolicy.${flag} must be true or false.`);
    }
  }
  return {
    numberTypes: numberTypes === 'any' ? undefined : [...numberTypes],
    nonGeographic: policy.nonGeographic ?? DEFAULTS.phonePolicy.nonGeographic,
    mobileOnly: policy.mobileOnly ?? DEFAULTS.phonePolicy.mobileOnly,
    countries: policy.countries?.map((code) => configCountry('phonePolicy.countries', code)),
  };
}

function allowedOrigins(entries: string[] = [...DEFAULTS.allowedOrigins]): ReadonlySet<string> {
  if (!Array.isArray(entries)) {
    throw new PhoneCallAuthConfigError(
      "allowedOrigins must be an array of origins such as ['https://www.example.com'].",
    );
  }
  return new Set(
    entries.map((entry) => {
      let origin: string | undefined;
      try {
        origin = new URL(String(entry)).origin;
      } catch {
        origin = undefined;
      }
      if (!origin || origin === 'null' || origin !== String(entry).toLowerCase()) {
        throw new PhoneCallAuthConfigError(
          `allowedOrigins entry "${String(entry)}" is not an origin: write scheme://host[:port] with no path or trailing slash, e.g. https://www.example.com.`,
        );
      }
      return origin;
    }),
  );
}

function siteName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || !/^[^\p{Cc}]{1,100}$/u.test(name) || name.trim() !== name) {
    throw new PhoneCallAuthConfigError(
      "siteName must be the site's name as people know it, 1 to 100 characters on one line, e.g. 'example.com'.",
    );
  }
  return name;
}

function locale(value: unknown) {
  const resolved = value ?? DEFAULTS.defaultLocale;
  if (!isLocale(resolved)) {
    throw new PhoneCallAuthConfigError(
      `defaultLocale must be one of ${PHONE_CALL_AUTH_LOCALES.join(', ')}, got "${String(value)}".`,
    );
  }
  return resolved;
}

/** The floor of `purge.retentionSeconds`. */
const MIN_RETENTION_SECONDS = 3600;

function retention(value: number | undefined): number {
  const seconds = configSeconds('purge.retentionSeconds', value, DEFAULTS.purge.retentionSeconds, 30 * 86400);
  if (seconds < MIN_RETENTION_SECONDS) {
    throw new PhoneCallAuthConfigError(
      `purge.retentionSeconds must be at least ${MIN_RETENTION_SECONDS}: call records are needed that long to recognise a repeated call.`,
    );
  }
  return seconds;
}

/** Options removed from earlier versions, and what to write instead. */
const REMOVED: Record<string, string> = {
  provider: 'write providers: [provider] (the platforms, in order of preference)',
  rateLimits: 'write limits: { starts } (perIp is now perAddress, perSubnet perNetwork)',
  smsLimits: 'write limits: { sms } (perIp is now perAddress)',
  clientBudgets: 'write limits: { budgets }',
  admission: 'write limits: { admission }',
  maxWaiters: 'write limits: { waiters: { perInstance } }',
  maxWaitersPerVerification: 'write limits: { waiters: { perVerification } }',
  maxWaitersPerAddress: 'write limits: { waiters: { perAddress } }',
};

/**
 * Validates the options and applies the defaults, once, at startup; both forRoot and forRootAsync
 * pass through here. The result is cut into one slice per concern (see option-slices.ts).
 */
export function resolvePhoneCallAuthOptions(
  options: PhoneCallAuthOptions,
  routePrefix: string = DEFAULTS.routePrefix,
): ResolvedPhoneCallAuthOptions {
  if (!options || typeof options !== 'object') {
    throw new PhoneCallAuthConfigError('options are required: { providers, callbackSecret, jwt }.');
  }
  // Fails loudly rather than leave the app on defaults it did not ask for.
  const given = options as unknown as Record<string, unknown>;
  for (const [name, instead] of Object.entries(REMOVED)) {
    if (given[name] !== undefined) throw new PhoneCallAuthConfigError(`${name} was removed: ${instead}.`);
  }
  const platforms = resolvePlatforms(options, routePrefix);
  for (const hook of ['resolveSubject', 'onVerified', 'beforeVerify', 'onNumberChange'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new PhoneCallAuthConfigError(`${hook} must be a function.`);
    }
  }
  return {
    platforms,
    verification: {
      defaultCountry: configCountry('defaultCountry', options.defaultCountry ?? DEFAULTS.defaultCountry),
      phonePolicy: phonePolicy(options.phonePolicy),
      ...channels(platforms.providers, options.channels, options.defaultChannel),
      sms: sms(options.sms),
      redeemSeconds: configSeconds(
        'redeemSeconds',
        options.redeemSeconds,
        DEFAULTS.redeemSeconds,
        MAX_LIFETIME_SECONDS,
      ),
    },
    hooks: {
      resolveSubject: options.resolveSubject ?? subjectIsPhone,
      onVerified: options.onVerified,
      beforeVerify: options.beforeVerify,
      onNumberChange: options.onNumberChange,
    },
    texts: {
      defaultLocale: locale(options.defaultLocale),
      messages: messages(options),
      siteName: siteName(options.siteName),
    },
    http: { allowedOrigins: allowedOrigins(options.allowedOrigins) },
    limits: resolveLimits(options.limits),
    jwt: resolveJwtOptions(options.jwt),
    database: {
      ...resolveDatabaseOptions(options),
      purge:
        options.purge === false
          ? false
          : {
              retentionSeconds: retention(options.purge?.retentionSeconds),
              intervalSeconds: configSeconds(
                'purge.intervalSeconds',
                options.purge?.intervalSeconds,
                DEFAULTS.purge.intervalSeconds,
                86400,
              ),
            },
    },
  };
}
