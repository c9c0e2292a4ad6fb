import { DATABASE_UNAVAILABLE, timed } from '../support/timed.js';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { AppModule } from '../../sample-app/src/app.module.js';
import { loadSampleConfig } from '../../sample-app/src/sample.config.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../support/global-setup.js';
import { nextPhone } from '../support/phones.js';
import { VERIFICATION_TABLE } from '../support/tables.js';
import {
  bootTestApp,
  PREFIX,
  TEST_ADAPTER,
  TEST_JWT_SECRET,
  type TestApp,
  type TestResponse,
} from '../support/test-app.js';

/*
 * The database freezes (SIGSTOP of the server and all its backends: it refuses nothing, answers
 * nothing, as a hung host or a network that drops packets): with the advised timeouts every route
 * answers 503 within 3 s, and everything works again once it thaws (SIGCONT). A Postgres of this
 * file's own.
 */

const TIMEOUT = 120_000;
/** The bound: no request waits longer for a frozen database. */
const BOUND_MS = 3000;

let postgres: RunningPostgres;
let platform: FakeSsmsPlatform;
let t: TestApp;
let sample: { app: INestApplication; fake: FakeSsmsPlatform } | undefined;
/** The processes stopped, for SIGCONT: whatever happens, afterAll thaws them. */
const frozen: number[] = [];

/** The server's processes: the postmaster (first line of postmaster.pid) and its children, the backends. */
async function serverProcesses(): Promise<number[]> {
  const postmaster = Number((await readFile(join(postgres.dataDir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  let children: number[];
  if (existsSync('/proc/self/stat')) {
    children = [];
    for (const entry of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      // Field 4 of /proc/<pid>/stat is the parent pid; the name before it (in parentheses) may hold spaces.
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === postmaster) children.push(Number(entry));
    }
  } else {
    const { stdout } = await promisify(execFile)('pgrep', ['-P', String(postmaster)]).catch(() => ({ stdout: '' }));
    children = stdout.split('\n').filter(Boolean).map(Number);
  }
  return [postmaster, ...children];
}

/** Stops the postmaster first (so it starts no new backend), then every backend. */
async function freeze(): Promise<void> {
  const processes = await serverProcesses();
  expect(processes.length).toBeGreaterThan(3); // the postmaster, its helpers, the app's connections
  for (const pid of processes) {
    process.kill(pid, 'SIGSTOP');
    frozen.push(pid);
  }
}

function thaw(): void {
  for (const pid of frozen.splice(0)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone already
    }
  }
}

beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
  platform = await FakeSsmsPlatform.start();
  t = await bootTestApp({
    databaseUrl: postgres.url,
    platform,
    // The advice of docs/operations.md, as the sample app sets it.
    connectionTimeoutMillis: 2000,
    statementTimeoutMillis: 2000,
    options: {
      // On, so that a start's first statement is the counting one; high, for the starts from 127.0.0.1.
      limits: {
        starts: { perAddress: { limit: 1000, windowSeconds: 600 }, perNetwork: { limit: 1000, windowSeconds: 600 } },
      },
      jwt: { secret: TEST_JWT_SECRET, refreshTokens: {} },
    },
  });
}, TIMEOUT);

afterAll(async () => {
  thaw();
  await sample?.app.close();
  await sample?.fake.close();
  await t?.close();
  await platform?.close();
  await postgres?.stop();
}, TIMEOUT);

async function start(phone: string): Promise<{ id: string; secret: string }> {
  const started = await t.request('POST', `${PREFIX}/verifications`, { phone });
  expect(started.status).toBe(201);
  return started.body;
}

/** A verified verification, redeemed: its access and refresh tokens. */
async function signIn(phone: string): Promise<{ accessToken: string; refreshToken: string }> {
  const verification = await start(phone);
  expect((await platform.placeCall({ from: phone })).status).toBe(200);
  const issued = await t.request('POST', `${PREFIX}/verifications/${verification.id}/token`, {
    secret: verification.secret,
  });
  expect(issued.status).toBe(200);
  return issued.body;
}

/** One request to each of the module's routes that needs the database. */
function everyRoute(
  verified: { id: string; secret: string },
  pending: { id: string; secret: string },
  refreshToken: string,
): Record<string, () => Promise<TestResponse>> {
  const token = (query: string) =>
    t.request('POST', `${PREFIX}/verifications/${verified.id}/token${query}`, { secret: verified.secret });
  // The routes whose first statement is a transaction's BEGIN first: they get the pool's idle
  // (frozen) connections, the case where a timed-out BEGIN must not wait for its ROLLBACK.
  return {
    refresh: () => t.request('POST', `${PREFIX}/token/refresh`, { refreshToken }),
    callback: () => t.request('GET', `${new URL(t.callbackUrl).pathname}?phone=79670311122`),
    start: () => t.request('POST', `${PREFIX}/verifications`, { phone: nextPhone() }),
    token: () => token(''),
    longPoll: () => token('?wait=5'),
    events: () =>
      t.request('GET', `${PREFIX}/verifications/${pending.id}/events`, undefined, {
        'x-verification-secret': pending.secret,
      }),
    cancel: () => t.request('DELETE', `${PREFIX}/verifications/${pending.id}`, { secret: pending.secret }),
  };
}

function expectUnavailable(answers: Record<string, TestResponse & { ms: number }>): void {
  for (const [route, answer] of Object.entries(answers)) {
    expect({ route, status: answer.status, body: answer.body }).toEqual({
      route,
      status: 503,
      body: DATABASE_UNAVAILABLE,
    });
    expect({ route, ms: Math.round(answer.ms), within: answer.ms < BOUND_MS }).toEqual({
      route,
      ms: Math.round(answer.ms),
      within: true,
    });
  }
}

const report = (answers: Record<string, { ms: number }>) =>
  Object.entries(answers)
    .map(([route, answer]) => `${route} ${Math.round(answer.ms)}`)
    .join(', ');

it(
  'answers 503 within 3 s on every route while the database is frozen, and recovers fully when it thaws',
  async () => {
    // Before the freeze: a verified verification (not yet redeemed), a pending one, a signed-in session.
    const verifiedPhone = nextPhone();
    const verified = await start(verifiedPhone);
    expect((await platform.placeCall({ from: verifiedPhone })).status).toBe(200);
    const pending = await start(nextPhone());
    const session = await signIn(nextPhone());
    const routes = everyRoute(verified, pending, session.refreshToken);
    // Eight requests at once leave eight idle connections in the pool: the first routes below get
    // one of those (a frozen backend: the query times out), the later ones open new ones (never answered).
    const polls = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.request('POST', `${PREFIX}/verifications/${pending.id}/token`, { secret: pending.secret }),
      ),
    );
    expect(polls.map((poll) => poll.status)).toEqual(Array(8).fill(202));

    await freeze();
    try {
      // One route at a time: the pool's idle connections (frozen backends) and new ones (never answered) alike.
      const oneByOne: Record<string, TestResponse & { ms: number }> = {};
      for (const [route, send] of Object.entries(routes)) oneByOne[route] = await timed(send());
      expectUnavailable(oneByOne);
      // All at once, as under load.
      const entries = await Promise.all(
        Object.entries(routes).map(async ([route, send]) => [route, await timed(send())] as const),
      );
      const atOnce = Object.fromEntries(entries);
      expectUnavailable(atOnce);
      // A route without the database still works: the process is fine.
      const me = await t.request('GET', '/me', undefined, { authorization: `Bearer ${session.accessToken}` });
      expect(me.status).toBe(200);
      // eslint-disable-next-line no-console -- the measured numbers are part of the report
      console.info(
        `database frozen (${TEST_ADAPTER}), ms to 503, one by one: ${report(oneByOne)}; all at once: ${report(atOnce)}`,
      );
    } finally {
      thaw();
    }

    // Thawed: the verification verified before the freeze is still redeemable, once; the session refreshes.
    const redeemed = await t.request('POST', `${PREFIX}/verifications/${verified.id}/token`, {
      secret: verified.secret,
    });
    expect(redeemed.status).toBe(200);
    const refreshed = await t.request('POST', `${PREFIX}/token/refresh`, { refreshToken: session.refreshToken });
    expect(refreshed.status).toBe(200);

    // Every pool connection commits what it writes: none was left inside a transaction that a
    // statement abandoned during the freeze began (10 starts at once use every connection of the pool).
    const phones = Array.from({ length: 10 }, () => nextPhone());
    const started = await Promise.all(phones.map((phone) => t.request('POST', `${PREFIX}/verifications`, { phone })));
    expect(started.map((answer) => answer.status)).toEqual(phones.map(() => 201));
    const outside = new pg.Client({ connectionString: postgres.url });
    await outside.connect();
    const { rows } = await outside.query(`SELECT count(*)::int AS n FROM ${VERIFICATION_TABLE} WHERE phone = ANY($1)`, [
      phones,
    ]);
    await outside.end();
    expect(rows[0].n).toBe(10);

    // And a whole flow again: start, call, long-poll woken by the callback.
    const phone = nextPhone();
    const next = await start(phone);
    const longPoll = t.request('POST', `${PREFIX}/verifications/${next.id}/token?wait=20`, { secret: next.secret });
    expect((await platform.placeCall({ from: phone })).status).toBe(200);
    const answer = await longPoll;
    expect(answer.status).toBe(200);
    expect(answer.body.accessToken).toEqual(expect.any(String));
  },
  TIMEOUT,
);

it(
  'a redeem that reaches a frozen connection, and runs once it thaws after the client gave up, takes nothing',
  async () => {
    // One pool connection, so the redeem's statement goes to the backend frozen here; query_timeout 1 s.
    const one = await bootTestApp({ databaseUrl: postgres.url, platform, poolSize: 1, statementTimeoutMillis: 500 });
    const outside = new pg.Client({ connectionString: postgres.url });
    await outside.connect();
    let stopped: number | undefined;
    try {
      const phone = nextPhone();
      const verification = (await one.request('POST', `${PREFIX}/verifications`, { phone })).body;
      expect((await platform.placeCall({ from: phone })).status).toBe(200);
      const [{ pid }] = await one.dataSource.query('SELECT pg_backend_pid() AS pid');
      process.kill(pid, 'SIGSTOP');
      stopped = pid;
      const redeem = () =>
        one.request('POST', `${PREFIX}/verifications/${verification.id}/token`, { secret: verification.secret });
      // The client gives up (503) and closes the connection; the statement waits in the backend's socket.
      expect((await redeem()).status).toBe(503);
      process.kill(pid, 'SIGCONT');
      stopped = undefined;
      // The backend runs the statement, past its deadline on the database's clock, then the client's
      // Terminate, and exits.
      for (;;) {
        const { rowCount } = await outside.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
        if (rowCount === 0) break;
      }
      const { rows } = await outside.query(`SELECT status FROM ${VERIFICATION_TABLE} WHERE id = $1`, [verification.id]);
      expect(rows).toEqual([{ status: 'verified' }]);
      expect((await redeem()).status).toBe(200);
    } finally {
      if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
      await outside.end();
      await one.close();
    }
  },
  TIMEOUT,
);

// Last: the sample app registers the Passport strategies of its own module instance, process-wide.
// The sample app runs on Express only (as test/sample-app.e2e-spec.ts).
if (TEST_ADAPTER === 'express') {
  it(
    "the sample app's /health answers 503 within 3 s while the database is frozen, naming no address",
    async () => {
      const fake = await FakeSsmsPlatform.start();
      const app = await NestFactory.create(AppModule.register(loadSampleConfig({ DATABASE_URL: postgres.url }), fake), {
        logger: false,
      });
      sample = { app, fake };
      await app.listen(0, '127.0.0.1');
      const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const health = async () => {
        const begun = performance.now();
        const response = await fetch(`${base}/health`);
        return { status: response.status, text: await response.text(), ms: performance.now() - begun };
      };
      expect((await health()).status).toBe(200);

      await freeze();
      let frozenHealth: Awaited<ReturnType<typeof health>>;
      try {
        frozenHealth = await health();
      } finally {
        thaw();
      }
      expect(frozenHealth.status).toBe(503);
      expect(frozenHealth.ms).toBeLessThan(BOUND_MS);
      expect(JSON.parse(frozenHealth.text)).toMatchObject({
        status: 'error',
        error: { database: { status: 'down', message: 'The database is not answering.' } },
      });
      for (const detail of ['127.0.0.1', String(postgres.port), 'postgres:', 'ECONN', 'timeout']) {
        expect(frozenHealth.text).not.toContain(detail);
      }
      // eslint-disable-next-line no-console -- the measured number is part of the report
      console.info(`database frozen, sample app /health: 503 in ${Math.round(frozenHealth.ms)} ms`);

      expect((await health()).status).toBe(200);
    },
    TIMEOUT,
  );
}
