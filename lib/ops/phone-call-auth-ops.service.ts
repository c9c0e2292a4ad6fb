import { Inject, Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { ResolvedLimits } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { maskPhone } from '../phone/phone-number.js';
import { OPS_EVENT_STORE, type OpsEventStore } from './ops-event.store.js';
import type { OpsSummary, SupportHistory, SupportHistoryEntry } from './ops.types.js';
import { RefusalTally } from './refusal-tally.service.js';
import { VerificationNotFoundException } from './verification-not-found.exception.js';

/** How many refused prefixes the summary lists. */
const TOP_PREFIXES = 10;

/**
 * For operators: the dashboard's numbers and a verification's support history, read from the
 * module's own tables (and the events it keeps for them), numbers masked. Guard the routes that
 * serve these: they are for operators, not clients.
 *
 * @example
 * \@Get('ops/history/:id') history(@Param('id') id: string) { return this.ops.history(id); }
 */
@Injectable()
export class PhoneCallAuthOps {
  constructor(
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    @Inject(OPS_EVENT_STORE) private readonly store: OpsEventStore,
    private readonly refusals: RefusalTally,
  ) {}

  /**
   * What happened to a verification, in order: the platforms' answers to its start, the start, the
   * calls reported, the codes tried, and how it ended (redeemed, or why not). One statement.
   * @throws VerificationNotFoundException (404 `VERIFICATION_NOT_FOUND`) for an id that is not kept
   */
  async history(verificationId: string): Promise<SupportHistory> {
    if (typeof verificationId !== 'string' || !isUUID(verificationId)) throw new VerificationNotFoundException();
    const rows = await this.store.history(verificationId);
    if (rows.length === 0) throw new VerificationNotFoundException();
    const [first] = rows;
    return {
      verificationId,
      phone: maskPhone(first.phone),
      channel: first.channel,
      provider: first.verificationProvider,
      status: first.status,
      entries: rows.map((row): SupportHistoryEntry => ({
        at: row.at,
        what: row.what as SupportHistoryEntry['what'],
        outcome: row.outcome,
        provider: row.provider,
        number: row.number === null ? null : maskPhone(row.number),
        durationMs: row.durationMs,
        detail: row.detail,
      })),
    };
  }

  /**
   * The dashboard's numbers for the last hour and day, in one statement: the funnel (started,
   * proven, redeemed) by channel, country and provider, each provider's error rate and latency,
   * SMS sent against the global SMS budget, refusals and the most refused number prefixes. This
   * instance's refusals counted in memory are written first.
   */
  async summary(): Promise<OpsSummary> {
    await this.refusals.flush();
    const budget = this.limits.sms.global || null;
    const row = await this.store.summary({
      smsWindowSeconds: budget?.windowSeconds ?? null,
      prefixes: TOP_PREFIXES,
    });
    return {
      ...row,
      platforms: row.platforms.map((each) => ({
        ...each,
        errorRate: each.requests === 0 ? 0 : each.errors / each.requests,
      })),
      sms: { ...row.sms, budget: budget && { limit: budget.limit, windowSeconds: budget.windowSeconds } },
    };
  }
}
