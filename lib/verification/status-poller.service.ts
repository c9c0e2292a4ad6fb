import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { InjectPhoneCallAuthOptions, PHONE_CALL_AUTH_DATA_SOURCE } from '../phone-call-auth.constants.js';
import type { ResolvedPhoneCallAuthOptions } from '../options/resolved-options.interface.js';
import { queryRows } from '../database/query-rows.js';
import { maskPhone, type E164 } from '../phone/phone-number.js';
import * as sql from './verification.sql.js';
import { VerificationService } from './verification.service.js';

/** What one round did; `ran` is false when another instance held the lock (or nothing can be polled). */
export interface StatusPollResult {
  ran: boolean;
  /** Waits asked about. */
  polled: number;
  /** Verifications the answers verified or ended. */
  settled: number;
}

/**
 * Settles pending verifications whose webhook was missed, on platforms that can be polled
 * (`pollStatus`, e.g. sms.ru `callcheck/status`): every `statusPolling.intervalSeconds`, one
 * instance at a time (a transaction-scoped advisory lock, so two instances never ask about the
 * same verification at once) asks about the oldest pending waits and settles each answer with one
 * statement, as a webhook would (confirmed verifies, expired ends). Stops on shutdown.
 */
@Injectable()
export class StatusPollerService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(StatusPollerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<StatusPollResult>;
  private stopped = false;

  constructor(
    @InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions,
    @Inject(PHONE_CALL_AUTH_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly verifications: VerificationService,
  ) {}

  onApplicationBootstrap(): void {
    const { statusPolling, providers } = this.options;
    if (!statusPolling || !providers.some((provider) => provider.pollStatus)) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.poll().catch((error: Error) => this.logger.warn(`Status poll failed, will try again: ${error.message}`));
    }, statusPolling.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the timer and lets a round in progress finish before the data source closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** One round now (also when the timer is off); resolves `ran: false` when another instance is polling. */
  poll(): Promise<StatusPollResult> {
    const round = this.round().finally(() => {
      if (this.running === round) this.running = undefined;
    });
    this.running = round;
    return round;
  }

  private async round(): Promise<StatusPollResult> {
    const pollable = this.options.providers.filter((provider) => provider.pollStatus);
    const batchSize = this.options.statusPolling ? this.options.statusPolling.batchSize : 50;
    if (pollable.length === 0 || this.stopped) return { ran: false, polled: 0, settled: 0 };
    return this.dataSource.transaction(async (manager) => {
      const [{ got }] = await queryRows<{ got: boolean }>(manager, sql.tryPollLock());
      if (!got) return { ran: false, polled: 0, settled: 0 };
      const waits = await queryRows<{ id: string; provider: string; waitId: string; phone: E164 }>(
        manager,
        sql.pollableWaits({ providers: pollable.map((provider) => provider.name), limit: batchSize }),
      );
      let polled = 0;
      let settled = 0;
      for (const wait of waits) {
        if (this.stopped) break;
        const provider = pollable.find((each) => each.name === wait.provider)!;
        polled++;
        try {
          const reports = await provider.pollStatus!({ waitId: wait.waitId, phone: wait.phone });
          for (const report of reports) {
            const changed =
              report.event === 'expired'
                ? await this.verifications.expireWait(provider.name, report.waitId ?? wait.waitId)
                : (await this.verifications.handleInboundCall({ waitId: wait.waitId, ...report }, provider.name))
                    .outcome === 'matched';
            if (changed) settled++;
          }
        } catch (error) {
          this.logger.warn(
            `Polling ${provider.name} about ${maskPhone(wait.phone)} (verification ${wait.id}) failed: ${(error as Error)?.message}`,
          );
        }
      }
      if (settled > 0) this.logger.log(`Status poll settled ${settled} of ${polled} pending verifications`);
      return { ran: true, polled, settled };
    });
  }
}
