import { Module } from '@nestjs/common';
import { PhoneCallAuthGuard } from './auth/phone-call-auth.decorator.js';
import { PhoneCallJwtStrategy } from './auth/phone-call-jwt.strategy.js';
import { RefreshTokenController } from './auth/refresh-token.controller.js';
import { RefreshTokenService } from './auth/refresh-token.service.js';
import { TokenService } from './auth/token.service.js';
import { VerificationSecretStrategy } from './verification/verification-secret.strategy.js';
import { CallbackSecretGuard } from './callback/callback-secret.guard.js';
import { InboundCallController } from './callback/inbound-call.controller.js';
import { ConfigurableModuleClass } from './phone-call-auth.module-definition.js';
import { VerificationController } from './verification/verification.controller.js';
import { VerificationService } from './verification/verification.service.js';
import { PurgeService } from './database/purge.service.js';
import { RateLimitService } from './rate-limit/rate-limit.service.js';
import { GlobalBudgetIndicator } from './rate-limit/global-budget.indicator.js';
import { DatabaseTimeoutsService } from './database/database-timeouts.service.js';
import { VerificationListenerService } from './realtime/verification-listener.service.js';
import { VerificationWaitersService } from './realtime/verification-waiters.service.js';

/**
 * Phone verification by the subscriber's own call.
 *
 * Routes (under `routePrefix`, default `auth/phone-call`): `POST /verifications`,
 * `POST /verifications/:id/token[?wait=N]`, `GET /verifications/:id/events`,
 * `DELETE /verifications/:id`, `GET|POST /callback/:secret`, `POST /token/refresh`.
 *
 * @example
 * \@Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ type: 'postgres', url, entities: [...PHONE_CALL_AUTH_ENTITIES],
 *       migrations: PHONE_CALL_AUTH_MIGRATIONS, migrationsRun: true }),
 *     PhoneCallAuthModule.forRootAsync({
 *       inject: [ConfigService],
 *       useFactory: (config: ConfigService) => ({
 *         provider: new SsmsProvider({ apiKey: config.getOrThrow('SSMS_API_KEY') }),
 *         callbackSecret: config.getOrThrow('PHONE_CALL_CALLBACK_SECRET'),
 *         jwt: { secret: config.getOrThrow('JWT_SECRET') },
 *       }),
 *     }),
 *   ],
 * })
 * export class AppModule {}
 */
@Module({
  controllers: [VerificationController, InboundCallController, RefreshTokenController],
  providers: [
    VerificationService,
    TokenService,
    RefreshTokenService,
    PhoneCallJwtStrategy,
    VerificationSecretStrategy,
    PhoneCallAuthGuard,
    CallbackSecretGuard,
    RateLimitService,
    GlobalBudgetIndicator,
    DatabaseTimeoutsService,
    PurgeService,
    VerificationWaitersService,
    VerificationListenerService,
  ],
  exports: [VerificationService, TokenService, PhoneCallAuthGuard, PurgeService, GlobalBudgetIndicator],
})
export class PhoneCallAuthModule extends ConfigurableModuleClass {}
