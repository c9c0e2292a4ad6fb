import { Inject, Injectable, Logger } from '@nestjs/common';
import { sha256 } from '../database/sha256.js';
import type { DataSource } from 'typeorm';
import { InjectPhoneCallAuthOptions, PHONE_CALL_AUTH_DATA_SOURCE } from '../phone-call-auth.constants.js';
import type { GlobalBudgetMode, RateLimitRule } from '../options/phone-call-auth-options.interface.js';
import type { ResolvedPhoneCallAuthOptions } from '../options/resolved-options.interface.js';
import { queryPool, queryRows } from '../database/query-rows.js';
import { RATE_LIMIT_TABLE } from '../database/entities/rate-limit.entity.js';
import { type ClientLanguage, ClientAddressService } from '../http/client-address.service.js';
import { TooManyVerificationsException } from './too-many-verifications.exception.js';

interface Counter {
  key: string;
  rule: RateLimitRule;
  what: string;
  /** Over the limit, log and report rather than refuse. */
  alarm?: boolean;
}

/** A counter a start added one to, and the window it added it in. */
interface CountedRow {
  key: string;
  count: number;
  retryAfter: number;
  /** The window's end, as the database wrote it (text, so it compares exactly). */
  resetsAt: string;
}

/**
 * The counters a start used (the call limits' and, on the SMS channels, the SMS limits'): given
 * back with {@link RateLimitService.refund} when the platform request fails.
 */
export interface StartAllowance {
  counted: { key: string; resetsAt: string }[];
}

/** The global budget's state, for a health check ({@link GlobalBudgetIndicator}). */
export interface GlobalBudgetStatus {
  /** `rateLimits.global.mode`, or `'off'` when `rateLimits.global` is false. */
  mode: GlobalBudgetMode | 'off';
  /** The rule; 0 when off. */
  limit: number;
  windowSeconds: number;
  /** Starts counted in the current window (on every instance). */
  used: number;
  /** More starts than `limit` in the current window. */
  exceeded: boolean;
  /** Seconds until the current window ends; 0 when no window is open. */
  resetsInSeconds: number;
}

/** The key of the global counter (not hashed: it holds nothing personal). */
const GLOBAL_KEY = 'global';

/** Adds one to a counter, or starts it again at 1 when its window has ended. */
const UPSERT_COUNT = `
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN r.resets_at <= now() THEN 1 ELSE r.count + 1 END,
    resets_at = CASE WHEN r.resets_at <= now() THEN EXCLUDED.resets_at ELSE r.resets_at END
  RETURNING key, count, ceil(extract(epoch FROM r.resets_at - now()))::int AS "retryAfter",
    r.resets_at::text AS "resetsAt"`;

/**
 * Adds one to each counter and returns the counts, in one statement (one round trip). The global
 * counter ($4) is counted only when none of the others went over its limit, so refused floods do
 * not spend everyone's budget. $1 keys, $2 window seconds and $3 limits (one per key), $4 the
 * global key (or null), $5 its window seconds.
 */
const COUNT = `
  WITH counted AS (
    INSERT INTO ${RATE_LIMIT_TABLE} AS r (key, count, resets_at)
    SELECT key, 1, now() + make_interval(secs => secs) FROM unnest($1::varchar[], $2::int[]) AS input(key, secs)
    ${UPSERT_COUNT}
  ), global AS (
    INSERT INTO ${RATE_LIMIT_TABLE} AS r (key, count, resets_at)
    SELECT $4, 1, now() + make_interval(secs => $5::int)
    WHERE $4::varchar IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM counted JOIN unnest($1::varchar[], $3::int[]) AS rule(key, lim) USING (key)
      WHERE counted.count > rule.lim
    )
    ${UPSERT_COUNT}
  )
  SELECT * FROM counted UNION ALL SELECT * FROM global`;

/**
 * Takes one back from each counter, in one statement: one conditional decrement per counter, only
 * in the window it was added in (a window that has started again since keeps its count) and never
 * below zero. $1 keys, $2 the windows' ends.
 */
const REFUND = `
  UPDATE ${RATE_LIMIT_TABLE} AS r SET count = r.count - 1
  FROM unnest($1::varchar[], $2::timestamptz[]) AS input(key, resets_at)
  WHERE r.key = input.key AND r.resets_at = input.resets_at AND r.count > 0`;

/** The global counter's current window. */
const GLOBAL_WINDOW = `
  SELECT count AS used, ceil(extract(epoch FROM resets_at - now()))::int AS "resetsInSeconds"
  FROM ${RATE_LIMIT_TABLE} WHERE key = '${GLOBAL_KEY}' AND resets_at > now()`;

/** Counter keys are hashed: fixed length whatever a client sends, and no phone number in the table. */
function counterKey(name: string): string {
  return sha256(name).toString('hex');
}

/**
 * Rate limits of verification starts, kept in Postgres so they hold across every instance.
 *
 * The per-phone limit counts starts per phone **and client address**: a stranger who floods a
 * victim's number spends their own allowance, not the victim's, so cannot lock the victim out.
 * The per-address and per-network (IPv4 /24, IPv6 /48) limits bound each client, and the global
 * budget bounds the platform bill; a start is counted against the global budget only when the
 * other limits let it through, so refused floods do not use up everyone's budget. In `'alarm'`
 * mode (the default) a spent global budget is logged and reported, not enforced: a few addresses
 * cannot lock everyone out. A start whose platform request fails is given back ({@link refund}),
 * to the SMS limits too. Without a client address these limits cannot be kept per address (and a
 * per-phone counter would be everyone's): such a start is refused, not counted
 * ({@link ClientAddressService}).
 */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger(RateLimitService.name);
  /** The window of the global budget last reported exceeded, so it is logged once per window. */
  private alarmedWindow?: string;

  constructor(
    @InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions,
    @Inject(PHONE_CALL_AUTH_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly addresses: ClientAddressService,
  ) {}

  /**
   * Counts a start; throws {@link TooManyVerificationsException} (429) when a limit is reached.
   * Returns what it counted, for {@link refund}.
   * @throws ClientAddressUnknownException (503), counting nothing, when a limit is kept per address
   *   (`perPhone`, `perIp`, `perSubnet`) and `ip` is no address
   */
  async consume(phone: string, ip: string | undefined, language?: ClientLanguage): Promise<StartAllowance> {
    const { perPhone, perIp, perSubnet, global } = this.options.rateLimits;
    const client =
      perPhone || perIp || perSubnet ? this.addresses.networksOf(ip, 'start limits (rateLimits)', language) : undefined;
    const counted = await this.count(
      [
        perPhone &&
          client && {
            key: counterKey(`phone:${phone}|${client.address}`),
            rule: perPhone,
            what: 'for this phone number',
          },
        perIp && client && { key: counterKey(`client:${client.address}`), rule: perIp, what: 'from this address' },
        perSubnet &&
          client && { key: counterKey(`network:${client.network}`), rule: perSubnet, what: 'from this network' },
      ],
      global && { key: GLOBAL_KEY, rule: global, what: 'right now', alarm: global.mode === 'alarm' },
    );
    return { counted };
  }

  /**
   * Gives a start back to every counter it used, in one statement: for a start whose platform
   * request failed, which the client did not get and the platform does not bill.
   */
  async refund({ counted }: StartAllowance): Promise<void> {
    if (counted.length === 0) return;
    await queryRows(this.dataSource, {
      text: REFUND,
      values: [counted.map((row) => row.key), counted.map((row) => row.resetsAt)],
    });
  }

  /** The global budget's current window, read from the database (so it covers every instance). */
  async globalBudget(): Promise<GlobalBudgetStatus> {
    const { global } = this.options.rateLimits;
    if (!global) return { mode: 'off', limit: 0, windowSeconds: 0, used: 0, exceeded: false, resetsInSeconds: 0 };
    const [row] = await queryRows<{ used: number; resetsInSeconds: number }>(this.dataSource, {
      text: GLOBAL_WINDOW,
      values: [],
    });
    const used = row?.used ?? 0;
    return {
      mode: global.mode,
      limit: global.limit,
      windowSeconds: global.windowSeconds,
      used,
      exceeded: used > global.limit,
      resetsInSeconds: Math.max(0, row?.resetsInSeconds ?? 0),
    };
  }

  /**
   * Counts an SMS send against the hard SMS limits (`smsLimits`): per phone whoever asks, per client
   * address, then the global budget; throws {@link TooManyVerificationsException} (429) when one is
   * spent. Returns what it counted, for {@link refund} (with the call limits' counters).
   * @throws ClientAddressUnknownException (503), counting nothing, when `perIp` is kept and `ip` is no address
   */
  async consumeSms(phone: string, ip: string | undefined, language?: ClientLanguage): Promise<StartAllowance> {
    const { perPhone, perIp, global } = this.options.smsLimits;
    const client = perIp ? this.addresses.networksOf(ip, 'SMS limits (smsLimits.perIp)', language) : undefined;
    const counted = await this.count(
      [
        perPhone && { key: counterKey(`sms-phone:${phone}`), rule: perPhone, what: 'by SMS for this phone number' },
        perIp &&
          client && { key: counterKey(`sms-client:${client.address}`), rule: perIp, what: 'by SMS from this address' },
      ],
      global && { key: 'sms-global', rule: global, what: 'by SMS right now' },
    );
    return { counted };
  }

  /** Counts `candidates`, then (if none is over its limit) `global`; throws for a limit that is spent. */
  private async count(
    candidates: (Counter | false | null | undefined | '')[],
    global: Counter | false,
  ): Promise<StartAllowance['counted']> {
    const counters = candidates.filter((counter): counter is Counter => !!counter);
    if (counters.length === 0 && !global) return [];
    const statement = {
      name: 'phone_call_auth_count',
      text: COUNT,
      values: [
        counters.map((counter) => counter.key),
        counters.map((counter) => counter.rule.windowSeconds),
        counters.map((counter) => counter.rule.limit),
        global ? global.key : null,
        global ? global.rule.windowSeconds : null,
      ],
    };
    const rows = await queryPool<CountedRow>(this.dataSource, statement, this.options.preparedStatements);
    const over = [...counters, ...(global ? [global] : [])]
      .flatMap((counter) => {
        const row = rows.find((each) => each.key === counter.key);
        return row ? [{ counter, row }] : [];
      })
      .filter(({ counter, row }) => row.count > counter.rule.limit);
    for (const { counter, row } of over.filter(({ counter }) => counter.alarm)) this.alarm(counter, row);
    const exceeded = over
      .filter(({ counter }) => !counter.alarm)
      .sort((a, b) => b.row.retryAfter - a.row.retryAfter)[0];
    if (exceeded) {
      throw new TooManyVerificationsException(Math.max(1, exceeded.row.retryAfter), exceeded.counter.what);
    }
    return rows.map(({ key, resetsAt }) => ({ key, resetsAt }));
  }

  /** A budget in alarm mode is spent: warn once per window (per instance); starts go on. */
  private alarm(counter: Counter, row: CountedRow): void {
    if (this.alarmedWindow === row.resetsAt) return;
    this.alarmedWindow = row.resetsAt;
    this.logger.warn(
      `The global start budget is spent: ${row.count} starts in this ${counter.rule.windowSeconds} s window, ` +
        `over the limit of ${counter.rule.limit}. Starts go on (rateLimits.global.mode 'alarm'); the window ends in ` +
        `${Math.max(0, row.retryAfter)} s. Look for abuse (many numbers from few networks), or raise the budget.`,
    );
  }
}
