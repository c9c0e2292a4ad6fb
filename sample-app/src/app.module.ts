import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  PHONE_CALL_AUTH_ENTITIES,
  PHONE_CALL_AUTH_MIGRATIONS,
  PHONE_CALL_AUTH_DEVELOPMENT_LIMITS,
  PhoneCallAuthModule,
  type TelephonyProvider,
} from 'nestjs-phone-call-auth';
import type { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { DevController, FAKE_PLATFORM } from './dev.controller.js';
import { HealthController } from './health.controller.js';
import { MeController } from './me.controller.js';
import { MetricsController, PROMETHEUS_EXPORTER } from './metrics.controller.js';
import { OpsController } from './ops.controller.js';
import { OPS_TOKEN, OpsTokenGuard } from './ops-token.guard.js';
import { paymentController } from './payment.controller.js';
import { SampleAccounts } from './sample.accounts.js';
import { ACCESS_TOKEN_COOKIE, PageController, PAGE_CHANNELS, SIMULATOR_ENABLED } from './page.controller.js';
import type { SampleConfig } from './sample.config.js';
import { createSampleProviders, sampleRouting } from './sample.platforms.js';
import { ROUTE_PREFIX } from './sample.constants.js';

const SAMPLE_CONFIG = 'SAMPLE_CONFIG';
/** Relaxed limits, for the fake platform (local development). */
const DEVELOPMENT = PHONE_CALL_AUTH_DEVELOPMENT_LIMITS.limits;

/** The entries whose value is set: an unset environment variable keeps the preset's or the module's value. */
function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The module reads its options from the environment through forRootAsync, as a real app would. */
@Module({})
export class AppModule {
  /** `exporter`: the Prometheus reader `/metrics` serves ({@link installPrometheusMetrics}); without it, 404. */
  static register(config: SampleConfig, fake?: FakeSsmsPlatform, exporter?: PrometheusExporter): DynamicModule {
    const accounts = new SampleAccounts();
    @Module({ providers: [{ provide: SAMPLE_CONFIG, useValue: config }], exports: [SAMPLE_CONFIG] })
    class SampleConfigModule {}

    return {
      module: AppModule,
      imports: [
        TerminusModule,
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          entities: [...PHONE_CALL_AUTH_ENTITIES],
          migrations: [...PHONE_CALL_AUTH_MIGRATIONS],
          migrationsRun: true,
          // The module's advice: a request waits at most 2 s for a connection, the server cancels a
          // statement after 2 s, and the client stops waiting for an answer after 2.5 s. While the
          // database is down or frozen, every route answers 503 within 3 s. statement_timeout only
          // on the embedded Postgres: PgBouncer refuses it at connection startup, so with DATABASE_URL
          // it belongs on the role (docs/operations.md; the module warns when the server has none).
          extra: {
            connectionTimeoutMillis: 2000,
            ...(config.statementTimeoutAtStartup && { statement_timeout: 2000 }),
            query_timeout: 2500,
          },
        }),
        PhoneCallAuthModule.forRootAsync({
          imports: [SampleConfigModule],
          inject: [SAMPLE_CONFIG],
          useFactory: (sample: SampleConfig) => ({
            // The fake SSMS platform when no platform is configured (PHONE_CALL_PROVIDERS, SSMS_API_KEY).
            providers: fake ? [fake.provider() as TelephonyProvider] : createSampleProviders(sample),
            routing: fake ? undefined : sampleRouting(sample.platforms),
            publicBaseUrl: sample.publicBaseUrl,
            callbackSecret: sample.callbackSecret,
            jwt: { secret: sample.jwtSecret, cookie: sample.jwtCookie },
            windowSeconds: sample.windowSeconds,
            // Change of number: the account keeps its name (sub) and gets a token for its new number.
            resolveSubject: (phone) => accounts.subjectOf(phone),
            onNumberChange: (change) => accounts.move(change),
            // On the fake platform (local development), relaxed start and SMS limits, so a person can try
            // again and again; the environment overrides either. The per-client budgets stay the
            // module's everywhere: they are what keeps a flood's requests off the database, and
            // `npm start` is what a newcomer floods first (the development preset's would let
            // 4,000 made-up polls from one /24 into the pipeline at once).
            limits: {
              starts: { ...(fake && DEVELOPMENT.starts), ...defined(sample.startLimits) },
              sms: { ...(fake && DEVELOPMENT.sms), ...defined(sample.smsLimits) },
              fraudGuard: sample.fraudGuard && defined(sample.fraudGuard),
              budgets: sample.budgets && {},
              connections: defined(sample.connections),
              waiters: defined(sample.waiters),
              admission: sample.admission && {},
              refusalTally: sample.refusalTally,
            },
            phonePolicy: sample.phonePolicy,
            allowedOrigins: sample.allowedOrigins,
            siteName: sample.siteName,
            channels: sample.channels,
            defaultChannel: sample.channels[0],
            preparedStatements: sample.preparedStatements,
            listenUrl: sample.databaseListenUrl,
          }),
          routePrefix: ROUTE_PREFIX,
        }),
      ],
      providers: [
        { provide: SIMULATOR_ENABLED, useValue: !!fake },
        { provide: PAGE_CHANNELS, useValue: config.channels },
        { provide: ACCESS_TOKEN_COOKIE, useValue: config.jwtCookie ?? null },
        { provide: OPS_TOKEN, useValue: config.opsToken ?? null },
        { provide: PROMETHEUS_EXPORTER, useValue: exporter ?? null },
        OpsTokenGuard,
        ...(fake ? [{ provide: FAKE_PLATFORM, useValue: fake }] : []),
      ],
      // The dev routes exist only on the fake platform.
      controllers: [
        PageController,
        MeController,
        HealthController,
        MetricsController,
        OpsController,
        paymentController(config.stepUpMaxAge),
        ...(fake ? [DevController] : []),
      ],
    };
  }
}
