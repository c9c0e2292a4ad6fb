import { Injectable } from '@nestjs/common';
import { StatementRunner } from '../database/statement-runner.js';
import * as sql from './rate-limit.sql.js';
import type { CountedRow, PrefixOutcome, RateLimitStore, SmsPrefixState } from './rate-limit.store.js';
import { allowPrefix, blockPrefix, listPrefixes } from './sms-prefix.sql.js';

/**
 * The {@link RateLimitStore} on Postgres (the statements of rate-limit.sql.ts). Counting and
 * refunding are part of a start: the priority queue of admission control.
 */
@Injectable()
export class PostgresRateLimitStore implements RateLimitStore {
  constructor(private readonly db: StatementRunner) {}

  async count(p: Parameters<RateLimitStore['count']>[0]): Promise<{ counted: CountedRow[]; prefix?: PrefixOutcome }> {
    type Row = CountedRow & { guard: PrefixOutcome['guard'] | null };
    const rows = await this.db.run<Row>('priority', sql.count(p));
    const counted = rows.filter((row) => row.guard === null).map(({ guard: _, ...row }) => row);
    const found = rows.find((row) => row.guard !== null);
    const prefix = found && {
      guard: found.guard!,
      prefix: found.key,
      sent: found.count,
      retryAfter: found.retryAfter,
      windowStart: found.resetsAt,
    };
    return { counted, ...(prefix && { prefix }) };
  }

  async refund(
    counted: { key: string; resetsAt: string }[],
    prefix?: { prefix: string; windowStart: string },
  ): Promise<void> {
    await this.db.admit('priority', () => this.db.queryRows(sql.refund(counted, prefix)));
  }

  prefixes(p: { windowSeconds: number; blockedOnly: boolean; limit: number }): Promise<SmsPrefixState[]> {
    // An operator's read: it yields to starts and callbacks.
    return this.db.run<SmsPrefixState>('polling', listPrefixes(p));
  }

  async allowPrefix(p: { windowSeconds: number; prefix: string; seconds: number }): Promise<SmsPrefixState> {
    return (await this.db.run<SmsPrefixState>('priority', allowPrefix(p)))[0];
  }

  async blockPrefix(p: { windowSeconds: number; prefix: string; seconds: number }): Promise<SmsPrefixState> {
    return (await this.db.run<SmsPrefixState>('priority', blockPrefix(p)))[0];
  }

  async globalWindow(): Promise<{ used: number; resetsInSeconds: number } | undefined> {
    // Outside admission control: a health check must answer while the queue is full.
    return (await this.db.queryRows<{ used: number; resetsInSeconds: number }>(sql.globalWindow()))[0];
  }
}
