import { Injectable } from '@nestjs/common';
import { StatementRunner } from '../database/statement-runner.js';
import * as sql from './rate-limit.sql.js';
import type { CountedRow, RateLimitStore } from './rate-limit.store.js';

/**
 * The {@link RateLimitStore} on Postgres (the statements of rate-limit.sql.ts). Counting and
 * refunding are part of a start: the priority queue of admission control.
 */
@Injectable()
export class PostgresRateLimitStore implements RateLimitStore {
  constructor(private readonly db: StatementRunner) {}

  count(p: Parameters<RateLimitStore['count']>[0]): Promise<CountedRow[]> {
    return this.db.run<CountedRow>('priority', sql.count(p));
  }

  async refund(counted: { key: string; resetsAt: string }[]): Promise<void> {
    await this.db.admit('priority', () => this.db.queryRows(sql.refund(counted)));
  }

  async globalWindow(): Promise<{ used: number; resetsInSeconds: number } | undefined> {
    // Outside admission control: a health check must answer while the queue is full.
    return (await this.db.queryRows<{ used: number; resetsInSeconds: number }>(sql.globalWindow()))[0];
  }
}
