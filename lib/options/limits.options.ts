/*
 * The limits of the module, under one key: `limits: { starts, sms, fraudGuard, budgets, connections, waiters, admission, refusalTally }`.
 * Defaults are in PHONE_CALL_AUTH_DEFAULTS.limits; each `@default` below quotes it.
 */

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
   * @default PHONE_CALL_AUTH_DEFAULTS.limits.starts.global.mode ('alarm')
   */
  mode?: GlobalBudgetMode;
}

/**
 * Limits of verification starts, kept in Postgres so they hold across instances. `false` turns one
 * off. A start whose platform request fails (502, 504) is given back to every counter it used; a
 * start refused with 400 counts nothing. The limits kept per address (`perPhone`, `perAddress`,
 * `perNetwork`) need the client's address: a start without one (`request.ip` empty or not an
 * address) is refused with 503 and the log says how to fix the app's proxy settings.
 */
export interface PhoneCallAuthStartLimits {
  /** Starts per phone number and client address. @default PHONE_CALL_AUTH_DEFAULTS.limits.starts.perPhone (3 per 600 s) */
  perPhone?: RateLimitRule | false;
  /** Starts per client address (`request.ip`: set Express's `trust proxy` behind a proxy); IPv6 per /64. @default PHONE_CALL_AUTH_DEFAULTS.limits.starts.perAddress (10 per 600 s) */
  perAddress?: RateLimitRule | false;
  /**
   * Starts per client network: IPv4 /24, IPv6 /48 (one site). Bounds an attacker who holds many
   * addresses of one network; a carrier NAT puts many people behind few addresses, so keep it well
   * above `perAddress`. @default PHONE_CALL_AUTH_DEFAULTS.limits.starts.perNetwork (30 per 600 s)
   */
  perNetwork?: RateLimitRule | false;
  /**
   * Starts across the whole app: a budget for the platform bill, counted only for starts the other
   * limits let through. @default PHONE_CALL_AUTH_DEFAULTS.limits.starts.global (100 per 60 s, mode 'alarm')
   */
  global?: GlobalBudgetRule | false;
}

/**
 * Hard limits of SMS sends (channels `sms` and `call_or_sms`), kept in Postgres beside the start
 * limits: SMS is billed per message sent, and SMS pumping (codes sent to numbers whose operator
 * pays the attacker) is the classic fraud against SMS verification. Unlike the start limits, these
 * count per phone whoever asks, and the global one refuses (429) once spent. Like them, an SMS the
 * platform did not send (502, 504) is given back, and a start refused with 400 counts nothing.
 */
export interface PhoneCallAuthSmsLimits {
  /** SMS per phone number, from any client. @default PHONE_CALL_AUTH_DEFAULTS.limits.sms.perPhone (3 per 3600 s) */
  perPhone?: RateLimitRule | false;
  /** SMS per client address. @default PHONE_CALL_AUTH_DEFAULTS.limits.sms.perAddress (5 per 3600 s) */
  perAddress?: RateLimitRule | false;
  /** SMS across the whole app: the hard budget. @default PHONE_CALL_AUTH_DEFAULTS.limits.sms.global (100 per 3600 s) */
  global?: RateLimitRule | false;
}

/**
 * The fraud guard of the SMS channels, against SMS pumping (many codes sent to a range of numbers
 * whose operator pays the attacker, none ever entered): per destination prefix (`+`, the country
 * calling code and the first `prefixDigits` digits of the national number), the SMS codes sent and
 * entered, in Postgres so they hold across instances. A start that sends the `minSends`-th SMS of a
 * prefix over the window while fewer than `conversionBelow` of them were entered blocks the prefix
 * for SMS for `blockSeconds`: further `sms` starts to it get 429 `SMS_PREFIX_BLOCKED` (the message
 * offers the call), `call_or_sms` starts become `call` starts, `call` starts are never affected.
 * An operator lifts a block with `PhoneCallAuthFraudGuard.allow`. Counts only, never a number.
 */
export interface PhoneCallAuthFraudGuardOptions {
  /** SMS sent to a prefix over the window before its conversion is judged. @default PHONE_CALL_AUTH_DEFAULTS.limits.fraudGuard.minSends (30) */
  minSends?: number;
  /** The share of codes entered (0 to 1) under which a prefix is blocked. @default PHONE_CALL_AUTH_DEFAULTS.limits.fraudGuard.conversionBelow (0.2) */
  conversionBelow?: number;
  /**
   * The window, in seconds: sends and entries are counted per window, and a prefix is judged on
   * the current window and the one before it (so on the last one to two windows). @default PHONE_CALL_AUTH_DEFAULTS.limits.fraudGuard.windowSeconds (3600)
   */
  windowSeconds?: number;
  /** How long a prefix stays blocked. @default PHONE_CALL_AUTH_DEFAULTS.limits.fraudGuard.blockSeconds (3600) */
  blockSeconds?: number;
  /** Digits of the national number, after the country calling code, that make the prefix (1 to 8). @default PHONE_CALL_AUTH_DEFAULTS.limits.fraudGuard.prefixDigits (3) */
  prefixDigits?: number;
}

/** A token bucket: at most `burst` requests at once, refilled at `perSecond` requests a second. */
export interface ClientBudgetRule {
  burst: number;
  perSecond: number;
}

/**
 * What one client may spend on each route family, kept in each instance's memory and spent before
 * a request costs a database connection; over budget, 429 with `Retry-After`. Each request spends
 * one unit of its address's bucket (an IPv4 address, or an IPv6 /64) and one of its network's
 * (IPv4 /24, IPv6 /48), which holds `networkFactor` times as much. `false` turns one family's
 * budget off.
 */
export interface PhoneCallAuthClientBudgets {
  /** `POST /verifications`, before the Postgres start limits. @default PHONE_CALL_AUTH_DEFAULTS.limits.budgets.start (burst 10, 0.2/s) */
  start?: ClientBudgetRule | false;
  /** The token route (and its long-poll), events and cancel. A page polling every 2 s spends 0.5/s. @default PHONE_CALL_AUTH_DEFAULTS.limits.budgets.poll (burst 60, 5/s) */
  poll?: ClientBudgetRule | false;
  /** `POST /token/refresh`. @default PHONE_CALL_AUTH_DEFAULTS.limits.budgets.refresh (burst 10, 1/s) */
  refresh?: ClientBudgetRule | false;
  /** Refused platform callbacks (wrong secret or address) only: the platform's own callbacks spend nothing. @default PHONE_CALL_AUTH_DEFAULTS.limits.budgets.callback (burst 10, 0.2/s) */
  callback?: ClientBudgetRule | false;
  /** How many times an address's budget its /24 (IPv6 /48) network gets. @default PHONE_CALL_AUTH_DEFAULTS.limits.budgets.networkFactor (8) */
  networkFactor?: number;
}

/**
 * Guards of the app's HTTP server itself, for an app that faces clients directly (no proxy
 * trusted: `trust proxy` unset on Express, no `trustProxy` on Fastify). They act on the server's
 * connections, so they cover the app's own routes too; behind a trusted proxy every connection
 * comes from the proxy, and they are off (set the proxy's equivalents: docs/operations.md).
 * `false` turns one off. Over-budget clients of the module's routes are answered 429 before the
 * framework's pipeline runs either way, when no proxy is trusted.
 */
export interface PhoneCallAuthConnectionLimits {
  /** Open connections from one address (IPv4, or IPv6 /64); a new one beyond it is held (unread for 10 s, then closed). @default PHONE_CALL_AUTH_DEFAULTS.limits.connections.perAddress (100) */
  perAddress?: number | false;
  /** Open connections from one network (IPv4 /24, IPv6 /48); a new one beyond it is held. @default PHONE_CALL_AUTH_DEFAULTS.limits.connections.perNetwork (400) */
  perNetwork?: number | false;
  /**
   * Budget refusals (429) one keep-alive connection gets; the next over-budget request on it is not
   * answered: the connection is held, unread, for 10 s, then closed. A client that keeps sending
   * past `Retry-After` is slowed to a few requests per 10 s per connection, without reconnecting at once.
   * @default PHONE_CALL_AUTH_DEFAULTS.limits.connections.refusalsBeforeHold (10)
   */
  refusalsBeforeHold?: number | false;
}

/** Requests that may wait at once (`?wait=` long-polls, event streams). */
export interface PhoneCallAuthWaiterLimits {
  /** On one instance; beyond it, 503. @default PHONE_CALL_AUTH_DEFAULTS.limits.waiters.perInstance (10000) */
  perInstance?: number;
  /** For one verification; beyond it, 429. @default PHONE_CALL_AUTH_DEFAULTS.limits.waiters.perVerification (3) */
  perVerification?: number;
  /** From one client address (IPv4, or IPv6 /64); beyond it, 429. @default PHONE_CALL_AUTH_DEFAULTS.limits.waiters.perAddress (50) */
  perAddress?: number;
}

/**
 * Admission control in front of the module's database work: a bounded queue that answers 503 with
 * `Retry-After` at once when it is full, and serves starts and callbacks before polling.
 */
export interface PhoneCallAuthAdmissionOptions {
  /** Database operations at once; more wait in the queue. @default the pool's size (TypeORM `poolSize` or `extra.max`, else 10) */
  maxConcurrent?: number;
  /** Starts and callbacks that may wait for a slot. @default PHONE_CALL_AUTH_DEFAULTS.limits.admission.maxQueuedPriority (200) */
  maxQueuedPriority?: number;
  /** Polling requests (token, events, cancel, refresh) that may wait for a slot. @default PHONE_CALL_AUTH_DEFAULTS.limits.admission.maxQueuedPolling (100) */
  maxQueuedPolling?: number;
  /** How long a request may wait for a slot before it is answered 503. @default PHONE_CALL_AUTH_DEFAULTS.limits.admission.queueTimeoutMs (2000) */
  queueTimeoutMs?: number;
}

/**
 * Refused starts (a spent client budget, an invalid or refused number, a channel not offered, a
 * start limit), counted for the operator dashboard (`PhoneCallAuthOps`). They are counted in each
 * instance's memory and written a batch at a time, so a flood of refused requests costs no database
 * write per request: one row per reason, channel and number prefix each `flushSeconds`.
 */
export interface PhoneCallAuthRefusalTally {
  /** Distinct reason/channel/prefix counters kept between two writes; beyond it, new prefixes are counted without their prefix. @default PHONE_CALL_AUTH_DEFAULTS.limits.refusalTally.maxKeys (1000) */
  maxKeys?: number;
  /** How often the counts are written (and on shutdown). @default PHONE_CALL_AUTH_DEFAULTS.limits.refusalTally.flushSeconds (30) */
  flushSeconds?: number;
}

/**
 * Every limit of the module. A group left out keeps its defaults; a rule left out keeps its own.
 *
 * @example
 * limits: {
 *   starts: { perPhone: { limit: 5, windowSeconds: 600 }, global: { limit: 500, windowSeconds: 60, mode: 'wall' } },
 *   sms: { perAddress: false },
 *   fraudGuard: { minSends: 50 },
 *   budgets: { poll: { burst: 120, perSecond: 10 } },
 * }
 */
export interface PhoneCallAuthLimits {
  /** Verification starts, in Postgres (across instances). @default PHONE_CALL_AUTH_DEFAULTS.limits.starts */
  starts?: PhoneCallAuthStartLimits;
  /** SMS sends, on top of `starts`, in Postgres. @default PHONE_CALL_AUTH_DEFAULTS.limits.sms */
  sms?: PhoneCallAuthSmsLimits;
  /** The SMS fraud guard, per destination prefix, in Postgres. `false` turns it off. @default PHONE_CALL_AUTH_DEFAULTS.limits.fraudGuard */
  fraudGuard?: PhoneCallAuthFraudGuardOptions | false;
  /** What one client may spend per route family, in memory. `false` turns them all off (load tests). @default PHONE_CALL_AUTH_DEFAULTS.limits.budgets */
  budgets?: PhoneCallAuthClientBudgets | false;
  /** Connections per address and network, and holding connections that keep being refused; only when no proxy is trusted. `false` turns them all off. @default PHONE_CALL_AUTH_DEFAULTS.limits.connections */
  connections?: PhoneCallAuthConnectionLimits | false;
  /** Requests waiting at once (long-polls, event streams). @default PHONE_CALL_AUTH_DEFAULTS.limits.waiters */
  waiters?: PhoneCallAuthWaiterLimits;
  /** The queue in front of the database work. `false` turns it off. @default PHONE_CALL_AUTH_DEFAULTS.limits.admission */
  admission?: PhoneCallAuthAdmissionOptions | false;
  /** Refused starts counted in memory for the dashboard. `false`: not counted. @default PHONE_CALL_AUTH_DEFAULTS.limits.refusalTally */
  refusalTally?: PhoneCallAuthRefusalTally | false;
}
