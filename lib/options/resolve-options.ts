import type { VerificationChannel } from '../core/verification-state.js';
import { Logger } from '@nestjs/common';
import { CountryCode, isSupportedCountry, type PhoneNumberType } from 'libphonenumber-js/max';
import { configSeconds, MAX_LIFETIME_SECONDS } from './option-checks.js';
import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';
import type {
  ClientBudgetRule,
  PhoneCallAuthAdmissionOptions,
  PhoneCallAuthClientBudgets,
  PhoneCallAuthOptions,
  PhoneCallAuthRouting,
  PhoneCallAuthStatusPollingOptions,
  GlobalBudgetMode,
  GlobalBudgetRule,
  PhoneCallAuthPhonePolicy,
  PhoneCallSubject,
  RateLimitRule,
} from './phone-call-auth-options.interface.js';
import type { E164 } from '../phone/phone-number.js';
import type { TelephonyProvider } from '../providers/telephony-provider.interface.js';
import { PHONE_CALL_AUTH_DEFAULTS as DEFAULTS } from './phone-call-auth.defaults.js';
import { resolveCallbacks } from './resolve-callbacks.js';
import { resolveDatabaseOptions } from './resolve-database-options.js';
import { resolveJwtOptions } from './resolve-jwt-options.js';
import type { ResolvedPhoneCallAuthOptions } from './resolved-options.interface.js';
import { isLocale } from '../i18n/accept-language.js';
import { mergeMessages, PHONE_CALL_AUTH_LOCALES, type PhoneCallAuthMessages } from '../i18n/messages.js';
import type { PhoneCallAuthSmsOptions } from './phone-call-auth-options.interface.js';

/**
 * The default `resolveSubject`: the number is the JWT `sub`. It cannot fail, so a redeem signs the
 * token after taking the verification, in one statement (see `VerificationService.redeem`).
 */
export const subjectIsPhone = (phone: E164): PhoneCallSubject<object> => ({ sub: phone });

const CHANNELS: VerificationChannel[] = ['call', 'sms', 'call_or_sms'];

/** The channels a provider serves: its `channels` (default `call`), the SMS ones only with `sendCode`. */
function servedBy(provider: TelephonyProvider): VerificationChannel[] {
  return (provider.channels ?? ['call']).filter(
    (channel) => channel === 'call' || typeof provider.sendCode === 'function',
  );
}

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
  const served = new Set(providers.flatMap(servedBy));
  const unserved = list.filter((channel) => !served.has(channel));
  if (unserved.length > 0) {
    const each = providers.map((provider) => `${provider.name} serves ${servedBy(provider).join(', ')}`).join('; ');
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

function sms(options: PhoneCallAuthSmsOptions | undefined): ResolvedPhoneCallAuthOptions['sms'] {
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

function rateLimitRule(
  name: string,
  rule: RateLimitRule | false | undefined,
  fallback: RateLimitRule,
  path = name.includes('.') ? name : `rateLimits.${name}`,
) {
  if (rule === false) return false;
  const resolved = rule ?? fallback;
  if (!Number.isInteger(resolved.limit) || resolved.limit < 1) {
    throw new PhoneCallAuthConfigError(`${path}.limit must be a whole number from 1, or ${path} false.`);
  }
  return {
    limit: resolved.limit,
    windowSeconds: configSeconds(`${path}.windowSeconds`, resolved.windowSeconds, 0, 86400),
  };
}

const GLOBAL_BUDGET_MODES: readonly GlobalBudgetMode[] = ['alarm', 'wall'];

function globalBudget(rule: GlobalBudgetRule | false | undefined) {
  const resolved = rateLimitRule('global', rule, DEFAULTS.rateLimits.global);
  if (!resolved) return false;
  const mode: GlobalBudgetMode = (rule ? rule.mode : undefined) ?? DEFAULTS.rateLimits.global.mode;
  if (!GLOBAL_BUDGET_MODES.includes(mode)) {
    throw new PhoneCallAuthConfigError(
      `rateLimits.global.mode must be 'alarm' (log and report, starts go on) or 'wall' (429 once spent), got "${String(mode)}".`,
    );
  }
  return { ...resolved, mode };
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
    countries: policy.countries?.map((code) => country('phonePolicy.countries', code)),
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

function country(name: string, code: unknown): CountryCode {
  if (typeof code !== 'string' || !isSupportedCountry(code)) {
    throw new PhoneCallAuthConfigError(`${name} must be ISO 3166-1 alpha-2 codes such as 'RU', got "${String(code)}".`);
  }
  return code;
}

/** A whole number from 1 (or the fallback when not given). */
function count(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1) {
    throw new PhoneCallAuthConfigError(`${name} must be a whole number from 1, got ${String(value)}.`);
  }
  return result;
}

function budgetRule(name: string, rule: ClientBudgetRule | false | undefined, fallback: ClientBudgetRule) {
  if (rule === false) return false;
  const { burst, perSecond } = rule ?? fallback;
  if (!Number.isInteger(burst) || burst < 1 || !(typeof perSecond === 'number' && perSecond > 0)) {
    throw new PhoneCallAuthConfigError(
      `clientBudgets.${name} must be { burst: a whole number from 1, perSecond: a number above 0 }, or false.`,
    );
  }
  return { burst, perSecond };
}

function clientBudgets(
  budgets: PhoneCallAuthClientBudgets | false | undefined,
): ResolvedPhoneCallAuthOptions['clientBudgets'] {
  if (budgets === false) return false;
  const fallback = DEFAULTS.clientBudgets;
  return {
    start: budgetRule('start', budgets?.start, fallback.start),
    poll: budgetRule('poll', budgets?.poll, fallback.poll),
    refresh: budgetRule('refresh', budgets?.refresh, fallback.refresh),
    callback: budgetRule('callback', budgets?.callback, fallback.callback),
    networkFactor: count('clientBudgets.networkFactor', budgets?.networkFactor, fallback.networkFactor),
  };
}

function admission(
  options: PhoneCallAuthAdmissionOptions | false | undefined,
): ResolvedPhoneCallAuthOptions['admission'] {
  if (options === false) return false;
  const fallback = DEFAULTS.admission;
  return {
    maxConcurrent:
      options?.maxConcurrent === undefined ? undefined : count('admission.maxConcurrent', options.maxConcurrent, 1),
    maxQueuedPriority: count('admission.maxQueuedPriority', options?.maxQueuedPriority, fallback.maxQueuedPriority),
    maxQueuedPolling: count('admission.maxQueuedPolling', options?.maxQueuedPolling, fallback.maxQueuedPolling),
    queueTimeoutMs: count('admission.queueTimeoutMs', options?.queueTimeoutMs, fallback.queueTimeoutMs),
  };
}

const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/i;

function isProvider(provider: unknown): provider is TelephonyProvider {
  const candidate = provider as TelephonyProvider | undefined;
  return (
    !!candidate &&
    typeof candidate.name === 'string' &&
    typeof candidate.requestCall === 'function' &&
    typeof candidate.parseInboundCall === 'function'
  );
}

/** `provider` or `providers`, checked: adapters with distinct names fit for a URL path. */
function resolveProviders(options: PhoneCallAuthOptions): {
  providers: TelephonyProvider[];
  provider: TelephonyProvider;
} {
  const providers = options.providers ?? (options.provider ? [options.provider] : []);
  if (options.providers && options.provider) {
    throw new PhoneCallAuthConfigError('give provider (one platform) or providers (several), not both.');
  }
  if (!Array.isArray(providers) || providers.length === 0 || !providers.every(isProvider)) {
    throw new PhoneCallAuthConfigError(
      'provider must be a TelephonyProvider, e.g. new SsmsProvider({ apiKey }) or, in tests, fakePlatform.provider() ' +
        '(or providers a non-empty array of them).',
    );
  }
  const names = new Set<string>();
  for (const { name } of providers) {
    if (!PROVIDER_NAME.test(name)) {
      throw new PhoneCallAuthConfigError(
        `provider name "${name}" must be 1..32 letters, digits, - or _ (it is part of the callback path).`,
      );
    }
    if (names.has(name)) {
      throw new PhoneCallAuthConfigError(
        `two providers are named "${name}": give each a name of its own (the adapters take a name option).`,
      );
    }
    names.add(name);
  }
  return { providers, provider: providers.find((each) => each.name === 'ssms') ?? providers[0] };
}

function resolveRouting(
  routing: PhoneCallAuthRouting | undefined,
  providers: TelephonyProvider[],
): ResolvedPhoneCallAuthOptions['routing'] {
  const byName = new Map(providers.map((each) => [each.name, each]));
  const pick = (where: string, names: unknown): TelephonyProvider[] => {
    if (!Array.isArray(names) || names.length === 0) {
      throw new PhoneCallAuthConfigError(`routing.${where} must be a non-empty array of provider names.`);
    }
    return names.map((name) => {
      const found = byName.get(String(name));
      if (!found) {
        throw new PhoneCallAuthConfigError(
          `routing.${where} names "${String(name)}", which is not in providers; the names are ${[...byName.keys()].join(', ')}.`,
        );
      }
      return found;
    });
  };
  const byCountry: ResolvedPhoneCallAuthOptions['routing']['byCountry'] = {};
  for (const [code, names] of Object.entries(routing?.byCountry ?? {})) {
    byCountry[country('routing.byCountry keys', code)] = pick(`byCountry.${code}`, names);
  }
  return { byCountry, default: routing?.default === undefined ? providers : pick('default', routing.default) };
}

function resolvePublicBaseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash) {
    throw new PhoneCallAuthConfigError(
      `publicBaseUrl must be an http(s) URL without query, e.g. 'https://api.example.com', got "${value}".`,
    );
  }
  return value.replace(/\/+$/, '');
}

function statusPolling(
  options: PhoneCallAuthStatusPollingOptions | false | undefined,
): ResolvedPhoneCallAuthOptions['statusPolling'] {
  if (options === false) return false;
  const fallback = DEFAULTS.statusPolling;
  return {
    intervalSeconds: configSeconds(
      'statusPolling.intervalSeconds',
      options?.intervalSeconds,
      fallback.intervalSeconds,
      3600,
    ),
    batchSize: count('statusPolling.batchSize', options?.batchSize, fallback.batchSize),
  };
}

/** Validates the options and applies the defaults; both forRoot and forRootAsync pass through here. */
export function resolvePhoneCallAuthOptions(
  options: PhoneCallAuthOptions,
  routePrefix: string = DEFAULTS.routePrefix,
): ResolvedPhoneCallAuthOptions {
  if (!options || typeof options !== 'object') {
    throw new PhoneCallAuthConfigError('options are required: { provider (or providers), callbackSecret, jwt }.');
  }
  const { providers, provider } = resolveProviders(options);
  const callbacks = resolveCallbacks(providers, options.callbackSecret, options.callbacks, options.callbackAllowlist);
  const defaultCountry = country('defaultCountry', options.defaultCountry ?? DEFAULTS.defaultCountry);
  for (const hook of ['resolveSubject', 'onVerified', 'beforeVerify'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new PhoneCallAuthConfigError(`${hook} must be a function.`);
    }
  }
  const requested = configSeconds('windowSeconds', options.windowSeconds, DEFAULTS.windowSeconds, MAX_LIFETIME_SECONDS);
  const windows: Record<string, number> = {};
  for (const each of providers) {
    const limits = each.windowLimits;
    windows[each.name] = limits ? Math.min(Math.max(requested, limits.min), limits.max) : requested;
    if (windows[each.name] !== requested) {
      new Logger('PhoneCallAuthModule').warn(
        `windowSeconds ${requested} is outside what ${each.name} accepts (${limits?.min}..${limits?.max}); using ${windows[each.name]} for it.`,
      );
    }
  }
  const publicBaseUrl = resolvePublicBaseUrl(options.publicBaseUrl);
  const callbackPath = `/${routePrefix.replace(/^\/+|\/+$/g, '')}/callback`;
  const needing = providers.find((each) => each.capabilities?.needsPublicUrl);
  if (needing && !publicBaseUrl) {
    throw new PhoneCallAuthConfigError(
      `publicBaseUrl is required by the ${needing.name} provider (it signs or is given the full callback URL): ` +
        "set it to the URL the platform calls the app at, e.g. publicBaseUrl: 'https://api.example.com'.",
    );
  }
  return {
    provider,
    providers,
    routing: resolveRouting(options.routing, providers),
    windows,
    publicBaseUrl,
    callbackPath,
    callbackBaseUrl: publicBaseUrl && `${publicBaseUrl}${callbackPath}`,
    statusPolling: statusPolling(options.statusPolling),
    callbacks,
    jwt: resolveJwtOptions(options.jwt),
    redeemSeconds: configSeconds('redeemSeconds', options.redeemSeconds, DEFAULTS.redeemSeconds, MAX_LIFETIME_SECONDS),
    defaultCountry,
    resolveSubject: options.resolveSubject ?? subjectIsPhone,
    onVerified: options.onVerified,
    beforeVerify: options.beforeVerify,
    rateLimits: {
      perPhone: rateLimitRule('perPhone', options.rateLimits?.perPhone, DEFAULTS.rateLimits.perPhone),
      perIp: rateLimitRule('perIp', options.rateLimits?.perIp, DEFAULTS.rateLimits.perIp),
      perSubnet: rateLimitRule('perSubnet', options.rateLimits?.perSubnet, DEFAULTS.rateLimits.perSubnet),
      global: globalBudget(options.rateLimits?.global),
    },
    phonePolicy: phonePolicy(options.phonePolicy),
    allowedOrigins: allowedOrigins(options.allowedOrigins),
    ...channels(providers, options.channels, options.defaultChannel),
    sms: sms(options.sms),
    smsLimits: {
      perPhone: rateLimitRule('smsLimits.perPhone', options.smsLimits?.perPhone, DEFAULTS.smsLimits.perPhone),
      perIp: rateLimitRule('smsLimits.perIp', options.smsLimits?.perIp, DEFAULTS.smsLimits.perIp),
      global: rateLimitRule('smsLimits.global', options.smsLimits?.global, DEFAULTS.smsLimits.global),
    },
    defaultLocale: locale(options.defaultLocale),
    messages: messages(options),
    siteName: siteName(options.siteName),
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
    maxWaiters: count('maxWaiters', options.maxWaiters, DEFAULTS.maxWaiters),
    maxWaitersPerVerification: count(
      'maxWaitersPerVerification',
      options.maxWaitersPerVerification,
      DEFAULTS.maxWaitersPerVerification,
    ),
    maxWaitersPerAddress: count('maxWaitersPerAddress', options.maxWaitersPerAddress, DEFAULTS.maxWaitersPerAddress),
    clientBudgets: clientBudgets(options.clientBudgets),
    admission: admission(options.admission),
    ...resolveDatabaseOptions(options),
  };
}
