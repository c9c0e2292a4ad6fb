import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { ResolvedPlatforms } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { PHONE_CALL_AUTH_DEFAULTS } from '../options/phone-call-auth.defaults.js';
import { maskPhone, type E164 } from '../phone/phone-number.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { InboundCallService } from './inbound-call.service.js';
import { VERIFICATION_STORE, type VerificationStore } from './verification.store.js';

/** What one round did; `ran` is false when it had nothing to ask about (or nothing can be polled). */
export interface StatusPollResult {
  ran: boolean;
  /** Waits asked about. */
  polled: number;
  /** Verifications the answers verified or ended. */
  settled: number;
}

/** The shortest lease on a claimed wait, in seconds: well above a platform request's timeout (10 s by default). */
const MIN_LEASE_SECONDS = 60;

/**
 * Settles pending verifications whose webhook was missed, on platforms that can be polled
 * (`pollStatus`, e.g. sms.ru `callcheck/status`): every `statusPolling.intervalSeconds`, each
 * instance claims up to `batchSize` of the oldest pending waits that no instance holds, with a
 * lease stored on the row (`poll_after`), asks the platform about each, and settles each answer
 * with one statement, as a webhook would (confirmed verifies, expired ends). Two instances never
 * ask about one wait at once, and no database connection is held while a platform answers: the
 * claim and the release are one short statement each, run through admission control like every
 * other piece of the module's database work. A wait asked about rests for one interval. Stops on
 * shutdown.
 *
 * A round starts no new request after half its lease, so each request it makes ends (by the
 * provider's timeout) while the lease still holds; an instance that dies mid-round leaves its
 * leases to run out.
 */
@Injectable()
export class StatusPollerService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(StatusPollerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<StatusPollResult>;
  private stopped = false;

  constructor(
    @InjectPhoneCallAuthOptions('platforms') private readonly platforms: ResolvedPlatforms,
    @Inject(VERIFICATION_STORE) private readonly store: VerificationStore,
    private readonly inboundCalls: InboundCallService,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {}

  onApplicationBootstrap(): void {
    const { statusPolling, providers } = this.platforms;
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

  /**
   * One round now (also when the timer is off). Waits another instance holds, or that were asked
   * about within the last interval, are left out; `ran: false` when none was left.
   */
  poll(): Promise<StatusPollResult> {
    const round = this.round().finally(() => {
      if (this.running === round) this.running = undefined;
    });
    this.running = round;
    return round;
  }

  private async round(): Promise<StatusPollResult> {
    const pollable = this.platforms.providers.filter((provider) => provider.pollStatus);
    const { intervalSeconds, batchSize } = this.platforms.statusPolling || PHONE_CALL_AUTH_DEFAULTS.statusPolling;
    if (pollable.length === 0 || this.stopped) return { ran: false, polled: 0, settled: 0 };
    const leaseSeconds = Math.max(MIN_LEASE_SECONDS, 2 * intervalSeconds);
    const deadline = performance.now() + (leaseSeconds * 1000) / 2;
    const claimed = (
      await this.store.claimWaits({
        providers: pollable.map((provider) => provider.name),
        limit: batchSize,
        leaseSeconds,
      })
    ).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    if (claimed.length === 0) return { ran: false, polled: 0, settled: 0 };
    const polled: string[] = [];
    let settled = 0;
    try {
      for (const wait of claimed) {
        if (this.stopped || performance.now() > deadline) break;
        const provider = pollable.find((each) => each.name === wait.provider)!;
        polled.push(wait.id);
        try {
          const reports = await this.telemetry.platformRequest(provider.name, 'pollStatus', () =>
            provider.pollStatus!({ waitId: wait.waitId, phone: wait.phone as E164 }),
          );
          for (const report of reports) {
            const changed =
              report.event === 'expired'
                ? await this.inboundCalls.expireWait(provider.name, report.waitId ?? wait.waitId)
                : (await this.inboundCalls.handle({ waitId: wait.waitId, ...report }, provider.name)).outcome ===
                  'matched';
            if (changed) settled++;
          }
        } catch (error) {
          this.logger.warn(
            `Polling ${provider.name} about ${maskPhone(wait.phone)} (verification ${wait.id}) failed: ${(error as Error)?.message}`,
          );
        }
      }
    } finally {
      // Not reached, the leases would run out by themselves: a failed release only delays those waits.
      await this.store
        .releaseWaits({
          claimed: claimed.map((wait) => wait.id),
          leaseEnd: claimed[0].leaseEnd,
          polled,
          restSeconds: intervalSeconds,
        })
        .catch((error: Error) => this.logger.warn(`Could not release the status poll's leases: ${error.message}`));
    }
    if (settled > 0) this.logger.log(`Status poll settled ${settled} of ${polled.length} pending verifications`);
    return { ran: true, polled: polled.length, settled };
  }
}
