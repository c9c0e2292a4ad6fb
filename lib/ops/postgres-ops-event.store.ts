import { Injectable } from '@nestjs/common';
import type { ResolvedVerificationOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { StatementRunner } from '../database/statement-runner.js';
import * as sql from './ops-event.sql.js';
import type { EventRow, HistoryRow, OpsEventStore } from './ops-event.store.js';

/**
 * The {@link OpsEventStore} on Postgres: the statements of ops-event.sql.ts, in the polling queue
 * of admission control (starts and callbacks go first).
 */
@Injectable()
export class PostgresOpsEventStore implements OpsEventStore {
  private readonly redeemSeconds: number;

  constructor(
    @InjectPhoneCallAuthOptions('verification') verification: ResolvedVerificationOptions,
    private readonly db: StatementRunner,
  ) {
    this.redeemSeconds = verification.redeemSeconds;
  }

  async insert(rows: readonly EventRow[]): Promise<void> {
    if (rows.length > 0) await this.db.run('polling', sql.insertEvents(rows));
  }

  history(id: string): Promise<HistoryRow[]> {
    return this.db.run('polling', sql.selectHistory({ id, redeemSeconds: this.redeemSeconds }));
  }

  async summary(p: { smsWindowSeconds: number | null; prefixes: number }) {
    type Row = Awaited<ReturnType<OpsEventStore['summary']>>;
    const [row] = await this.db.run<Row>('polling', sql.selectSummary(p));
    return row;
  }
}
