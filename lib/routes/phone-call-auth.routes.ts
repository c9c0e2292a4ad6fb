import { applyDecorators, type ExecutionContext, SetMetadata, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { DatabaseUnavailableFilter } from '../database/database-unavailable.filter.js';
import { PhoneCallAuthExceptionFilter } from '../http/phone-call-auth-exception.filter.js';
import { RequestValidationPipe } from '../http/request-validation.pipe.js';
import { BudgetFamily, ClientBudgetGuard } from '../rate-limit/client-budget.guard.js';
import type { RouteFamily } from '../rate-limit/client-budget.service.js';

/**
 * Metadata key set on every controller the module mounts. An app-wide guard can test for it
 * (or call {@link isPhoneCallAuthRoute}) to let the module's routes through.
 */
export const PHONE_CALL_AUTH_ROUTE = 'phone-call-auth:route';

/**
 * The module's route groups; `routes: { token: false }` leaves one unmounted.
 * - `start`: `POST /verifications`
 * - `token`: `POST /verifications/:id/token`
 * - `events`: `GET /verifications/:id/events`
 * - `cancel`: `DELETE /verifications/:id`
 * - `code`: `POST /verifications/:id/code` (the SMS code)
 * - `callback`: `GET|POST /callback/:provider/:secret` and `/callback/:secret` (SSMS's, else the first
 *   provider's): the platforms' inbound-call reports
 * - `refresh`: `POST /token/refresh`
 * - `signOut`: `POST /token/sign-out` (revokes the refresh token; in cookie mode, expires the cookies)
 * - `account`: `POST /account/verifications` and `POST /account/verifications/:id/token`, behind the
 *   module's access token: a signed-in person proves their number again (step-up) or a new one
 *   (change of number)
 */
export type PhoneCallAuthRouteGroup =
  'start' | 'token' | 'events' | 'cancel' | 'code' | 'callback' | 'refresh' | 'signOut' | 'account';

/**
 * Whether the request is for one of the module's routes: for an app-wide guard that must let the
 * platform's callback and the verification routes through.
 *
 * @example
 * canActivate(context: ExecutionContext) {
 *   if (isPhoneCallAuthRoute(context)) return true;
 *   ...
 * }
 */
export function isPhoneCallAuthRoute(context: ExecutionContext): boolean {
  return Reflect.getMetadata(PHONE_CALL_AUTH_ROUTE, context.getClass()) === true;
}

/**
 * What every controller of the module carries: the route marker; the client's budget for its route
 * family, spent before any other guard (`family`; the callback's is spent by its own guard, on
 * refusals only); validation local to its routes (the host app needs no global ValidationPipe); and
 * the filters that answer a lost database with 503 and the module's own errors with their `code`,
 * in the request's language (and `Retry-After` where there is one): bound here, so the host's own
 * routes keep their own.
 */
export function PhoneCallAuthRoutes(family?: Exclude<RouteFamily, 'callback'>): ClassDecorator {
  return applyDecorators(
    SetMetadata(PHONE_CALL_AUTH_ROUTE, true),
    ...(family ? [BudgetFamily(family), UseGuards(ClientBudgetGuard)] : []),
    UsePipes(new RequestValidationPipe()),
    UseFilters(DatabaseUnavailableFilter, PhoneCallAuthExceptionFilter),
  );
}
