import { Injectable } from '@nestjs/common';
import type { ClientBudgetRule } from '../options/limits.options.js';
import type { ResolvedLimits } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { type ClientNetworks, clientNetworks } from '../http/client-address.js';
import { type ClientLanguage, ClientAddressService } from '../http/client-address.service.js';
import { PhoneCallAuthTelemetry } from '../telemetry/phone-call-auth.telemetry.js';
import { ClientBudgetExceededException } from './client-budget-exceeded.exception.js';

/** The route families a client's budget is kept for. */
export type RouteFamily = 'start' | 'poll' | 'refresh' | 'callback';

/** Buckets kept at most, per instance; the least recently used go first (a full bucket is as good as none). */
const MAX_BUCKETS = 100_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-client budgets, in this instance's memory: a token bucket per route family for each client
 * address (IPv4, IPv6 /64) and network (IPv4 /24, IPv6 /48). Checked before a request costs a
 * database connection, so a flood of made-up ids or wrong secrets from one network is answered
 * 429 without touching the pool. Each instance keeps its own: behind a load balancer the budget
 * of a client is at most the instances' count times this.
 *
 * Written by hand rather than with `@nestjs/throttler`: that module is registered app-wide (it would
 * take over, or clash with, the host's own ThrottlerModule), and it keys by address only, while
 * these budgets also count the address's network and stay bound to the module's routes.
 */
@Injectable()
export class ClientBudgetService {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    @InjectPhoneCallAuthOptions('limits') private readonly limits: ResolvedLimits,
    private readonly addresses: ClientAddressService,
    private readonly telemetry: PhoneCallAuthTelemetry,
  ) {}

  /** Whether a budget is kept for `family` at all (when not, the client's address need not be read). */
  keeps(family: RouteFamily): boolean {
    const budgets = this.limits.budgets;
    return !!budgets && !!budgets[family];
  }

  /**
   * Spends one unit of the client's budget for `family`.
   * @throws ClientBudgetExceededException (429) when the address or its network has none left
   * @throws ClientAddressUnknownException (503) when `ip` is no address (except on `callback`)
   */
  spend(family: RouteFamily, ip: string | undefined, language?: ClientLanguage): void {
    const wait = this.take(family, ip, false, language);
    if (wait > 0) {
      this.telemetry.refused('client_budget');
      throw new ClientBudgetExceededException(wait);
    }
  }

  /** Seconds until the client may try again (0: it has budget left), spending nothing. */
  waitFor(family: RouteFamily, ip: string | undefined): number {
    return this.take(family, ip, true);
  }

  /** Takes one unit from both of the client's buckets, or none; returns the seconds to wait when it cannot. */
  private take(family: RouteFamily, ip: string | undefined, dryRun: boolean, language?: ClientLanguage): number {
    const budgets = this.limits.budgets;
    const rule = budgets && budgets[family];
    if (!budgets || !rule) return 0;
    const networks = this.networksOf(family, ip, language);
    if (!networks) return 0;
    const now = performance.now();
    const scaled = { burst: rule.burst * budgets.networkFactor, perSecond: rule.perSecond * budgets.networkFactor };
    const address = this.bucket(`${family}|${networks.address}`, rule, now);
    const network = this.bucket(`${family}|${networks.network}`, scaled, now);
    const wait = Math.max(this.waitSeconds(address, rule), this.waitSeconds(network, scaled));
    if (wait === 0 && !dryRun) {
      address.tokens -= 1;
      network.tokens -= 1;
    }
    return wait;
  }

  /**
   * The client's networks; without an address, a budget that cannot be kept refuses the request
   * rather than let it through unlimited. The platform's callbacks are left through: their budget
   * counts only refusals, and a genuine callback must not be lost to the app's configuration.
   */
  private networksOf(
    family: RouteFamily,
    ip: string | undefined,
    language?: ClientLanguage,
  ): ClientNetworks | undefined {
    if (family === 'callback') return clientNetworks(ip);
    return this.addresses.networksOf(ip, `limits.budgets.${family}`, language);
  }

  private bucket(key: string, rule: ClientBudgetRule, now: number): Bucket {
    const existing = this.buckets.get(key);
    // Re-inserted on every use: the Map's order is then least recently used first.
    if (existing) this.buckets.delete(key);
    const bucket = existing ?? { tokens: rule.burst, at: now };
    bucket.tokens = Math.min(rule.burst, bucket.tokens + ((now - bucket.at) / 1000) * rule.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    return bucket;
  }

  private waitSeconds(bucket: Bucket, rule: ClientBudgetRule): number {
    return bucket.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / rule.perSecond));
  }
}
