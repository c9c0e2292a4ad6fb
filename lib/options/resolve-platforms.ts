import { Logger } from '@nestjs/common';
import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';
import type { VerificationChannel } from '../core/verification-state.js';
import type { TelephonyProvider } from '../providers/telephony-provider.interface.js';
import { configCount, configCountry, configSeconds, MAX_LIFETIME_SECONDS } from './option-checks.js';
import type {
  PhoneCallAuthOptions,
  PhoneCallAuthRouting,
  PhoneCallAuthStatusPollingOptions,
} from './phone-call-auth-options.interface.js';
import { PHONE_CALL_AUTH_DEFAULTS as DEFAULTS } from './phone-call-auth.defaults.js';
import { resolveCallbacks } from './resolve-callbacks.js';
import type { ResolvedPlatforms } from './resolved-options.interface.js';

/** The channels a provider serves: its `channels` (default `call`), the SMS ones only with `sendCode`. */
export function channelsServedBy(provider: TelephonyProvider): VerificationChannel[] {
  return (provider.channels ?? ['call']).filter(
    (channel) => channel === 'call' || typeof provider.sendCode === 'function',
  );
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

/** `providers`, checked: adapters with distinct names fit for a URL path. */
function resolveProviders(providers: unknown): TelephonyProvider[] {
  if (!Array.isArray(providers) || providers.length === 0 || !providers.every(isProvider)) {
    throw new PhoneCallAuthConfigError(
      'providers must be a non-empty array of TelephonyProviders, in order of preference, e.g. ' +
        '[new SsmsProvider({ apiKey })] or, in tests, [fakePlatform.provider()].',
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
  return providers;
}

function resolveRouting(
  routing: PhoneCallAuthRouting | undefined,
  providers: TelephonyProvider[],
): ResolvedPlatforms['routing'] {
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
  const byCountry: ResolvedPlatforms['routing']['byCountry'] = {};
  for (const [code, names] of Object.entries(routing?.byCountry ?? {})) {
    byCountry[configCountry('routing.byCountry keys', code)] = pick(`byCountry.${code}`, names);
  }
  return { byCountry, default: routing?.default === undefined ? providers : pick('default', routing.default) };
}

/** The window asked of each provider: `windowSeconds`, clamped to what the provider accepts. */
function windows(providers: TelephonyProvider[], windowSeconds: number | undefined): Record<string, number> {
  const requested = configSeconds('windowSeconds', windowSeconds, DEFAULTS.windowSeconds, MAX_LIFETIME_SECONDS);
  const result: Record<string, number> = {};
  for (const each of providers) {
    const limits = each.windowLimits;
    result[each.name] = limits ? Math.min(Math.max(requested, limits.min), limits.max) : requested;
    if (result[each.name] !== requested) {
      new Logger('PhoneCallAuthModule').warn(
        `windowSeconds ${requested} is outside what ${each.name} accepts (${limits?.min}..${limits?.max}); using ${result[each.name]} for it.`,
      );
    }
  }
  return result;
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
): ResolvedPlatforms['statusPolling'] {
  if (options === false) return false;
  const fallback = DEFAULTS.statusPolling;
  return {
    intervalSeconds: configSeconds(
      'statusPolling.intervalSeconds',
      options?.intervalSeconds,
      fallback.intervalSeconds,
      3600,
    ),
    batchSize: configCount('statusPolling.batchSize', options?.batchSize, fallback.batchSize),
  };
}

/** The platforms' slice: providers, routing, windows, callbacks and the status poller. */
export function resolvePlatforms(options: PhoneCallAuthOptions, routePrefix: string): ResolvedPlatforms {
  const providers = resolveProviders(options.providers);
  const windowsByProvider = windows(providers, options.windowSeconds);
  const publicBaseUrl = resolvePublicBaseUrl(options.publicBaseUrl);
  const callbackPath = `/${routePrefix.replace(/^\/+|\/+$/g, '')}/callback`;
  const callbacks = resolveCallbacks(providers, options.callbackSecret, options.callbacks, options.callbackAllowlist, {
    callbackPath,
    publicBaseUrl,
  });
  const needing = providers.find((each) => each.capabilities?.needsPublicUrl);
  if (needing && !publicBaseUrl) {
    throw new PhoneCallAuthConfigError(
      `publicBaseUrl is required by the ${needing.name} provider (it signs or is given the full callback URL): ` +
        "set it to the URL the platform calls the app at, e.g. publicBaseUrl: 'https://api.example.com'.",
    );
  }
  return {
    providers,
    routing: resolveRouting(options.routing, providers),
    windows: windowsByProvider,
    publicBaseUrl,
    callbackPath,
    callbacks,
    statusPolling: statusPolling(options.statusPolling),
  };
}
