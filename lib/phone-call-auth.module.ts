import { type MiddlewareConsumer, Module, type NestModule, type Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { PhoneCallAuthGuard } from './auth/phone-call-auth.decorator.js';
import { PhoneCallJwtStrategy } from './auth/phone-call-jwt.strategy.js';
import { RefreshTokenService } from './auth/refresh-token.service.js';
import { TokenCookieService } from './auth/token-cookie.service.js';
import { TokenService } from './auth/token.service.js';
import { CallbackSecretGuard } from './callback/callback-secret.guard.js';
import { PhoneCallAuthCallbacks } from './callback/callback-urls.js';
import { PurgeService } from './database/purge.service.js';
import { SchemaCheckService } from './database/schema-check.service.js';
import { PhoneCallAuthConfigError } from './core/phone-call-auth-config.error.js';
import { PHONE_CALL_AUTH_PROVIDERS } from './core/phone-call-auth.constants.js';
import { PHONE_CALL_AUTH_OPTION_SLICES } from './options/option-slices.js';
import type { ResolvedPlatforms } from './options/resolved-options.interface.js';
import { ConfigurableModuleClass } from './phone-call-auth.module-definition.js';
import { ClientBudgetService } from './rate-limit/client-budget.service.js';
import { ClientAddressService } from './http/client-address.service.js';
import { RateLimitService } from './rate-limit/rate-limit.service.js';
import { AdmissionService } from './database/admission.service.js';
import { GlobalBudgetIndicator } from './rate-limit/global-budget.indicator.js';
import { PhoneCallAuthFraudGuard } from './rate-limit/fraud-guard.service.js';
import { DatabaseTimeoutsService } from './database/database-timeouts.service.js';
import { EventStreamsService } from './realtime/event-streams.service.js';
import { VerificationListenerService } from './realtime/verification-listener.service.js';
import { VerificationWaitersService } from './realtime/verification-waiters.service.js';
import { VerificationService } from './verification/verification.service.js';
import { StartVerificationService } from './verification/start-verification.service.js';
import { InboundCallService } from './verification/inbound-call.service.js';
import { CodeCheckService } from './verification/code-check.service.js';
import { RedeemService } from './verification/redeem.service.js';
import { BoundRedeemService } from './verification/bound-redeem.service.js';
import { RecentProofGuard } from './auth/recent-proof.guard.js';
import { CancelService } from './verification/cancel.service.js';
import { VERIFICATION_STORE } from './verification/verification.store.js';
import { PostgresVerificationStore } from './verification/postgres-verification.store.js';
import { INBOUND_CALL_STORE } from './verification/inbound-call.store.js';
import { PostgresInboundCallStore } from './verification/postgres-inbound-call.store.js';
import { RATE_LIMIT_STORE } from './rate-limit/rate-limit.store.js';
import { PostgresRateLimitStore } from './rate-limit/postgres-rate-limit.store.js';
import { REFRESH_TOKEN_STORE } from './auth/refresh-token.store.js';
import { PostgresRefreshTokenStore } from './auth/postgres-refresh-token.store.js';
import { StatementRunner } from './database/statement-runner.js';
import { StatusPollerService } from './verification/status-poller.service.js';
import { PlatformBalanceHealthIndicator } from './providers/platform-balance.indicator.js';
import { PhoneCallAuthTelemetry } from './telemetry/phone-call-auth.telemetry.js';
import { RequestContextMiddleware } from './telemetry/request-context.js';
import { OPS_EVENT_STORE } from './ops/ops-event.store.js';
import { PostgresOpsEventStore } from './ops/postgres-ops-event.store.js';
import { RefusalTally } from './ops/refusal-tally.service.js';
import { PhoneCallAuthOps } from './ops/phone-call-auth-ops.service.js';

/**
 * Phone verification by the subscriber's own call.
 *
 * Routes (under `routePrefix`, default `auth/phone-call`; each group can be left out with
 * `routes`): `POST /verifications`, `POST /verifications/:id/token[?wait=N]`,
 * `GET /verifications/:id/events`, `DELETE /verifications/:id`, `POST /verifications/:id/code`,
 * `GET|POST /callback/:provider/:secret` (and `/callback/:secret` for SSMS), `POST /token/refresh`,
 * `POST /token/sign-out`, `POST /account/verifications`, `POST /account/verifications/:id/token`. Each platform's callback URL: `app.get(PhoneCallAuthCallbacks).urls()`.
 *
 * @example
 * \@Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ type: 'postgres', url, entities: [...PHONE_CALL_AUTH_ENTITIES],
 *       migrations: [...PHONE_CALL_AUTH_MIGRATIONS], migrationsRun: true }),
 *     PhoneCallAuthModule.forRootAsync({
 *       inject: [ConfigService],
 *       useFactory: (config: ConfigService) => ({
 *         providers: [new SsmsProvider({ apiKey: config.getOrThrow('SSMS_API_KEY') })],
 *         callbackSecret: config.getOrThrow('PHONE_CALL_CALLBACK_SECRET'),
 *         jwt: { secret: config.getOrThrow('JWT_SECRET') },
 *       }),
 *     }),
 *   ],
 * })
 * export class AppModule {}
 */
@Module({
  providers: [
    // Stores: every statement, behind a port each (bound here to Postgres).
    StatementRunner,
    PhoneCallAuthTelemetry,
    { provide: VERIFICATION_STORE, useClass: PostgresVerificationStore },
    { provide: INBOUND_CALL_STORE, useClass: PostgresInboundCallStore },
    { provide: RATE_LIMIT_STORE, useClass: PostgresRateLimitStore },
    { provide: REFRESH_TOKEN_STORE, useClass: PostgresRefreshTokenStore },
    { provide: OPS_EVENT_STORE, useClass: PostgresOpsEventStore },
    {
      provide: PHONE_CALL_AUTH_PROVIDERS,
      useFactory: (platforms: ResolvedPlatforms) => platforms.providers,
      inject: [PHONE_CALL_AUTH_OPTION_SLICES.platforms],
    },
    // Use cases, and the facade over them.
    StartVerificationService,
    InboundCallService,
    CodeCheckService,
    RedeemService,
    BoundRedeemService,
    CancelService,
    VerificationService,
    TokenService,
    TokenCookieService,
    RefreshTokenService,
    PhoneCallJwtStrategy,
    PhoneCallAuthGuard,
    RecentProofGuard,
    CallbackSecretGuard,
    PhoneCallAuthCallbacks,
    RateLimitService,
    ClientBudgetService,
    ClientAddressService,
    AdmissionService,
    GlobalBudgetIndicator,
    PhoneCallAuthFraudGuard,
    DatabaseTimeoutsService,
    PurgeService,
    StatusPollerService,
    PlatformBalanceHealthIndicator,
    SchemaCheckService,
    VerificationWaitersService,
    VerificationListenerService,
    EventStreamsService,
    RefusalTally,
    PhoneCallAuthOps,
  ],
  exports: [
    VerificationService,
    PhoneCallAuthCallbacks,
    TokenService,
    PhoneCallAuthGuard,
    RecentProofGuard,
    PurgeService,
    GlobalBudgetIndicator,
    PhoneCallAuthFraudGuard,
    StatusPollerService,
    PlatformBalanceHealthIndicator,
    PhoneCallAuthOps,
  ],
})
export class PhoneCallAuthModule extends ConfigurableModuleClass implements NestModule {
  /**
   * One registration per app: Passport keeps one strategy per name and Nest's router one prefix per
   * module class, so a second registration would silently share (and misroute) the first one's.
   * Checked when the module is created, before any route is registered.
   */
  constructor(private readonly modules: ModulesContainer) {
    super();
    const registrations = [...modules.values()].filter((module) => module.metatype === PhoneCallAuthModule);
    if (registrations.length > 1) {
      throw new PhoneCallAuthConfigError(
        `the module is registered ${registrations.length} times; register it once per app (forRoot or forRootAsync ` +
          'in one module, with isGlobal: true if other modules need its services). To serve several regions, ' +
          'route by number with one registration.',
      );
    }
  }

  /** Gives each request to the module's routes its request id, for its log lines (`phoneCallAuthLogFields()`). */
  configure(consumer: MiddlewareConsumer): void {
    const module = [...this.modules.values()].find((each) => each.metatype === PhoneCallAuthModule);
    const controllers = [...(module?.controllers.keys() ?? [])].filter((each) => typeof each === 'function');
    if (controllers.length > 0) consumer.apply(RequestContextMiddleware).forRoutes(...(controllers as Type[]));
  }
}
