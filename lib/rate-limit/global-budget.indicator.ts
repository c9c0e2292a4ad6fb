import { Injectable } from '@nestjs/common';
import { type GlobalBudgetStatus, RateLimitService } from './rate-limit.service.js';

/**
 * The global start budget (`limits.starts.global`) for a health check. In `'alarm'` mode a spent
 * budget does not refuse starts; report it as degraded so that someone looks.
 *
 * @example
 * // with @nestjs/terminus
 * const budget = await this.globalBudget.check();
 * return budget.exceeded ? this.indicators.check('startBudget').degraded({ ...budget }) : this.indicators.check('startBudget').up({ ...budget });
 */
@Injectable()
export class GlobalBudgetIndicator {
  constructor(private readonly rateLimits: RateLimitService) {}

  /** The current window: starts counted on every instance, the limit, whether it is exceeded. One small query. */
  check(): Promise<GlobalBudgetStatus> {
    return this.rateLimits.globalBudget();
  }
}
