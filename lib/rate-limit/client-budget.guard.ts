import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RefusalTally } from '../ops/refusal-tally.service.js';
import { ClientBudgetExceededException } from './client-budget-exceeded.exception.js';
import { ClientBudgetService, type RouteFamily } from './client-budget.service.js';

const ROUTE_FAMILY = 'phone-call-auth:route-family';

/** Names the route family whose budget {@link ClientBudgetGuard} spends for a controller. */
export const BudgetFamily = (family: Exclude<RouteFamily, 'callback'>) => SetMetadata(ROUTE_FAMILY, family);

/**
 * Spends one unit of the client's budget for the controller's route family before anything else
 * runs (guards that read the database come after it), answering 429 when it is spent. A start so
 * refused is counted in memory for the dashboard ({@link RefusalTally}).
 */
@Injectable()
export class ClientBudgetGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly budgets: ClientBudgetService,
    private readonly refusals: RefusalTally,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const family = this.reflector.get<RouteFamily | undefined>(ROUTE_FAMILY, context.getClass());
    // The address is read only when a budget is kept: on Express `ip` is computed on each read.
    if (family && this.budgets.keeps(family)) {
      const request = context
        .switchToHttp()
        .getRequest<{ ip?: string; headers: Record<string, string | string[] | undefined> }>();
      try {
        this.budgets.spend(family, request.ip, { acceptLanguage: request.headers['accept-language'] });
      } catch (error) {
        if (family === 'start' && error instanceof ClientBudgetExceededException) {
          this.refusals.count({ reason: error.code });
        }
        throw error;
      }
    }
    return true;
  }
}
