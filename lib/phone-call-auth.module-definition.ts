import { ConfigurableModuleBuilder, Provider } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { PHONE_CALL_AUTH_ENTITIES } from './database/phone-call-auth.entities.js';
import { PHONE_CALL_AUTH_DATA_SOURCE, PHONE_CALL_AUTH_OPTIONS } from './phone-call-auth.constants.js';
import type { PhoneCallAuthOptions } from './options/phone-call-auth-options.interface.js';
import { PHONE_CALL_AUTH_DEFAULTS } from './options/phone-call-auth.defaults.js';
import { resolvePhoneCallAuthOptions } from './options/resolve-options.js';

/** Options that shape the module graph, so they stay synchronous in forRootAsync too. */
export interface PhoneCallAuthExtras {
  /** Register the module globally. @default false */
  isGlobal?: boolean;
  /** Prefix of the module's routes. @default PHONE_CALL_AUTH_DEFAULTS.routePrefix ('auth/phone-call') */
  routePrefix?: string;
  /** Name of the TypeORM data source, when the app has several. @default the default data source */
  dataSource?: string;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<PhoneCallAuthOptions>({ moduleName: 'PhoneCallAuth' })
    .setClassMethodName('forRoot')
    .setExtras<PhoneCallAuthExtras>(
      { isGlobal: false, routePrefix: PHONE_CALL_AUTH_DEFAULTS.routePrefix, dataSource: undefined },
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
            RouterModule.register([
              { path: extras.routePrefix ?? PHONE_CALL_AUTH_DEFAULTS.routePrefix, module: definition.module },
            ]),
          ],
          providers: [...(definition.providers ?? []), ...providers],
          exports: [...(definition.exports ?? []), PHONE_CALL_AUTH_OPTIONS],
        };
      },
    )
    .build();
