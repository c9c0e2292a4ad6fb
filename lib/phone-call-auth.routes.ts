import {
  applyDecorators,
  type ExecutionContext,
  SetMetadata,
  UseFilters,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { DatabaseUnavailableFilter } from './database/database-unavailable.filter.js';
import { RetryAfterFilter } from './rate-limit/retry-after.filter.js';

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
 * - `callback`: `GET|POST /callback/:secret` (the platform's inbound-call reports)
 * - `refresh`: `POST /token/refresh`
 */
export type PhoneCallAuthRouteGroup = 'start' | 'token' | 'events' | 'cancel' | 'callback' | 'refresh';

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
 * What every controller of the module carries: the route marker, validation local to its routes
 * (the host app needs no global ValidationPipe), and the filters that answer a lost database with
 * 503 and a spent budget with 429 + `Retry-After` (bound here, so the host's own routes keep theirs).
 */
export function PhoneCallAuthRoutes(): ClassDecorator {
  return applyDecorators(
    SetMetadata(PHONE_CALL_AUTH_ROUTE, true),
    UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true })),
    UseFilters(DatabaseUnavailableFilter, RetryAfterFilter),
  );
}
