import type { GuardedPrefix } from './rate-limit.sql.js';

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

/**
 * What the SMS fraud guard made of a send: `blocked` (the prefix is blocked: nothing was counted,
 * `retryAfter` seconds left), `counted` (sent, in the window starting at `windowStart`), `blocked_now`
 * (counted, and this send blocked the prefix for `retryAfter` seconds). None when a counter was
 * over its limit (the prefix was not counted) or when a concurrent start blocked the prefix
 * first (the counters were counted: give them back).
 */
export interface PrefixOutcome {
  guard: 'blocked' | 'counted' | 'blocked_now';
  prefix: string;
  /** SMS sent to the prefix over the two windows, this one included (0 when `blocked`). */
  sent: number;
  retryAfter: number;
  windowStart: string | null;
}

/** A destination prefix's state in the SMS fraud guard, for an operator. */
export interface SmsPrefixState {
  /** `+`, the country calling code and the first digits of the national number: `+7967`. */
  prefix: string;
  /** ISO 3166-1 alpha-2 country of the numbers sent to; null when no SMS was counted yet. */
  country: string | null;
  /** SMS codes sent over the current window and the one before it. */
  sent: number;
  /** Of them, codes entered (verified). */
  entered: number;
  /** SMS to the prefix are refused now. */
  blocked: boolean;
  /** When the current or last block began; null when it never was. */
  blockedAt: Date | null;
  /** When the block ends; null when none is running. */
  blockedUntil: Date | null;
  /** An operator allowed it: no block before this time; null when no allowance is running. */
  allowedUntil: Date | null;
}

/** Storage of rate-limit counters. */
export interface RateLimitStore {
  /**
   * Adds one to each counter (a new window when its window has ended) and, when none of them is over
   * its limit, to `global` and the SMS `prefix` (nothing at all when the prefix is blocked); returns
   * the counts and the prefix's outcome, as one change.
   */
  count(p: {
    counters: { key: string; windowSeconds: number; limit: number }[];
    global: { key: string; windowSeconds: number; limit: number | null } | null;
    prefix?: GuardedPrefix;
  }): Promise<{ counted: CountedRow[]; prefix?: PrefixOutcome }>;
  /** Takes one back from each counter (and the prefix), only in the window it was counted in, never below zero. */
  refund(counted: { key: string; resetsAt: string }[], prefix?: { prefix: string; windowStart: string }): Promise<void>;
  /** The SMS prefixes' state, blocked first, then by SMS sent. */
  prefixes(p: { windowSeconds: number; blockedOnly: boolean; limit: number }): Promise<SmsPrefixState[]>;
  /** Allows a prefix for `seconds`: lifts its block and clears its counts. */
  allowPrefix(p: { windowSeconds: number; prefix: string; seconds: number }): Promise<SmsPrefixState>;
  /** Blocks a prefix for `seconds`. */
  blockPrefix(p: { windowSeconds: number; prefix: string; seconds: number }): Promise<SmsPrefixState>;
  /** The global counter's current window, if one is open. */
  globalWindow(): Promise<{ used: number; resetsInSeconds: number } | undefined>;
}
