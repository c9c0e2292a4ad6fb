import { applyDecorators, createParamDecorator, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { OpenApiBearer, OpenApiResponse } from '../openapi/openapi.decorators.js';
import { ErrorResponse } from '../openapi/openapi.models.js';
import { PHONE_CALL_JWT_STRATEGY } from '../core/phone-call-auth.constants.js';
import type { VerifiedPhoneIdentity } from './token.service.js';

/** Guard for routes that need a verified phone: `Authorization: Bearer <jwt>` issued by this module. */
@Injectable()
export class PhoneCallAuthGuard extends AuthGuard(PHONE_CALL_JWT_STRATEGY) {}

/**
 * Protects a route or a controller: only requests with a valid token from this module pass.
 *
 * @example
 * \@PhoneCallAuth()
 * \@Get('me')
 * me(\@VerifiedPhone() identity: VerifiedPhoneIdentity) { return identity; }
 */
export function PhoneCallAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(PhoneCallAuthGuard),
    // For @nestjs/swagger, when the app uses it: the bearer scheme of `DocumentBuilder.addBearerAuth()`.
    OpenApiBearer(),
    OpenApiResponse(401, 'Missing, invalid or expired token.', { type: ErrorResponse }),
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
