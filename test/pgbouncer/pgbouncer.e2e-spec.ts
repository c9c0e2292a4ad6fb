import { NestFactory } from '@nestjs/core';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import pg from 'pg';
import { AppModule } from '../../sample-app/src/app.module.js';
import { loadSampleConfig } from '../../sample-app/src/sample.config.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { nextPhone } from '../support/phones.js';
import { VERIFICATION_TABLE } from '../support/tables.js';
import { directUrl, PREFIX, type TestAppHandle, useTestApp, useTestDatabase } from '../support/test-app.js';

/*
 * Runs only under `npm run test:pgbouncer` (test/pgbouncer/jest.config.js): the apps' pools go
 * through PgBouncer 1.18 in transaction mode, which keeps no prepared statement and no LISTEN.
 */

/** Runs `sql` straight on the server (not through PgBouncer) in the database of `databaseUrl`. */
async function direct(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: directUrl(databaseUrl) ?? databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The name of the database of a URL. */
const databaseOf = (url: string) => new URL(url).pathname.slice(1);

/**
 * `count` starts at once from as many phones, then the calls of those that started and the
 * redeems of those verified, each batch at once (a call or a redeem answered 503 by admission
 * control is sent again a little later, as a platform or a client would): every answer, counted
 * by step and status.
 */
async function flood(t: TestAppHandle, count: number): Promise<Record<string, number>> {
  const answers: Record<string, number> = {};
  const seen = (step: string, status: number) =>
    (answers[`${step} ${status}`] = (answers[`${step} ${status}`] ?? 0) + 1);
  const phones = Array.from({ length: count }, () => nextPhone());
  const starts = await Promise.all(
    phones.map(async (phone) => {
      const response = await t.request('POST', `${PREFIX}/verifications`, { phone });
      seen('start', response.status);
      return { phone, response };
    }),
  );
  const started = starts.filter(({ response }) => response.status === 201);
  await Promise.all(
    started.map(async ({ phone }) => {
      for (let attempt = 0; attempt < 10; attempt++) {
        const { status } = await t.platform.placeCall({ from: phone.slice(1) });
        seen('call', status);
        if (status !== 503) return;
        // As a platform does: the callback again, a little later.
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }),
  );
  await Promise.all(
    started.map(async ({ response }) => {
      const { id, secret } = response.body;
      for (let attempt = 0; attempt < 10; attempt++) {
        const redeemed = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
        seen('redeem', redeemed.status);
        if (redeemed.status !== 503) return;
        await new Promise((resolve) => setTimeout(resolve, Number(redeemed.headers.get('retry-after')) * 1000));
      }
    }),
  );
  return answers;
}

/** The answers that are neither a success nor admission control's 503 (a burst beyond its queue). */
const unexpected = (answers: Record<string, number>) =>
  Object.keys(answers).filter((key) => !/^(start 201|call 200|redeem 200|\w+ 503)$/.test(key));

describe('behind PgBouncer in transaction mode', () => {
  describe('with the defaults', () => {
    const logger = new CapturingLogger();
    const t = useTestApp({ logger });

    it('finds the pooler at startup and turns prepared statements off, saying so', () => {
      expect(logger.text).toMatch(/go through a connection pooler .*prepared statements are off/);
    });

    it('300 concurrent starts, then their calls and redeems: no 500', async () => {
      const answers = await flood(t, 300);
      expect(unexpected(answers)).toEqual([]);
      expect(answers['start 201']).toBeGreaterThan(50);
      expect(answers['call 200']).toBe(answers['start 201']);
      expect(answers['redeem 200']).toBe(answers['start 201']);
    }, 60_000);
  });

  describe('with preparedStatements: true (as for PgBouncer 1.21+ with max_prepared_statements)', () => {
    const logger = new CapturingLogger();
    const t = useTestApp({ logger, options: { preparedStatements: true } });

    it('a prepared statement the pooler lost or already has is run again unprepared: no 500', async () => {
      const answers = await flood(t, 100);
      expect(unexpected(answers)).toEqual([]);
      expect(answers['start 201']).toBeGreaterThan(20);
      expect(answers['redeem 200']).toBe(answers['start 201']);
      // With prepared statements on, PgBouncer 1.18 mixes them up within a few requests: turned off once, said once.
      expect(logger.lines.filter((line) => /prepared statements off from now on/.test(line))).toHaveLength(1);
    }, 60_000);
  });

  describe('the LISTEN connection', () => {
    const database = useTestDatabase();

    it('through the pooler (no listenUrl), says loudly that it hears nothing', async () => {
      const logger = new CapturingLogger();
      const platform = await database.startPlatform();
      await database.boot(platform, { logger, options: { listenUrl: undefined } });
      const deadline = Date.now() + 10_000;
      while (!/hears no notification/.test(logger.text) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(logger.text).toMatch(/LISTEN connection hears no notification.*listenUrl/);
      await database.closeApps();
    }, 20_000);

    it('with listenUrl straight to Postgres, a long-poll is answered as soon as the call comes', async () => {
      const logger = new CapturingLogger();
      const platform = await database.startPlatform();
      const app = await database.boot(platform, { logger });
      const phone = nextPhone();
      const { id, secret } = (await app.request('POST', `${PREFIX}/verifications`, { phone })).body;
      const sent = Date.now();
      const poll = app.request('POST', `${PREFIX}/verifications/${id}/token?wait=10`, { secret });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await platform.placeCall({ from: phone.slice(1) });
      const answer = await poll;
      expect(answer.status).toBe(200);
      expect(Date.now() - sent).toBeLessThan(3000);
      expect(logger.text).not.toMatch(/hears no notification/);
      await database.closeApps();
    }, 20_000);
  });

  describe('with statement_timeout set on the database (not a startup parameter, which PgBouncer refuses)', () => {
    const database = useTestDatabase();

    it('hold: a statement stuck behind a lock is cancelled by the server, answered 503 within its timeout', async () => {
      await direct(database.url, `ALTER DATABASE ${databaseOf(database.url)} SET statement_timeout = '1s'`);
      const platform = await database.startPlatform();
      const app = await database.boot(platform);
      const phone = nextPhone();
      const { id, secret } = (await app.request('POST', `${PREFIX}/verifications`, { phone })).body;
      await platform.placeCall({ from: phone.slice(1) });
      const locker = new pg.Client({ connectionString: directUrl(database.url) });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`SELECT 1 FROM ${VERIFICATION_TABLE} WHERE id = $1 FOR UPDATE`, [id]);
        const sent = Date.now();
        const redeem = await app.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
        // query_timeout (the client's) is 8.5 s here: only the server's statement_timeout answers this soon.
        expect(redeem.status).toBe(503);
        expect(Date.now() - sent).toBeLessThan(4000);
      } finally {
        await locker.end();
      }
      await database.closeApps();
    }, 30_000);
  });

  // A database of its own: PgBouncer keeps the server connections of the test above, with their setting.
  describe('with no statement_timeout anywhere', () => {
    const database = useTestDatabase();

    it('unset on the server, the startup warns and tells where to set it', async () => {
      await direct(database.url, `ALTER DATABASE ${databaseOf(database.url)} RESET statement_timeout`);
      const logger = new CapturingLogger();
      const platform = await database.startPlatform();
      await database.boot(platform, { logger });
      expect(logger.text).toMatch(/statement_timeout .*ALTER ROLE/);
      await database.closeApps();
    }, 20_000);
  });

  // Last: the sample app registers the Passport strategies of its own module instance, process-wide.
  describe('the sample app with its defaults and DATABASE_URL on PgBouncer (and DATABASE_LISTEN_URL)', () => {
    const database = useTestDatabase();

    it('starts, verifies and wakes a long-poll', async () => {
      const fake = await FakeSsmsPlatform.start();
      const logger = new CapturingLogger();
      const config = loadSampleConfig({ DATABASE_URL: database.url, DATABASE_LISTEN_URL: directUrl(database.url) });
      const app = await NestFactory.create(AppModule.register(config, fake), { logger, abortOnError: false });
      try {
        await app.listen(0, '127.0.0.1');
        const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
        fake.callbackUrl = `${base}/auth/phone-call/callback/${config.callbackSecret}`;
        expect((await fetch(`${base}/health`)).status).toBe(200);
        const phone = nextPhone();
        const post = (path: string, body: unknown) =>
          fetch(`${base}${PREFIX}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
        const started = await post('/verifications', { phone });
        expect(started.status).toBe(201);
        const { id, secret } = (await started.json()) as { id: string; secret: string };
        const sent = Date.now();
        const poll = post(`/verifications/${id}/token?wait=10`, { secret });
        await new Promise((resolve) => setTimeout(resolve, 300));
        await fake.placeCall({ from: phone.slice(1) });
        expect((await poll).status).toBe(200);
        expect(Date.now() - sent).toBeLessThan(3000);
        expect(logger.text).toMatch(/connection pooler .*prepared statements are off/);
        // statement_timeout is set on the test's database, as docs/operations.md says to set it on the role.
        expect(logger.text).not.toMatch(/sets no .*statement_timeout/);
      } finally {
        await app.close();
        await fake.close();
      }
    }, 30_000);
  });
});
