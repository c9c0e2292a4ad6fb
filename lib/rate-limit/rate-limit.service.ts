import { Inject, Injectable } from '@nestjs/common';
import { sha256 } from '../database/sha256.js';
import type { DataSource } from 'typeorm';
import { InjectPhoneCallAuthOptions, PHONE_CALL_AUTH_DATA_SOURCE } from '../phone-call-auth.constants.js';
import type { RateLimitRule } from '../options/phone-call-auth-options.interface.js';
import type { ResolvedPhoneCallAuthOptions } from '../options/resolved-options.interface.js';
import { queryRows } from '../database/query-rows.js';
import { RATE_LIMIT_TABLE } from '../database/entities/rate-limit.entity.js';
import { clientKey } from '../http/client-address.js';
import { TooManyVerificationsException } from './too-many-verifications.exception.js';

interface Counter {
  key: string;
  rule: RateLimitRule;
  what: string;
}

/**
 * Adds one to each counter and returns the counts, in one statement: a counter whose window has
 * ended starts again at 1. $1 keys, $2 window seconds (one per key).
 */
const COUNT = `
  INSERT INTO ${RATE_LIMIT_TABLE} AS r (key, count, resets_at)
  SELECT key, 1, now() + make_interval(secs => secs) FROM unnest($1::varchar[], $2::int[]) AS input(key, secs)
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN r.resets_at <= now() THEN 1 ELSE r.count + 1 END,
    resets_at = CASE WHEN r.resets_at <= now() THEN EXCLUDED.resets_at ELSE r.resets_at END
  RETURNING key, count, ceil(extract(epoch FROM r.resets_at - now()))::int AS "retryAfter"`;

/** Counter keys are hashed: fixed length whatever a client sends, and no phone number in the table. */
function counterKey(name: string): string {
  return sha256(name).toString('hex');
}

/**
 * Rate limits of verification starts, kept in Postgres so they hold across every instance.
 *
 * The per-phone limit counts starts per phone **and client address**: a stranger who floods a
 * victim's number spends their own allowance, not the victim's, so cannot lock the victim out.
 * The per-address limit bounds each client, and the global budget bounds the platform bill; a
 * start is counted against the global budget only when the per-phone and per-address limits let
 * it through, so refused floods do not use up everyone's budget.
 */
@Injectable()
export class RateLimitService {
  constructor(
    @InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions,
    @Inject(PHONE_CALL_AUTH_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  /** Counts a start; throws {@link TooManyVerificationsException} (429) when a limit is reached. */
  async consume(phone: string, ip: string | undefined): Promise<void> {
    const { perPhone, perIp, global } = this.options.rateLimits;
    const client = clientKey(ip);
    await this.count([
      perPhone && { key: counterKey(`phone:${phone}|${client ?? ''}`), rule: perPhone, what: 'for this phone number' },
      perIp && client && { key: counterKey(`client:${client}`), rule: perIp, what: 'from this address' },
    ]);
    await this.count([global && { key: 'global', rule: global, what: 'right now' }]);
  }

  /**
   * Counts an SMS send against the hard SMS limits (`smsLimits`): per phone whoever asks, per client
   * address, then the global budget; throws {@link TooManyVerificationsException} (429) when one is spent.
   */
  async consumeSms(phone: string, ip: string | undefined): Promise<void> {
    const { perPhone, perIp, global } = this.options.smsLimits;
    const client = clientKey(ip);
    await this.count([
      perPhone && { key: counterKey(`sms-phone:${phone}`), rule: perPhone, what: 'by SMS for this phone number' },
      perIp && client && { key: counterKey(`sms-client:${client}`), rule: perIp, what: 'by SMS from this address' },
    ]);
    await this.count([global && { key: 'sms-global', rule: global, what: 'by SMS right now' }]);
  }

  private async count(candidates: (Counter | false | null | undefined | '')[]): Promise<void> {
    const counters = candidates.filter((counter): counter is Counter => !!counter);
    if (counters.length === 0) return;
    const rows = await queryRows<{ key: string; count: number; retryAfter: number }>(this.dataSource, {
      text: COUNT,
      values: [counters.map((counter) => counter.key), counters.map((counter) => counter.rule.windowSeconds)],
    });
    const exceeded = counters
      .map((counter) => ({ counter, row: rows.find((row) => row.key === counter.key)! }))
      .filter(({ counter, row }) => row.count > counter.rule.limit)
      .sort((a, b) => b.row.retryAfter - a.row.retryAfter)[0];
    if (exceeded) {
      throw new TooManyVerificationsException(Math.max(1, exceeded.row.retryAfter), exceeded.counter.what);
    }
  }
}
