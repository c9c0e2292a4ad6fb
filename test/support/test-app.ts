import {
  Controller,
  type DynamicModule,
  Get,
  INestApplication,
  Injectable,
  LoggerService,
  Module,
  type Provider,
  Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import {
  PHONE_CALL_AUTH_ENTITIES,
  PHONE_CALL_AUTH_MIGRATIONS,
  PhoneCallAuth,
  type PhoneCallAuthExtras,
  PhoneCallAuthModule,
  PhoneCallAuthOptions,
  VerifiedPhone,
  type VerifiedPhoneIdentity,
} from 'nestjs-phone-call-auth';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import pg from 'pg';
import { DataSource } from 'typeorm';

/** A database of a test file's own on the test server. */
export interface TestDatabase {
  /** The URL the apps use: through PgBouncer under `npm run test:pgbouncer`, else straight to the server. */
  url: string;
  /** Removes the database. */
  drop(): Promise<void>;
}

/**
 * The name of the migrated template on the test server: it names a hash of the migrations' code,
 * so a server that outlives a run (DATABASE_URL's) never hands out a template of older migrations.
 */
const TEMPLATE = `phone_call_auth_tpl_${createHash('sha256')
  .update(PHONE_CALL_AUTH_MIGRATIONS.map((migration) => `${migration.name}\n${String(migration)}`).join('\n'))
  .digest('hex')
  .slice(0, 16)}`;

/**
 * PgBouncer in transaction mode in front of the test server (`npm run test:pgbouncer`, see
 * test/pgbouncer/global-setup.ts): the apps' pools go through it, while the harness's admin work
 * and each app's LISTEN connection (`listenUrl`, {@link directUrl}) go straight to the server.
 */
const POOLER_URL = process.env.PHONE_CALL_AUTH_TEST_POOLER_URL;

/** The default of `statementTimeoutMillis` below. */
const STATEMENT_TIMEOUT_MS = 8000;

/**
 * The URL of the same database straight on the test server, for a URL through PgBouncer; else
 * `undefined` (the URL is direct already).
 */
export function directUrl(databaseUrl: string): string | undefined {
  const serverUrl = process.env.PHONE_CALL_AUTH_TEST_SERVER_URL;
  if (!POOLER_URL || !serverUrl) return undefined;
  const url = new URL(databaseUrl);
  if (url.host !== new URL(POOLER_URL).host) return undefined;
  url.host = new URL(serverUrl).host;
  return url.toString();
}

/** An advisory lock key that serialises the template's creation across Jest's workers. */
const TEMPLATE_LOCK = 0x7063_6174;

let template: Promise<void> | undefined;

/**
 * Runs the module's migrations once per test server (not once per app boot): the first worker to
 * get here builds the template, under an advisory lock, and publishes it by renaming it; the
 * others find it. A database made from it has every migration applied, so the apps' own
 * `migrationsRun` finds nothing to do.
 */
function migratedTemplate(serverUrl: string): Promise<void> {
  template ??= (async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE]);
      if (rowCount) return;
      const building = `${TEMPLATE}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      const url = new URL(serverUrl);
      url.pathname = `/${building}`;
      const dataSource = new DataSource({
        type: 'postgres',
        url: url.toString(),
        migrations: [...PHONE_CALL_AUTH_MIGRATIONS],
      });
      await dataSource.initialize();
      try {
        await dataSource.runMigrations();
      } finally {
        await dataSource.destroy();
      }
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${TEMPLATE}`);
    } finally {
      await admin.end();
    }
  })();
  return template;
}

/**
 * Creates a database of its own on the test server; `drop` removes it. By default it is a copy of
 * the migrated template (every migration applied); `{ migrated: false }` makes an empty one.
 */
export async function createTestDatabase({ migrated = true } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.PHONE_CALL_AUTH_TEST_SERVER_URL;
  if (!serverUrl)
    throw new Error('PHONE_CALL_AUTH_TEST_SERVER_URL is not set: run the e2e tests through jest (globalSetup).');
  if (migrated) await migratedTemplate(serverUrl);
  const name = `phone_call_auth_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${migrated ? ` TEMPLATE ${TEMPLATE}` : ''}`);
  // PgBouncer refuses statement_timeout as a startup parameter: set on the database instead, as
  // docs/operations.md tells operators to (on the role or the database).
  if (POOLER_URL) await admin.query(`ALTER DATABASE ${name} SET statement_timeout = '${STATEMENT_TIMEOUT_MS}ms'`);
  await admin.end();
  const url = new URL(POOLER_URL ?? serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

@Controller()
class MeController {
  @PhoneCallAuth()
  @Get('me')
  me(@VerifiedPhone() identity: VerifiedPhoneIdentity) {
    return { sub: identity.sub, phone: identity.phone };
  }
}

export type Registration = 'forRoot' | 'forRootAsync:useFactory' | 'forRootAsync:useClass';

export interface TestAppOptions {
  databaseUrl: string;
  platform: FakeSsmsPlatform;
  registration?: Registration;
  /** Overrides of the module options; each group of `limits` given replaces that group of the test defaults. */
  options?: Partial<PhoneCallAuthOptions>;
  logger?: LoggerService | false;
  /** Read the client address from X-Forwarded-For (Express `trust proxy`), as behind a proxy. */
  trustProxy?: boolean;
  /**
   * How long a request waits for a pool connection (to open one, or for one to be free) before
   * it fails with 503. Bursts of requests serialised in the database (200 copies of one callback)
   * wait longer than 2 s for a free connection. @default 10000
   */
  connectionTimeoutMillis?: number;
  /** The module's graph-shaping extras (`routes`, `routeDecorators`, ...), for either registration. */
  extras?: PhoneCallAuthExtras;
  /** The app's own controllers and providers (an `APP_GUARD`, a route of its own), besides `GET /me`. */
  controllers?: Type[];
  providers?: Provider[];
  /** Other modules the app imports (a second registration of the module, say). */
  imports?: DynamicModule[];
  /**
   * Connect the data source at startup. `false` (TypeORM's `manualInitialization`) for tests whose
   * app must fail before it queries anything: nothing is left connected when it does. @default true
   */
  connect?: boolean;
  /** Run the module's migrations when the app starts. @default true */
  migrationsRun?: boolean;
  /**
   * The server cancels a statement after this long (`statement_timeout`), and the client stops
   * waiting for an answer a little later (`query_timeout`, this + 500 ms): a frozen database then
   * gets 503s, not hangs. Generous by default, for bursts that queue on one row or lock; the
   * frozen-database test uses the advised 2000. @default 8000
   */
  statementTimeoutMillis?: number;
  /** The port to listen on (for a `publicBaseUrl` known before boot, see `freePort` in global-setup.ts). @default a free one */
  port?: number;
  /** Keep the raw body (`NestFactory.create(..., { rawBody: true })`). @default false */
  rawBody?: boolean;
  /** The pool's size (`extra.max`), which admission control also takes as its number of slots. @default node-postgres' 10 */
  poolSize?: number;
}

/**
 * The HTTP adapter the e2e suite runs on: the Jest config runs every e2e file once per adapter
 * (projects `e2e` and `e2e-fastify`), setting this global.
 */
export const TEST_ADAPTER: 'express' | 'fastify' =
  (globalThis as { PHONE_CALL_AUTH_TEST_ADAPTER?: 'express' | 'fastify' }).PHONE_CALL_AUTH_TEST_ADAPTER ?? 'express';

export const TEST_JWT_SECRET = 'test-jwt-secret-of-at-least-32-bytes-0123456789';
export const TEST_CALLBACK_SECRET = 'test-callback-secret-0123456789abcdef0123456789';
export const PREFIX = '/auth/phone-call';

/** A booted app: base URL, HTTP helpers and the data source, for tests that speak HTTP to it. */
export interface TestApp {
  app: INestApplication;
  baseUrl: string;
  dataSource: DataSource;
  callbackUrl: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  body: any;
}

/** Boots a Nest app with the module registered the chosen way, listening on a free port. */
export async function bootTestApp(config: TestAppOptions): Promise<TestApp> {
  const listenUrl = directUrl(config.databaseUrl);
  const { limits, ...given } = config.options ?? {};
  const moduleOptions = (): PhoneCallAuthOptions => ({
    providers: [config.platform.provider({ timeoutMs: 1000 })],
    // Behind PgBouncer, LISTEN needs a connection of its own straight to Postgres.
    ...(listenUrl && { listenUrl }),
    callbackSecret: TEST_CALLBACK_SECRET,
    jwt: { secret: TEST_JWT_SECRET },
    ...given,
    // Off unless a test is about them: most tests start many verifications from 127.0.0.1. A test
    // that gives a group of limits replaces that group only.
    limits: {
      starts: { perPhone: false, perAddress: false, perNetwork: false, global: false },
      budgets: false,
      // Every test number is of one prefix (+7 967 8..): the SMS fraud guard would judge them all as one.
      fraudGuard: false,
      ...limits,
    },
  });

  @Injectable()
  class OptionsFactory {
    create(): PhoneCallAuthOptions {
      return moduleOptions();
    }
  }

  const registrations: Record<Registration, () => ReturnType<typeof PhoneCallAuthModule.forRoot>> = {
    forRoot: () => PhoneCallAuthModule.forRoot({ ...moduleOptions(), ...config.extras }),
    'forRootAsync:useFactory': () =>
      PhoneCallAuthModule.forRootAsync({ ...config.extras, useFactory: async () => moduleOptions() }),
    'forRootAsync:useClass': () =>
      PhoneCallAuthModule.forRootAsync({
        ...config.extras,
        useClass: OptionsFactory as Type<{ create(): PhoneCallAuthOptions }>,
      }),
  };

  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: config.databaseUrl,
        entities: [...PHONE_CALL_AUTH_ENTITIES],
        migrations: [...PHONE_CALL_AUTH_MIGRATIONS],
        migrationsRun: config.migrationsRun ?? true,
        manualInitialization: config.connect === false,
        // A request that needs a connection while the database is unreachable, or a statement while it
        // does not answer, fails (503), never hangs.
        extra: {
          connectionTimeoutMillis: config.connectionTimeoutMillis ?? 10_000,
          // Not a startup parameter behind PgBouncer, which refuses it: createTestDatabase sets it on the database.
          ...(!listenUrl && { statement_timeout: config.statementTimeoutMillis ?? STATEMENT_TIMEOUT_MS }),
          query_timeout: (config.statementTimeoutMillis ?? STATEMENT_TIMEOUT_MS) + 500,
          ...(config.poolSize !== undefined && { max: config.poolSize }),
        },
      }),
      registrations[config.registration ?? 'forRoot'](),
      ...(config.imports ?? []),
    ],
    controllers: [MeController, ...(config.controllers ?? [])],
    providers: config.providers ?? [],
  })
  class TestAppModule {}

  // abortOnError: a startup error is thrown to the test, not a process exit.
  const options = { logger: config.logger ?? false, abortOnError: false, rawBody: config.rawBody ?? false };
  let app: INestApplication;
  if (TEST_ADAPTER === 'fastify') {
    app = await NestFactory.create(
      TestAppModule,
      new FastifyAdapter(config.trustProxy ? { trustProxy: '127.0.0.1,::1' } : {}),
      options,
    );
  } else {
    app = await NestFactory.create(TestAppModule, options);
    if (config.trustProxy) app.getHttpAdapter().getInstance().set('trust proxy', 'loopback');
  }
  // No enableShutdownHooks: tests close their apps, and dozens of apps per process would stack signal listeners.
  try {
    await app.listen(config.port ?? 0, '127.0.0.1');
  } catch (error) {
    // A startup check failed: close what did start (the pool, the LISTEN connection), then report it.
    await app.close().catch(() => undefined);
    throw error;
  }
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const callbackUrl = `${baseUrl}${PREFIX}/callback/${TEST_CALLBACK_SECRET}`;
  config.platform.callbackUrl = callbackUrl;

  return {
    app,
    baseUrl,
    callbackUrl,
    dataSource: app.get(DataSource),
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, headers: response.headers, text, body: parsed };
    },
    close: () => app.close(),
  };
}

/** What {@link useTestApp} passes to {@link bootTestApp} besides the database and the platform. */
export type UseTestAppOptions = Omit<TestAppOptions, 'databaseUrl' | 'platform'>;

/** A booted app of {@link useTestApp}, with its fake platform and the URL of its database. */
export interface TestAppHandle extends Omit<TestApp, 'close'> {
  readonly platform: FakeSsmsPlatform;
  readonly databaseUrl: string;
}

/**
 * The usual setup of an e2e test: registers a `beforeAll` that starts a {@link FakeSsmsPlatform},
 * creates a database of its own ({@link createTestDatabase}) and boots the app on both
 * ({@link bootTestApp}), and an `afterAll` that closes all three. Call it at the top of a file or of
 * a `describe`; the handle it returns reads the app, the platform and the database of that setup,
 * so use its fields inside tests and hooks, once `beforeAll` has run.
 *
 * `options` go to {@link bootTestApp}; a function receives the platform first (to build a provider on it).
 */
export function useTestApp(
  options: UseTestAppOptions | ((platform: FakeSsmsPlatform) => UseTestAppOptions) = {},
): TestAppHandle {
  let platform: FakeSsmsPlatform | undefined;
  let database: TestDatabase | undefined;
  let booted: TestApp | undefined;

  beforeAll(async () => {
    platform = await FakeSsmsPlatform.start();
    database = await createTestDatabase();
    const extra = typeof options === 'function' ? options(platform) : options;
    booted = await bootTestApp({ ...extra, databaseUrl: database.url, platform });
  });
  afterAll(async () => {
    await booted?.close();
    await platform?.close();
    await database?.drop();
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useTestApp: the ${what} is there only once its beforeAll has run.`);
    return value;
  };
  const app = () => ready(booted, 'app');
  return {
    get app() {
      return app().app;
    },
    get baseUrl() {
      return app().baseUrl;
    },
    get callbackUrl() {
      return app().callbackUrl;
    },
    get dataSource() {
      return app().dataSource;
    },
    request: (...args) => app().request(...args),
    get platform() {
      return ready(platform, 'platform');
    },
    get databaseUrl() {
      return ready(database, 'database').url;
    },
  };
}

/** The database of {@link useTestDatabase}, and the apps and platforms the tests start on it. */
export interface SharedTestDatabase {
  readonly url: string;
  /** Starts a fake platform, closed after all. */
  startPlatform(): Promise<FakeSsmsPlatform>;
  /** Boots an app on the database with `platform`, closed after all (or by {@link closeApps}). */
  boot(platform: FakeSsmsPlatform, options?: UseTestAppOptions): Promise<TestApp & { platform: FakeSsmsPlatform }>;
  /** Closes the apps booted so far. */
  closeApps(): Promise<void>;
}

/**
 * For tests that boot apps of their own (several instances, other options each): registers a
 * `beforeAll` that creates one database of the file's own, and an `afterAll` that closes the
 * apps and platforms started through the returned object, then drops the database.
 */
export function useTestDatabase(): SharedTestDatabase {
  let database: TestDatabase | undefined;
  const platforms: FakeSsmsPlatform[] = [];
  const apps: TestApp[] = [];
  const closeApps = async () => {
    for (const app of apps.splice(0)) await app.close();
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  // Closing many apps (each with its LISTEN connection and pool) takes longer than Jest's 5 s default.
  afterAll(async () => {
    await closeApps();
    for (const platform of platforms.splice(0)) await platform.close();
    await database?.drop();
  }, 60_000);

  const shared: SharedTestDatabase = {
    get url() {
      if (!database) throw new Error('useTestDatabase: the database is there only once its beforeAll has run.');
      return database.url;
    },
    async startPlatform() {
      const platform = await FakeSsmsPlatform.start();
      platforms.push(platform);
      return platform;
    },
    async boot(platform, options = {}) {
      const app = await bootTestApp({ ...options, databaseUrl: shared.url, platform });
      apps.push(app);
      return { ...app, platform };
    },
    closeApps,
  };
  return shared;
}
