import { applyDecorators, Controller } from '@nestjs/common';
import { OpenApiTags } from '../openapi/openapi.decorators.js';
import { PhoneCallAuthRoutes } from '../routes/phone-call-auth.routes.js';
import type { RouteFamily } from '../rate-limit/client-budget.service.js';

/** A controller of `<prefix>/verifications/...`: the module's route marker, budget, pipes and filters, and its OpenAPI tag. */
export const VerificationRoutes = (family: Exclude<RouteFamily, 'callback' | 'refresh'>): ClassDecorator =>
  applyDecorators(Controller('verifications'), OpenApiTags('phone-call verification'), PhoneCallAuthRoutes(family));
