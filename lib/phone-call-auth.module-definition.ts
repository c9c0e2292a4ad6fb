import { ConfigurableModuleBuilder, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RefreshTokenController } from './auth/refresh-token.controller.js';
import { SignOutController } from './auth/sign-out.controller.js';
import { InboundCallController } from './callback/inbound-call.controller.js';
import type { PhoneCallAuthOptions } from './options/phone-call-auth-options.interface.js';
import { PhoneCallAuthConfigError } from './core/phone-call-auth-config.error.js';
import { PHONE_CALL_AUTH_DEFAULTS } from './options/phone-call-auth.defaults.js';
import { resolvePhoneCallAuthOptions } from './options/resolve-options.js';
import { optionSliceProviders, PHONE_CALL_AUTH_OPTION_SLICES } from './options/option-slices.js';
import {
  PHONE_CALL_AUTH_DATA_SOURCE,
  PHONE_CALL_AUTH_OPTIONS,
  PHONE_CALL_AUTH_TOKEN_ROUTE,
} from './core/phone-call-auth.constants.js';
import type { PhoneCallAuthRouteGroup } from './routes/phone-call-auth.routes.js';
import { AccountStartController, AccountTokenController } from './verification/account.controller.js';
import { CancelController } from './verification/cancel.controller.js';
import { CodeController } from './verification/code.controller.js';
import { EventsController } from './verification/events.controller.js';
import { StartController } from './verification/start.controller.js';
import { TokenController } from './verification/token.controller.js';

/** Options that shape the module graph, so they stay synchronous in forRootAsync too. */
export interface PhoneCallAuthExtras {
  /** Register the module globally. @default false */
  isGlobal?: boolean;
  /** Prefix of the module's routes. @default PHONE_CALL_AUTH_DEFAULTS.routePrefix ('auth/phone-call') */
  routePrefix?: string;
  /** Name of the TypeORM data source, when the app has several. @default the default data source */
  dataSource?: string;
  /**
   * Which route groups the module mounts; a missing group is mounted. An app with its own session
   * sets `{ token: false, refresh: false }` and calls `VerificationService.consume()` from its own
   * route. @default every group
   */
  routes?: Partial<Record<PhoneCallAuthRouteGroup, boolean>>;
  /**
   * Class decorators applied to every controller the module mounts, e.g. the app's own `Public()`
   * so that an app-wide auth guard lets the module's routes (the platform's callback among them)
   * through. @default none
   * @example routeDecorators: [Public(), SkipThrottle()]
   */
  routeDecorators?: ClassDecorator[];
}

/** The controllers of each route group. */
const CONTROLLERS: Record<PhoneCallAuthRouteGroup, Type | Type[]> = {
  start: StartController,
  token: TokenController,
  events: EventsController,
  cancel: CancelController,
  code: CodeController,
  callback: InboundCallController,
  refresh: RefreshTokenController,
  signOut: SignOutController,
  account: [AccountStartController, AccountTokenController],
};

/** The controllers of the groups `routes` leaves on, each a subclass carrying `routeDecorators` when some are given. */
function controllers({ routes = {}, routeDecorators = [] }: PhoneCallAuthExtras): Type[] {
  const unknown = Object.keys(routes).filter((group) => !(group in CONTROLLERS));
  if (unknown.length > 0) {
    throw new PhoneCallAuthConfigError(
      `routes has unknown groups ${unknown.join(', ')}; the groups are ${Object.keys(CONTROLLERS).join(', ')}.`,
    );
  }
  if (!Array.isArray(routeDecorators) || routeDecorators.some((decorator) => typeof decorator !== 'function')) {
    throw new PhoneCallAuthConfigError('routeDecorators must be an array of class decorators, e.g. [Public()].');
  }
  return Object.entries(CONTROLLERS)
    .filter(([group]) => routes[group as PhoneCallAuthRouteGroup] !== false)
    .flatMap(([, controllers]) => controllers)
    .map((controller) => {
      if (routeDecorators.length === 0) return controller;
      // A subclass per registration, so the app's decorators never touch the module's own classes.
      const decorated = class extends controller {};
      Object.defineProperty(decorated, 'name', { value: controller.name });
      for (const decorate of routeDecorators) decorate(decorated);
      return decorated;
    });
}

/** The host's TypeORM data source, or a startup error that says how to provide one. */
function dataSource(name: string | undefined): Provider {
  return {
    provide: PHONE_CALL_AUTH_DATA_SOURCE,
    inject: [{ token: getDataSourceToken(name), optional: true }],
    useFactory: (source?: DataSource) => {
      if (source) return source;
      throw new PhoneCallAuthConfigError(
        `no TypeORM data source${name ? ` named "${name}"` : ''} was found. Import TypeOrmModule.forRoot({ type: 'postgres', ..., ` +
          'entities: [...PHONE_CALL_AUTH_ENTITIES], migrations: [...PHONE_CALL_AUTH_MIGRATIONS], migrationsRun: true }) ' +
          'in your root module (or name your data source with the dataSource extra).',
      );
    },
  };
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<PhoneCallAuthOptions>({ moduleName: 'PhoneCallAuth' })
    .setClassMethodName('forRoot')
    .setExtras<PhoneCallAuthExtras>(
      {
        isGlobal: false,
        routePrefix: PHONE_CALL_AUTH_DEFAULTS.routePrefix,
        dataSource: undefined,
        routes: undefined,
        routeDecorators: undefined,
      },
      (definition, extras): DynamicModule => ({
        ...definition,
        global: extras.isGlobal,
        controllers: controllers(extras),
        imports: [
          ...(definition.imports ?? []),
          RouterModule.register([
            { path: extras.routePrefix ?? PHONE_CALL_AUTH_DEFAULTS.routePrefix, module: definition.module },
          ]),
        ],
        providers: [
          ...(definition.providers ?? []),
          {
            provide: PHONE_CALL_AUTH_OPTIONS,
            inject: [MODULE_OPTIONS_TOKEN],
            useFactory: (options: PhoneCallAuthOptions) =>
              resolvePhoneCallAuthOptions(options, extras.routePrefix ?? PHONE_CALL_AUTH_DEFAULTS.routePrefix),
          },
          ...optionSliceProviders(),
          dataSource(extras.dataSource),
          { provide: PHONE_CALL_AUTH_TOKEN_ROUTE, useValue: extras.routes?.token !== false },
        ],
        // The slices too: SameOriginOnly() guards the app's own routes, in the app's modules.
        exports: [
          ...(definition.exports ?? []),
          PHONE_CALL_AUTH_OPTIONS,
          ...Object.values(PHONE_CALL_AUTH_OPTION_SLICES),
        ],
      }),
    )
    .build();
