import type { LogLevel } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import {
  type GlobalBudgetMode,
  type GlobalBudgetRule,
  PHONE_CALL_AUTH_DEFAULTS,
  type PhoneCallAuthFraudGuardOptions,
  type PhoneCallAuthConnectionLimits,
  type PhoneCallAuthPhonePolicy,
  type PhoneCallAuthRefusalTally,
  type PhoneCallAuthSmsLimits,
  type PhoneCallAuthStartLimits,
  type PhoneCallAuthWaiterLimits,
  type RateLimitRule,
  type VerificationChannel,
} from 'nestjs-phone-call-auth';
import { loadSamplePlatforms, type SamplePlatform, type SamplePlatforms, sendsSms } from './sample.platforms.js';

/** The HTTP servers the sample app runs on (HTTP_ADAPTER). */
export type SampleHttpAdapter = 'express' | 'fastify';

const HTTP_ADAPTERS: readonly SampleHttpAdapter[] = ['express', 'fastify'];

/** Nest's log levels, most severe first: LOG_LEVEL=<level> keeps that level and the ones before it. */
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** The sample app's settings, read once from the environment; the platforms' are in {@link SamplePlatforms}. */
export interface SampleConfig extends SamplePlatforms {
  port: number;
  /** From PHONE_CALL_SMS_LIMIT_PER_PHONE, _PER_IP, _GLOBAL (`limits.sms`); unset ones keep the module's (or, on the fake platform, the development) limits. */
  smsLimits: PhoneCallAuthSmsLimits;
  /**
   * From PHONE_CALL_FRAUD_GUARD (`on`, the default, or `off`) and PHONE_CALL_FRAUD_GUARD_MIN_SENDS,
   * _CONVERSION (a share, e.g. 0.2), _WINDOW_SECONDS, _BLOCK_SECONDS, _PREFIX_DIGITS: the SMS fraud
   * guard (`limits.fraudGuard`); unset ones keep the module's defaults.
   */
  fraudGuard: PhoneCallAuthFraudGuardOptions | false;
  /** From PHONE_CALL_CLIENT_BUDGETS (`on` or `off`): the module's per-client budgets (`limits.budgets`). */
  budgets: boolean;
  /** From PHONE_CALL_ADMISSION (`on` or `off`): the module's admission control (`limits.admission`). */
  admission: boolean;
  /**
   * From PHONE_CALL_MAX_CONNECTIONS_PER_ADDRESS, PHONE_CALL_MAX_CONNECTIONS_PER_NETWORK and
   * PHONE_CALL_REFUSALS_BEFORE_HOLD (a number, or `off`; `limits.connections`); unset ones keep the
   * module's defaults. They act only while no proxy is trusted (TRUST_PROXY unset).
   */
  connections: PhoneCallAuthConnectionLimits;
  /** From PHONE_CALL_MAX_WAITERS, _PER_VERIFICATION, _PER_ADDRESS (`limits.waiters`); unset ones keep the module's defaults. */
  waiters: PhoneCallAuthWaiterLimits;
  /** From HTTP_ADAPTER: `express` (the default) or `fastify` (`@nestjs/platform-fastify`). */
  httpAdapter: SampleHttpAdapter;
  /** From LOG_LEVEL (default `log`): the levels Nest logs, that one and every more severe one. */
  logLevels: LogLevel[];
  /**
   * From LOG_FORMAT: `text` (the default, Nest's lines) or `json` (one JSON object per line, with
   * the module's `requestId`, `verificationId` and `provider` on its requests' lines).
   */
  logFormat: 'text' | 'json';
  /**
   * From HOST: the interface to listen on. Unset: 127.0.0.1 on the fake platform (its /dev routes
   * stay local), else all. Anything but loopback on the fake platform is refused unless
   * PHONE_CALL_FAKE_PLATFORM_PUBLIC=yes.
   */
  host: string;
  /**
   * From PHONE_CALL_FAKE_PLATFORM_PUBLIC (`yes` or `no`, the default): let the app listen beyond
   * loopback on the fake platform, whose /dev routes verify any number for whoever reaches them
   * (a demo on a network you trust). The app warns when it does.
   */
  fakePlatformPublic: boolean;
  /**
   * From TRUST_PROXY: whose `X-Forwarded-For` sets `request.ip`, the client address every limit
   * counts. Unset: no proxy is trusted (request.ip is the peer's address). Digits: the number of
   * proxy hops in front of the app. Otherwise a comma-separated list of addresses, CIDRs or
   * `loopback`, `linklocal`, `uniquelocal`. Applied as Express `trust proxy` or Fastify `trustProxy`.
   */
  trustProxy?: string | number;
  /** Postgres URL; unset means an embedded Postgres under `.data/`. */
  databaseUrl?: string;
  /**
   * Whether `statement_timeout` goes in the connections' startup parameters (TypeORM's `extra`):
   * only on the embedded Postgres. With DATABASE_URL the server may be behind PgBouncer, which
   * refuses it there: set it on the role (docs/operations.md), and the module warns when it is not.
   */
  statementTimeoutAtStartup: boolean;
  /** From DATABASE_LISTEN_URL: the module's `listenUrl`, a URL straight to Postgres for LISTEN (behind PgBouncer). */
  databaseListenUrl?: string;
  /** From DATABASE_PREPARED_STATEMENTS (`auto`, the default, `on` or `off`): the module's `preparedStatements`. */
  preparedStatements: boolean | 'auto';
  callbackSecret: string;
  callbackSecretGenerated: boolean;
  jwtSecret: string;
  jwtSecretGenerated: boolean;
  /**
   * From PHONE_CALL_JWT_COOKIE: the module's `jwt.cookie`. The token route then also sets the access
   * token as an HttpOnly cookie of this name, `GET /me` accepts it, and the page signs in with it
   * instead of keeping the token in JavaScript. Unset: off.
   */
  jwtCookie?: string;
  /**
   * From PHONE_CALL_STEP_UP_MAX_AGE (seconds, default 300): how recent a proof of the number
   * `POST /me/confirm-payment` needs (`@PhoneCallAuth({ maxAge })`); an older one gets RFC 9470's
   * challenge, which the page answers by proving the number again.
   */
  stepUpMaxAge: number;
  windowSeconds?: number;
  /**
   * From PHONE_CALL_LIMIT_PER_PHONE, PHONE_CALL_LIMIT_PER_IP (`perAddress`), PHONE_CALL_LIMIT_PER_SUBNET
   * (`perNetwork`), PHONE_CALL_LIMIT_GLOBAL and PHONE_CALL_LIMIT_GLOBAL_MODE (`limits.starts`); unset
   * ones keep the module's defaults.
   */
  startLimits: PhoneCallAuthStartLimits;
  /** From PHONE_CALL_NUMBER_TYPES (`any`, or a comma-separated list such as `MOBILE,FIXED_LINE`); unset keeps the module's default. */
  phonePolicy: PhoneCallAuthPhonePolicy;
  /** From PHONE_CALL_ALLOWED_ORIGINS (comma-separated origins); unset: same origin only. */
  allowedOrigins?: string[];
  /** From PHONE_CALL_SITE_NAME: named in the start message ("Call only if you started signing in on ..."). */
  siteName?: string;
  /**
   * From PHONE_CALL_CHANNELS (comma-separated `call`, `sms`, `call_or_sms`; the first is the
   * default). @default every channel with SSMS (or the fake platform), else ['call']
   */
  channels: VerificationChannel[];
  /**
   * From PHONE_CALL_OPS_TOKEN (at least 16 characters): the operator routes (`/ops`, `/metrics`)
   * take `Authorization: Bearer <token>`. Unset: they answer 404.
   */
  opsToken?: string;
  /**
   * From PHONE_CALL_REFUSAL_TALLY (`<maxKeys>/<flushSeconds>`, e.g. `1000/30`, or `off`): the module's
   * `limits.refusalTally`, refused starts counted in memory for the dashboard. Unset keeps the default.
   */
  refusalTally?: PhoneCallAuthRefusalTally | false;
}

const CHANNELS: readonly VerificationChannel[] = ['call', 'sms', 'call_or_sms'];

/** `call,sms` -> ['call', 'sms']; unset or empty: every channel the platforms serve. */
function channels(value: string | undefined, platforms: SamplePlatform[]): VerificationChannel[] {
  if (value === undefined || value.trim() === '') return sendsSms(platforms) ? [...CHANNELS] : ['call'];
  const list = value.split(',').map((part) => part.trim().toLowerCase());
  const unknown = list.filter((part) => !(CHANNELS as readonly string[]).includes(part));
  if (unknown.length > 0 || list.length === 0) {
    throw new Error(`PHONE_CALL_CHANNELS must list ${CHANNELS.join(', ')} (comma-separated), got "${value}".`);
  }
  const sms = list.filter((channel) => channel !== 'call');
  if (sms.length > 0 && !sendsSms(platforms)) {
    throw new Error(
      `PHONE_CALL_CHANNELS lists ${sms.join(', ')}, but of the platforms only ssms sends SMS and PHONE_CALL_PROVIDERS is "${platforms.join(',')}": add ssms to it, or offer call only.`,
    );
  }
  return [...new Set(list)] as VerificationChannel[];
}

function integer(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number, got "${value}".`);
  return Number(value);
}

/** A decimal number such as `0.2`; the module checks its range. Unset gives undefined. */
function share(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d*\.?\d+$/.test(value)) throw new Error(`${name} must be a decimal number such as 0.2, got "${value}".`);
  return Number(value);
}

/** `<count>/<seconds>` (e.g. `3/600`) or `off`; unset keeps the module's default. */
function rateLimit(name: string, value: string | undefined): RateLimitRule | false | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'off') return false;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (!match) throw new Error(`${name} must be <count>/<seconds> (e.g. 3/600) or off, got "${value}".`);
  return { limit: Number(match[1]), windowSeconds: Number(match[2]) };
}

/** A whole number from 1 or `off`; unset keeps the module's default. */
function countOrOff(name: string, value: string | undefined): number | false | undefined {
  if (value?.trim() === 'off') return false;
  return integer(name, value?.trim());
}

/** A cookie name as the module takes it (an RFC 6265 token, at most 64 characters); unset or empty is off. */
function cookieName(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/.test(value)) {
    throw new Error(
      `${name} must be a cookie name of 1 to 64 letters, digits or !#$%&'*+-.^_\`|~ (e.g. phone_call_token), got "${value}".`,
    );
  }
  return value;
}

/** The global budget: PHONE_CALL_LIMIT_GLOBAL's rule (or the module's) with PHONE_CALL_LIMIT_GLOBAL_MODE's mode. */
function globalBudget(env: NodeJS.ProcessEnv): GlobalBudgetRule | false | undefined {
  const rule = rateLimit('PHONE_CALL_LIMIT_GLOBAL', env.PHONE_CALL_LIMIT_GLOBAL);
  const value = env.PHONE_CALL_LIMIT_GLOBAL_MODE;
  if (!value?.trim() || rule === false) return rule;
  const modes: readonly GlobalBudgetMode[] = ['alarm', 'wall'];
  const mode = oneOf('PHONE_CALL_LIMIT_GLOBAL_MODE', value, modes, PHONE_CALL_AUTH_DEFAULTS.limits.starts.global.mode);
  return { ...(rule ?? PHONE_CALL_AUTH_DEFAULTS.limits.starts.global), mode };
}

/** A comma-separated list; unset or empty gives undefined. */
function list(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}

/** One of `allowed`, case and surrounding blanks ignored; unset or empty gives `fallback`. */
function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  const normalized = value?.trim().toLowerCase();
  if (!normalized) return fallback;
  if (!(allowed as readonly string[]).includes(normalized)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${value}".`);
  }
  return normalized as T;
}

/** The levels LOG_LEVEL asks for: `warn` gives fatal, error and warn. */
function logLevels(value: string | undefined): LogLevel[] {
  const level = oneOf('LOG_LEVEL', value, LOG_LEVELS, 'log');
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}

/** Whether a HOST value is a loopback interface: only this machine reaches it. */
export function isLoopback(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' || bare === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * HOST: real platforms must reach the callback (all interfaces by default); the fake platform's
 * /dev routes place calls and read SMS codes for any verification whose secret the caller holds,
 * and the fake verifies whatever they ask, so it stays on loopback unless the operator says otherwise.
 */
function host(env: NodeJS.ProcessEnv, fake: boolean, fakePublic: boolean): string {
  const value = env.HOST?.trim() || (fake ? '127.0.0.1' : '0.0.0.0');
  if (fake && !fakePublic && !isLoopback(value)) {
    throw new Error(
      `HOST is "${value}", but no platform is configured, so the app would run on the fake platform, whose /dev routes ` +
        `let anyone who reaches them verify a number without a phone. Unset HOST (127.0.0.1), configure a platform ` +
        `(PHONE_CALL_PROVIDERS, or SSMS_API_KEY), or, for a demo on a network you trust, set PHONE_CALL_FAKE_PLATFORM_PUBLIC=yes.`,
    );
  }
  return value;
}

/** The names `trust proxy` (proxy-addr) knows for ranges of addresses. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY: unset (or 0: no proxy), a number of hops, or a list of addresses, CIDRs and range names, each checked here. */
function trustProxy(value: string | undefined): string | number | undefined {
  const setting = value?.trim();
  if (!setting) return undefined;
  if (/^\d+$/.test(setting)) return Number(setting) === 0 ? undefined : Number(setting);
  const entries = setting.split(',').map((entry) => entry.trim());
  const valid = (entry: string) => {
    if (PROXY_RANGES.includes(entry)) return true;
    const [address, bits, ...rest] = entry.split('/');
    const version = isIP(address);
    const maxBits = version === 4 ? 32 : 128;
    return version !== 0 && rest.length === 0 && (bits === undefined || (/^\d+$/.test(bits) && +bits <= maxBits));
  };
  const invalid = entries.filter((entry) => !valid(entry));
  if (invalid.length > 0) {
    throw new Error(
      `TRUST_PROXY must be the number of proxies in front of the app, or a comma-separated list of their addresses, ` +
        `CIDRs or ${PROXY_RANGES.join(', ')} (e.g. 10.0.0.5 or 10.0.0.0/8), got "${value}".`,
    );
  }
  return entries.join(',');
}

/** The operator token: unset or empty is off; a short one is refused (it guards every operator route). */
function opsToken(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[\x21-\x7e]{16,}$/.test(value)) {
    throw new Error(
      'PHONE_CALL_OPS_TOKEN must be at least 16 printable characters without spaces (e.g. openssl rand -hex 32).',
    );
  }
  return value;
}

/** `<maxKeys>/<flushSeconds>` or `off`; unset keeps the module's default. */
function refusalTally(value: string | undefined): PhoneCallAuthRefusalTally | false | undefined {
  const rule = rateLimit('PHONE_CALL_REFUSAL_TALLY', value);
  return rule && { maxKeys: rule.limit, flushSeconds: rule.windowSeconds };
}

/** Reads the environment; fails with a message that names the variable at fault. */
export function loadSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const platforms = loadSamplePlatforms(env);
  const fakePlatformPublic =
    oneOf('PHONE_CALL_FAKE_PLATFORM_PUBLIC', env.PHONE_CALL_FAKE_PLATFORM_PUBLIC, ['yes', 'no'], 'no') === 'yes';
  return {
    ...platforms,
    port: integer('PORT', env.PORT, 3000)!,
    httpAdapter: oneOf('HTTP_ADAPTER', env.HTTP_ADAPTER, HTTP_ADAPTERS, 'express'),
    logLevels: logLevels(env.LOG_LEVEL),
    logFormat: oneOf('LOG_FORMAT', env.LOG_FORMAT, ['text', 'json'], 'text'),
    host: host(env, platforms.platforms.length === 0, fakePlatformPublic),
    fakePlatformPublic,
    databaseUrl: env.DATABASE_URL || undefined,
    statementTimeoutAtStartup: !env.DATABASE_URL,
    databaseListenUrl: env.DATABASE_LISTEN_URL || undefined,
    preparedStatements: preparedStatements(env.DATABASE_PREPARED_STATEMENTS),
    callbackSecret: env.PHONE_CALL_CALLBACK_SECRET || randomBytes(32).toString('hex'),
    callbackSecretGenerated: !env.PHONE_CALL_CALLBACK_SECRET,
    jwtSecret: env.JWT_SECRET || randomBytes(32).toString('base64url'),
    jwtSecretGenerated: !env.JWT_SECRET,
    jwtCookie: cookieName('PHONE_CALL_JWT_COOKIE', env.PHONE_CALL_JWT_COOKIE),
    windowSeconds: integer('PHONE_CALL_WINDOW_SECONDS', env.PHONE_CALL_WINDOW_SECONDS),
    stepUpMaxAge: integer('PHONE_CALL_STEP_UP_MAX_AGE', env.PHONE_CALL_STEP_UP_MAX_AGE, 300)!,
    channels: channels(env.PHONE_CALL_CHANNELS, platforms.platforms),
    startLimits: {
      perPhone: rateLimit('PHONE_CALL_LIMIT_PER_PHONE', env.PHONE_CALL_LIMIT_PER_PHONE),
      perAddress: rateLimit('PHONE_CALL_LIMIT_PER_IP', env.PHONE_CALL_LIMIT_PER_IP),
      perNetwork: rateLimit('PHONE_CALL_LIMIT_PER_SUBNET', env.PHONE_CALL_LIMIT_PER_SUBNET),
      global: globalBudget(env),
    },
    // Checked by the module at startup, which names the option at fault.
    phonePolicy: {
      numberTypes:
        env.PHONE_CALL_NUMBER_TYPES?.trim().toLowerCase() === 'any'
          ? 'any'
          : (list(env.PHONE_CALL_NUMBER_TYPES)?.map((type) =>
              type.toUpperCase(),
            ) as PhoneCallAuthPhonePolicy['numberTypes']),
    },
    allowedOrigins: list(env.PHONE_CALL_ALLOWED_ORIGINS),
    siteName: env.PHONE_CALL_SITE_NAME?.trim() || undefined,
    smsLimits: {
      perPhone: rateLimit('PHONE_CALL_SMS_LIMIT_PER_PHONE', env.PHONE_CALL_SMS_LIMIT_PER_PHONE),
      perAddress: rateLimit('PHONE_CALL_SMS_LIMIT_PER_IP', env.PHONE_CALL_SMS_LIMIT_PER_IP),
      global: rateLimit('PHONE_CALL_SMS_LIMIT_GLOBAL', env.PHONE_CALL_SMS_LIMIT_GLOBAL),
    },
    fraudGuard: onOff('PHONE_CALL_FRAUD_GUARD', env.PHONE_CALL_FRAUD_GUARD) && {
      minSends: integer('PHONE_CALL_FRAUD_GUARD_MIN_SENDS', env.PHONE_CALL_FRAUD_GUARD_MIN_SENDS),
      conversionBelow: share('PHONE_CALL_FRAUD_GUARD_CONVERSION', env.PHONE_CALL_FRAUD_GUARD_CONVERSION),
      windowSeconds: integer('PHONE_CALL_FRAUD_GUARD_WINDOW_SECONDS', env.PHONE_CALL_FRAUD_GUARD_WINDOW_SECONDS),
      blockSeconds: integer('PHONE_CALL_FRAUD_GUARD_BLOCK_SECONDS', env.PHONE_CALL_FRAUD_GUARD_BLOCK_SECONDS),
      prefixDigits: integer('PHONE_CALL_FRAUD_GUARD_PREFIX_DIGITS', env.PHONE_CALL_FRAUD_GUARD_PREFIX_DIGITS),
    },
    opsToken: opsToken(env.PHONE_CALL_OPS_TOKEN),
    refusalTally: refusalTally(env.PHONE_CALL_REFUSAL_TALLY),
    budgets: onOff('PHONE_CALL_CLIENT_BUDGETS', env.PHONE_CALL_CLIENT_BUDGETS),
    admission: onOff('PHONE_CALL_ADMISSION', env.PHONE_CALL_ADMISSION),
    connections: {
      perAddress: countOrOff('PHONE_CALL_MAX_CONNECTIONS_PER_ADDRESS', env.PHONE_CALL_MAX_CONNECTIONS_PER_ADDRESS),
      perNetwork: countOrOff('PHONE_CALL_MAX_CONNECTIONS_PER_NETWORK', env.PHONE_CALL_MAX_CONNECTIONS_PER_NETWORK),
      refusalsBeforeHold: countOrOff('PHONE_CALL_REFUSALS_BEFORE_HOLD', env.PHONE_CALL_REFUSALS_BEFORE_HOLD),
    },
    trustProxy: trustProxy(env.TRUST_PROXY),
    waiters: {
      perInstance: integer('PHONE_CALL_MAX_WAITERS', env.PHONE_CALL_MAX_WAITERS),
      perVerification: integer('PHONE_CALL_MAX_WAITERS_PER_VERIFICATION', env.PHONE_CALL_MAX_WAITERS_PER_VERIFICATION),
      perAddress: integer('PHONE_CALL_MAX_WAITERS_PER_ADDRESS', env.PHONE_CALL_MAX_WAITERS_PER_ADDRESS),
    },
  };
}

/** `on` (the default) or `off`. */
function preparedStatements(value: string | undefined): boolean | 'auto' {
  const setting = oneOf('DATABASE_PREPARED_STATEMENTS', value, ['auto', 'on', 'off'], 'auto');
  return setting === 'auto' ? 'auto' : setting === 'on';
}

function onOff(name: string, value: string | undefined): boolean {
  return oneOf(name, value, ['on', 'off'], 'on') === 'on';
}
