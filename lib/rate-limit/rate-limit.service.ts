import type { VerificationChannel } from '../core/verification-state.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { sha256 } from '../core/sha256.js';
import type { GlobalBudgetMode, RateLimitRule } from '../options/limits.options.js';
import type { ResolvedFraudGuard, ResolvedLimits } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { type ClientLanguage, ClientAddressService } from '../http/client-address.service.js';
import { SmsPrefixBlockedException } from './sms-prefix-blocked.exception.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { TooManyVerificationsException } from './too-many-verifications.exception.js';
import { GLOBAL_KEY } from './rate-limit.sql.js';
import { type CountedRow, RATE_LIMIT_STORE, type RateLimitStore } from './rate-limit.store.js';

interface Counter {
  key: string;
  rule: RateLimitRule;
  what: string;
  /** Over the limit, log and report rather than refuse. */
  alarm?: boolean;
}

/**
 * The counters a start used (the call limits' and, on the SMS channels, the SMS limits' and the
 * fraud guard's prefix): given back with {@link RateLimitService.refund} when the platform request fails.
 */
export interface StartAllowance {
  counted: { key: string; resetsAt: string }[];
  /** The SMS prefix the send was counted against, in the window starting at `windowStart`. */
  prefix?: { prefix: string; windowStart: string };
  /** A `call_or_sms` start whose prefix the fraud guard blocks for SMS: only the call limits were counted; make it a `call` start. */
  callOnly?: true;
}

/** The destination prefix of an SMS start (`smsPrefixOf`), for the fraud guard. */
export interface SmsDestination {
  prefix: string;
  country: string | null;
  /** The app offers the `call` channel: a refusal's message points to it. */
  callOffered: boolean;
}

/** The global budget's state, for a health check ({@link GlobalBudgetIndicator}). */
export interface GlobalBudgetStatus {
  /** `limits.starts.global.mode`, or `'off'` when `limits.starts.global` is false. */
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
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    private readonly addresses: ClientAddressService,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {}

  /**
   * Counts a start against the call limits and, on the SMS channels, the SMS limits and the fraud
   * guard (`destination`, when it is on): the allowances as one, for {@link refund}. A start the SMS
   * limits refuse is given back to the call limits (it was not made). A `call_or_sms` start whose
   * prefix is blocked keeps its call allowance and comes back `callOnly`.
   * @throws TooManyVerificationsException (429) when a limit is spent
   * @throws SmsPrefixBlockedException (429) for an `sms` start whose prefix the fraud guard blocks
   * @throws ClientAddressUnknownException (503) when a limit is kept per address and `ip` is no address
   */
  async countStart(
    phone: string,
    channel: VerificationChannel,
    ip: string | undefined,
    language: ClientLanguage,
    destination?: SmsDestination,
  ): Promise<StartAllowance> {
    const calls = await this.consume(phone, ip, language);
    if (channel === 'call') return calls;
    try {
      const texts = await this.consumeSms(phone, ip, language, destination);
      return { ...texts, counted: [...calls.counted, ...texts.counted] };
    } catch (error) {
      if (channel === 'call_or_sms' && error instanceof SmsPrefixBlockedException) return { ...calls, callOnly: true };
      await this.giveBack(calls);
      throw error;
    }
  }

  /** {@link refund}, for a start that failed: a failure to give it back is logged, not thrown. */
  async giveBack(allowance: StartAllowance): Promise<void> {
    await this.refund(allowance).catch((refundError: unknown) => {
      this.logger.warn(`Could not give a failed start back to the rate limits: ${(refundError as Error)?.message}`);
    });
  }

  /**
   * Counts a start; throws {@link TooManyVerificationsException} (429) when a limit is reached.
   * Returns what it counted, for {@link refund}.
   * @throws ClientAddressUnknownException (503), counting nothing, when a limit is kept per address
   *   (`perPhone`, `perAddress`, `perNetwork`) and `ip` is no address
   */
  async consume(phone: string, ip: string | undefined, language?: ClientLanguage): Promise<StartAllowance> {
    const { perPhone, perAddress, perNetwork, global } = this.limits.starts;
    const client =
      perPhone || perAddress || perNetwork
        ? this.addresses.networksOf(ip, 'start limits (limits.starts)', language)
        : undefined;
    return this.count(
      [
        perPhone &&
          client && {
            key: counterKey(`phone:${phone}|${client.address}`),
            rule: perPhone,
            what: 'for this phone number',
          },
        perAddress &&
          client && { key: counterKey(`client:${client.address}`), rule: perAddress, what: 'from this address' },
        perNetwork &&
          client && { key: counterKey(`network:${client.network}`), rule: perNetwork, what: 'from this network' },
      ],
      global && { key: GLOBAL_KEY, rule: global, what: 'right now', alarm: global.mode === 'alarm' },
    );
  }

  /**
   * Gives a start back to every counter it used, in one statement: for a start whose platform
   * request failed, which the client did not get and the platform does not bill.
   */
  async refund({ counted, prefix }: StartAllowance): Promise<void> {
    if (counted.length === 0 && !prefix) return;
    await this.store.refund(counted, prefix);
  }

  /** The global budget's current window, read from the database (so it covers every instance). */
  async globalBudget(): Promise<GlobalBudgetStatus> {
    const { global } = this.limits.starts;
    if (!global) return { mode: 'off', limit: 0, windowSeconds: 0, used: 0, exceeded: false, resetsInSeconds: 0 };
    const row = await this.store.globalWindow();
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
   * Counts an SMS send against the fraud guard (`limits.fraudGuard`, given the `destination`) and
   * the hard SMS limits (`limits.sms`): per phone whoever asks, per client address, then the global
   * budget, then the prefix. A blocked prefix counts nothing. Returns what it counted, for
   * {@link refund} (with the call limits' counters).
   * @throws SmsPrefixBlockedException (429) when the fraud guard blocks the prefix
   * @throws TooManyVerificationsException (429) when a limit is spent
   * @throws ClientAddressUnknownException (503), counting nothing, when `perAddress` is kept and `ip` is no address
   */
  async consumeSms(
    phone: string,
    ip: string | undefined,
    language?: ClientLanguage,
    destination?: SmsDestination,
  ): Promise<StartAllowance> {
    const { perPhone, perAddress, global } = this.limits.sms;
    const client = perAddress
      ? this.addresses.networksOf(ip, 'SMS limits (limits.sms.perAddress)', language)
      : undefined;
    const guard = this.limits.fraudGuard;
    return this.count(
      [
        perPhone && { key: counterKey(`sms-phone:${phone}`), rule: perPhone, what: 'by SMS for this phone number' },
        perAddress &&
          client && {
            key: counterKey(`sms-client:${client.address}`),
            rule: perAddress,
            what: 'by SMS from this address',
          },
      ],
      global && { key: 'sms-global', rule: global, what: 'by SMS right now' },
      guard && destination ? { ...destination, guard } : undefined,
    );
  }

  /**
   * The fraud guard's alarm: `prefix` was just blocked for SMS, by the send that made `sent` SMS
   * over its window. Called once per block (by the start whose send set it, on whichever instance);
   * logs a warning with the prefix only.
   */
  prefixBlocked(prefix: string, sent: number, blockSeconds: number): void {
    this.telemetry.prefixBlocked(prefix);
    this.logger.warn(
      `SMS to ${prefix}… blocked for ${blockSeconds} s by the fraud guard (limits.fraudGuard): ${sent} SMS codes ` +
        'sent over its window, too few entered (SMS pumping?). sms starts to it get 429 SMS_PREFIX_BLOCKED, call_or_sms ' +
        'starts become call starts. If the traffic is genuine, allow the prefix: PhoneCallAuthFraudGuard.allow().',
    );
  }

  /**
   * Counts `candidates`, then (if none is over its limit) `global` and the SMS prefix (unless it is
   * blocked: then nothing); throws for a limit that is spent or a blocked prefix.
   */
  private async count(
    candidates: (Counter | false | null | undefined | '')[],
    global: Counter | false,
    prefix?: SmsDestination & { guard: ResolvedFraudGuard },
  ): Promise<StartAllowance> {
    const counters = candidates.filter((counter): counter is Counter => !!counter);
    if (counters.length === 0 && !global && !prefix) return { counted: [] };
    const { counted: rows, prefix: judged } = await this.store.count({
      counters: counters.map(({ key, rule }) => ({ key, windowSeconds: rule.windowSeconds, limit: rule.limit })),
      global: global
        ? { key: global.key, windowSeconds: global.rule.windowSeconds, limit: global.alarm ? null : global.rule.limit }
        : null,
      ...(prefix && { prefix: { prefix: prefix.prefix, country: prefix.country, guard: prefix.guard } }),
    });
    if (judged?.guard === 'blocked') {
      // Counted also when a call_or_sms start then goes on as a call: its SMS was refused.
      this.telemetry.refused('sms_prefix_blocked');
      throw new SmsPrefixBlockedException(judged.retryAfter, prefix!.callOffered);
    }
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
      this.telemetry.refused('start_limit');
      throw new TooManyVerificationsException(Math.max(1, exceeded.row.retryAfter), exceeded.counter.what);
    }
    const counted = rows.map(({ key, resetsAt }) => ({ key, resetsAt }));
    if (!prefix) return { counted };
    if (!judged) {
      // A concurrent start blocked the prefix after this statement's snapshot: nothing is sent.
      await this.giveBack({ counted });
      this.telemetry.refused('sms_prefix_blocked');
      throw new SmsPrefixBlockedException(prefix.guard.blockSeconds, prefix.callOffered);
    }
    if (judged.guard === 'blocked_now') this.prefixBlocked(judged.prefix, judged.sent, judged.retryAfter);
    return { counted, prefix: { prefix: judged.prefix, windowStart: judged.windowStart! } };
  }

  /** A budget in alarm mode is spent: warn once per window (per instance); starts go on. */
  private alarm(counter: Counter, row: CountedRow): void {
    if (this.alarmedWindow === row.resetsAt) return;
    this.alarmedWindow = row.resetsAt;
    this.telemetry.startBudgetAlarm();
    this.logger.warn(
      `The global start budget is spent: ${row.count} starts in this ${counter.rule.windowSeconds} s window, ` +
        `over the limit of ${counter.rule.limit}. Starts go on (limits.starts.global.mode 'alarm'); the window ends in ` +
        `${Math.max(0, row.retryAfter)} s. Look for abuse (many numbers from few networks), or raise the budget.`,
    );
  }
}
