/*
 * What the operator dashboard and the support history read (`PhoneCallAuthOps`). No phone number
 * appears whole: numbers are masked (`+7967***1122`), prefixes are the country code and a few
 * leading digits (`+7967`).
 */

/** How a provider answered one request of a start: `ok`, or why it did not (`failed` 502, `timeout` 504, `busy` pool). */
export type PlatformAnswer = 'ok' | 'failed' | 'timeout' | 'busy';

/** One provider's answer to a start, with its latency: a start that failed over has several. */
export interface PlatformAttempt {
  provider: string;
  outcome: PlatformAnswer;
  durationMs: number;
  /** The HTTP status and the platform's own code, short, for operators (`502 ERROR_BALANCE`). */
  detail: string | null;
}

/** What happened to a verification, one step. */
export interface SupportHistoryEntry {
  at: Date;
  /**
   * `platform`: a provider answered the start (`outcome` ok, failed, timeout, busy; `durationMs`).
   * `started`: the verification was recorded (`number`: the number to call, masked).
   * `call`: the platform reported a call (`outcome`: matched, no_match, late, ambiguous, duplicate,
   * no_caller_id, refused; `number`: the caller, masked; `detail`: STIR/SHAKEN attestation).
   * `code`: an SMS code was tried (`outcome` right, wrong, too_many).
   * `verified` (`outcome` call or code), `redeemed`, `canceled` (`outcome` client or superseded),
   * `failed` (`outcome` too_many_attempts), `expired` (`outcome` window: no proof in time, or
   * not_redeemed: proven but not redeemed in `redeemSeconds`).
   */
  what: 'platform' | 'started' | 'call' | 'code' | 'verified' | 'redeemed' | 'canceled' | 'failed' | 'expired';
  outcome: string | null;
  provider: string | null;
  /** A number, masked. */
  number: string | null;
  durationMs: number | null;
  detail: string | null;
}

/** A verification's history for support: what happened, in order, numbers masked. */
export interface SupportHistory {
  verificationId: string;
  /** The verified number, masked. */
  phone: string;
  channel: string;
  provider: string;
  /** The status now (`expired` once its window, or its time to redeem, has passed). */
  status: string;
  entries: SupportHistoryEntry[];
}

/** The dashboard's time windows. */
export type OpsWindow = '1h' | '24h';

/** Verifications started, proven and redeemed in a window, for one channel, country or provider. */
export interface OpsFunnelRow {
  window: OpsWindow;
  dimension: 'channel' | 'country' | 'provider';
  /** The channel, the country (ISO 3166, `--` for none) or the provider. */
  key: string;
  started: number;
  proven: number;
  redeemed: number;
}

/** One provider's answers to starts in a window: error rate and latency. */
export interface OpsPlatformRow {
  window: OpsWindow;
  provider: string;
  requests: number;
  errors: number;
  /** `errors / requests`, 0 to 1. */
  errorRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** The dashboard's numbers, aggregated in SQL from the module's own tables. */
export interface OpsSummary {
  /** When the numbers were read, on the database's clock. */
  at: Date;
  funnel: OpsFunnelRow[];
  platforms: OpsPlatformRow[];
  /** SMS sent (`sms` and `call_or_sms` starts), against the global SMS budget (`limits.sms.global`, null when off). */
  sms: {
    lastHour: number;
    lastDay: number;
    budget: { limit: number; windowSeconds: number } | null;
    /** Sent in the last `budget.windowSeconds` (a sliding window: the budget's own window is fixed). */
    inBudgetWindow: number;
  };
  /** Starts refused in the last 24 h, by the error code they were answered with. */
  refusals: { reason: string; lastHour: number; lastDay: number }[];
  /** The number prefixes most refused in the last 24 h. */
  refusedPrefixes: { prefix: string; count: number }[];
}
