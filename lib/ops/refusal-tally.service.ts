import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ResolvedLimits } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { numberPrefix } from '../phone/phone-number.js';
import { OPS_EVENT_STORE, type EventRow, type OpsEventStore } from './ops-event.store.js';

/** A refused start, as the tally counts it: why, and what is known of it (never the number itself). */
export interface Refusal {
  /** The error code it was answered with (`INVALID_PHONE`, `RATE_LIMITED`, `CLIENT_BUDGET_EXCEEDED`...). */
  reason: string;
  channel?: string | null;
  country?: string | null;
  /** The number, reduced to its prefix here. */
  phone?: string | null;
  /** The route family of a spent client budget. */
  detail?: string | null;
}

/**
 * Counts refused starts in memory and writes them a batch at a time (`limits.refusalTally`): a
 * flood of refused requests must not become a flood of database writes, so a refusal costs a map
 * update, and every `flushSeconds` one statement writes one row per reason, channel and number
 * prefix with its count. The map holds at most `maxKeys` counters; beyond that a refusal is counted
 * without its prefix and country, so memory stays bounded whatever the flood sends. Counts not yet
 * written are lost if the process dies; a failed write is logged and dropped (the next batch
 * starts afresh).
 */
@Injectable()
export class RefusalTally implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RefusalTally.name);
  private counts = new Map<string, EventRow>();
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    @Inject(OPS_EVENT_STORE) private readonly store: OpsEventStore,
  ) {}

  onApplicationBootstrap(): void {
    const { refusalTally } = this.limits;
    if (!refusalTally) return;
    this.timer = setInterval(() => void this.flush(), refusalTally.flushSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Counts one refused start. */
  count(refusal: Refusal): void {
    const { refusalTally } = this.limits;
    if (!refusalTally) return;
    let row: EventRow = {
      kind: 'refused',
      outcome: refusal.reason,
      channel: refusal.channel ?? null,
      country: refusal.country ?? null,
      prefix: numberPrefix(refusal.phone),
      detail: refusal.detail ?? null,
    };
    let key = JSON.stringify([row.outcome, row.channel, row.country, row.prefix, row.detail]);
    if (!this.counts.has(key) && this.counts.size >= refusalTally.maxKeys) {
      row = { ...row, country: null, prefix: null };
      key = JSON.stringify([row.outcome, row.channel, null, null, row.detail]);
    }
    const counted = this.counts.get(key);
    if (counted) counted.count = (counted.count ?? 1) + 1;
    else this.counts.set(key, { ...row, count: 1 });
  }

  /** Writes the counts so far in one statement (the dashboard's summary does, before it reads). */
  async flush(): Promise<void> {
    if (this.counts.size === 0) return;
    const rows = [...this.counts.values()];
    this.counts = new Map();
    try {
      await this.store.insert(rows);
    } catch (error) {
      this.logger.warn(`Could not write ${rows.length} counts of refused starts: ${(error as Error)?.message}`);
    }
  }
}
