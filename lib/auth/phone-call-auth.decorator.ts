import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';
import { OpenApiBearer, OpenApiResponse } from '../openapi/openapi.decorators.js';
import { ErrorResponse } from '../openapi/openapi.models.js';
import { PHONE_CALL_JWT_STRATEGY } from '../core/phone-call-auth.constants.js';
import { PHONE_CALL_AUTH_MAX_AGE, RecentProofGuard } from './recent-proof.guard.js';
import type { VerifiedPhoneIdentity } from './token.service.js';

/** Guard for routes that need a verified phone: `Authorization: Bearer <jwt>` issued by this module. */
@Injectable()
export class PhoneCallAuthGuard extends AuthGuard(PHONE_CALL_JWT_STRATEGY) {}

/** Options of {@link PhoneCallAuth}. */
export interface PhoneCallAuthRouteOptions {
  /**
   * Seconds since the number was proven (the token's `auth_time`) that the route accepts: an older
   * proof, or a token without `auth_time`, gets 401 `INSUFFICIENT_USER_AUTHENTICATION` with RFC
   * 9470's `WWW-Authenticate` challenge (`max_age`). A refresh keeps `auth_time`; a step-up's access token carries the new proof's (its refreshes go back to the sign-in's).
   * @default any age
   */
  maxAge?: number;
}

/**
 * Protects a route or a controller: only requests with a valid token from this module pass; with
 * `maxAge`, only tokens whose proof is at most that many seconds old (step-up: confirm before a
 * payment or a change of password).
 *
 * @example
 * \@PhoneCallAuth()
 * \@Get('me')
 * me(\@VerifiedPhone() identity: VerifiedPhoneIdentity) { return identity; }
 *
 * \@PhoneCallAuth({ maxAge: 300 })
 * \@Post('payments')
 * pay() {}
 */
export function PhoneCallAuth(options: PhoneCallAuthRouteOptions = {}): MethodDecorator & ClassDecorator {
  const { maxAge } = options;
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 0)) {
    throw new PhoneCallAuthConfigError(`@PhoneCallAuth({ maxAge }) must be a whole number of seconds, got ${maxAge}.`);
  }
  return applyDecorators(
    ...(maxAge === undefined
      ? [UseGuards(PhoneCallAuthGuard)]
      : [SetMetadata(PHONE_CALL_AUTH_MAX_AGE, maxAge), UseGuards(PhoneCallAuthGuard, RecentProofGuard)]),
    // For @nestjs/swagger, when the app uses it: the bearer scheme of `DocumentBuilder.addBearerAuth()`.
    OpenApiBearer(),
    OpenApiResponse(
      401,
      maxAge === undefined
        ? 'Missing, invalid or expired token.'
        : `Missing, invalid or expired token, or its proof is older than ${maxAge} s (INSUFFICIENT_USER_AUTHENTICATION).`,
      { type: ErrorResponse },
    ),
  );
}

/**
 * Injects the verified identity ({@link VerifiedPhoneIdentity}) of a route behind `@PhoneCallAuth()`,
 * or one of its fields: `@VerifiedPhone('phone')`.
 */
export const VerifiedPhone = createParamDecorator(
  (field: keyof VerifiedPhoneIdentity | undefined, context: ExecutionContext) => {
    const identity = context.switchToHttp().getRequest<{ user?: VerifiedPhoneIdentity }>().user;
    return field ? identity?.[field] : identity;
  },
);
