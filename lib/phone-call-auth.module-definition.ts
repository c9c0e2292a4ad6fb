import { ConfigurableModuleBuilder, Inject, Provider } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { RefreshTokenEntity } from './auth/refresh-token.entity.js';
import { PHONE_CALL_AUTH_DATA_SOURCE, PHONE_CALL_AUTH_OPTIONS } from './phone-call-auth.constants.js';
import { PhoneCallAuthOptions, resolvePhoneCallAuthOptions } from './phone-call-auth.options.js';
import { InboundCallEntity } from './verification/inbound-call.entity.js';
import { VerificationEntity } from './verification/verification.entity.js';
import { RateLimitEntity } from './rate-limit/rate-limit.entity.js';

/** The module's entities, for the host's data source (`entities: [...PHONE_CALL_AUTH_ENTITIES]`). */
export const PHONE_CALL_AUTH_ENTITIES = [VerificationEntity, InboundCallEntity, RateLimitEntity, RefreshTokenEntity];

/** Options that shape the module graph, so they stay synchronous in forRootAsync too. */
export interface PhoneCallAuthExtras {
  /** Register the module globally. @default false */
  isGlobal?: boolean;
  /** Prefix of the module's routes. @default 'auth/phone-call' */
  routePrefix?: string;
  /** Name of the TypeORM data source, when the app has several. @default the default data source */
  dataSource?: string;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<PhoneCallAuthOptions>({ moduleName: 'PhoneCallAuth' })
    .setClassMethodName('forRoot')
    .setExtras<PhoneCallAuthExtras>(
      { isGlobal: false, routePrefix: 'auth/phone-call', dataSource: undefined },
      (definition, extras) => {
        const providers: Provider[] = [
          {
            provide: PHONE_CALL_AUTH_OPTIONS,
            inject: [MODULE_OPTIONS_TOKEN],
            useFactory: resolvePhoneCallAuthOptions,
          },
          { provide: PHONE_CALL_AUTH_DATA_SOURCE, useExisting: getDataSourceToken(extras.dataSource) },
        ];
        return {
          ...definition,
          global: extras.isGlobal,
          imports: [
            ...(definition.imports ?? []),
            TypeOrmModule.forFeature(PHONE_CALL_AUTH_ENTITIES, extras.dataSource),
            RouterModule.register([{ path: extras.routePrefix ?? 'auth/phone-call', module: definition.module }]),
          ],
          providers: [...(definition.providers ?? []), ...providers],
          exports: [...(definition.exports ?? []), PHONE_CALL_AUTH_OPTIONS],
        };
      },
    )
    .build();

/** Injects the validated options ({@link ResolvedPhoneCallAuthOptions}). */
export const InjectPhoneCallAuthOptions = (): ParameterDecorator & PropertyDecorator => Inject(PHONE_CALL_AUTH_OPTIONS);
