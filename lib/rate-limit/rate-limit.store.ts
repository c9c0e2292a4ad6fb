/*
 * The rate-limit store's port: counters that hold across every instance. The module binds
 * {@link RATE_LIMIT_STORE} to `PostgresRateLimitStore`.
 */

/** Injection token of the {@link RateLimitStore}. */
export const RATE_LIMIT_STORE = Symbol('PHONE_CALL_AUTH_RATE_LIMIT_STORE');

/** A counter a start added one to, and the window it added it in. */
export interface CountedRow {
  key: string;
  count: number;
  retryAfter: number;
  /** The window's end, as the store wrote it (text, so it compares exactly). */
  resetsAt: string;
}

/** Storage of rate-limit counters. */
export interface RateLimitStore {
  /**
   * Adds one to each counter (a new window when its window has ended) and, when none of them is over
   * its limit, to `global`; returns the counts, as one change.
   */
  count(p: {
    counters: { key: string; windowSeconds: number; limit: number }[];
    global: { key: string; windowSeconds: number } | null;
  }): Promise<CountedRow[]>;
  /** Takes one back from each counter, only in the window it was counted in, never below zero. */
  refund(counted: { key: string; resetsAt: string }[]): Promise<void>;
  /** The global counter's current window, if one is open. */
  globalWindow(): Promise<{ used: number; resetsInSeconds: number } | undefined>;
}
