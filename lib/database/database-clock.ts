import type { DataSource } from 'typeorm';
import { pgPool } from './pg-pool.js';

/** Kept off a statement's deadline: the time a statement may take between its clock check and its commit. */
const DEADLINE_MARGIN_MS = 250;
/** After this long, any sample replaces the best one (clocks drift, and NTP may step them). */
const SAMPLE_MAX_AGE_MS = 60_000;

/**
 * The database server's clock as this process sees it, so that a statement can be given a deadline
 * on the server's own clock: the time after which its client will have stopped waiting for it.
 *
 * Why: a single statement commits on the server even when node-postgres gave up waiting for its
 * answer (`query_timeout`, a database that froze and then woke up). A statement that spends
 * something (a verification, for a token) must then do nothing, and only the server can tell when
 * it runs. The offset between the clocks is estimated from the statements' own answers (each
 * returns `clock_timestamp()`), with no query of its own: the sample with the shortest round trip
 * in the last minute wins, and a statement that found its deadline passed while its answer came
 * back in time is a sample that corrects the estimate before the one retry.
 *
 * Written by hand: no package estimates a remote clock from samples a caller already has.
 */
export class DatabaseClock {
  private offsetMs = 0;
  private roundTripMs = Number.POSITIVE_INFINITY;
  private sampledAt = Number.NEGATIVE_INFINITY;

  /**
   * The server-side deadline for a statement sent now: `null` when the client never gives up on a
   * statement (no `query_timeout`), so there is nothing to guard against.
   */
  deadline(queryTimeoutMs: number | undefined, sentAt: number): Date | null {
    if (!queryTimeoutMs) return null;
    return new Date(sentAt + this.offsetMs + queryTimeoutMs - Math.min(DEADLINE_MARGIN_MS, queryTimeoutMs / 4));
  }

  /** Records that the server's clock read `serverTime` between local times `sentAt` and `receivedAt`. */
  sample(serverTime: Date, sentAt: number, receivedAt: number): void {
    const roundTripMs = receivedAt - sentAt;
    if (roundTripMs > this.roundTripMs && receivedAt - this.sampledAt < SAMPLE_MAX_AGE_MS) return;
    this.offsetMs = serverTime.getTime() - (sentAt + receivedAt) / 2;
    this.roundTripMs = roundTripMs;
    this.sampledAt = receivedAt;
  }
}

/** node-postgres' `query_timeout` on the data source's pool (from TypeORM's `extra`), if any. */
export function queryTimeoutMs(dataSource: DataSource): number | undefined {
  const timeout = pgPool(dataSource)?.options?.query_timeout;
  return typeof timeout === 'number' && timeout > 0 ? timeout : undefined;
}
