import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { DataSourceOptions } from 'typeorm';
import { closeConnectionsOnQueryTimeout, missingDatabaseTimeouts } from '../../lib/database/database-timeouts.js';
import { DatabaseTimeoutsService } from '../../lib/database/database-timeouts.service.js';
import { pgClientConfig } from '../../lib/database/pg-client-config.js';

/** Jest's object in ESM mode (as test/openapi-optional.e2e-spec.ts reads it): spies. */
const jest = (import.meta as unknown as { jest: typeof import('@jest/globals').jest }).jest;

const postgres = (extra?: Record<string, unknown>, more: Partial<DataSourceOptions> = {}) =>
  ({ type: 'postgres', url: 'postgres://u:p@db:5432/app', extra, ...more }) as DataSourceOptions;

describe('missingDatabaseTimeouts (the startup warning)', () => {
  it('names every advised timeout a data source leaves unset', () => {
    expect(missingDatabaseTimeouts(postgres())).toEqual([
      'connectionTimeoutMillis',
      'statement_timeout',
      'query_timeout',
    ]);
    expect(missingDatabaseTimeouts(postgres({ statement_timeout: 2000 }))).toEqual([
      'connectionTimeoutMillis',
      'query_timeout',
    ]);
  });

  it('is quiet when all are set, connectTimeoutMS counting for the connection timeout', () => {
    expect(
      missingDatabaseTimeouts(
        postgres({ connectionTimeoutMillis: 2000, statement_timeout: 2000, query_timeout: 2500 }),
      ),
    ).toEqual([]);
    expect(
      missingDatabaseTimeouts(postgres({ statement_timeout: 2000, query_timeout: 2500 }, { connectTimeoutMS: 2000 })),
    ).toEqual([]);
  });

  it('says nothing about a data source that is not Postgres', () => {
    expect(missingDatabaseTimeouts({ type: 'mysql', database: 'app' } as DataSourceOptions)).toEqual([]);
  });
});

describe("the LISTEN connection's settings", () => {
  it('takes listenUrl for where and as whom to connect, and the data source for TLS and timeouts', () => {
    const options = postgres({ query_timeout: 2500 }, { ssl: { rejectUnauthorized: false }, host: 'pooler' });
    const config = pgClientConfig(options, 'x', 'postgres://direct:pw@db-direct:5432/app');
    expect(config).toMatchObject({
      connectionString: 'postgres://direct:pw@db-direct:5432/app',
      ssl: { rejectUnauthorized: false },
      query_timeout: 2500,
    });
    expect(config?.host).toBeUndefined();
  });

  it("takes the host's timeouts, or 10 s each when it sets none", () => {
    expect(pgClientConfig(postgres(), 'x')).toMatchObject({ connectionTimeoutMillis: 10_000, query_timeout: 10_000 });
    expect(pgClientConfig(postgres({ query_timeout: 2500, statement_timeout: 2000 }), 'x')).toMatchObject({
      query_timeout: 2500,
      statement_timeout: 2000,
    });
  });
});

/** A stand-in for a node-postgres pool client: `query` answers with what the test scripts. */
class FakeClient {
  ended = 0;
  constructor(private readonly answer: () => Promise<unknown>) {}
  query(): Promise<unknown> {
    return this.answer();
  }
  end(): Promise<void> {
    this.ended++;
    return Promise.resolve();
  }
}

describe('closeConnectionsOnQueryTimeout', () => {
  function guardedPool() {
    const pool = new EventEmitter();
    closeConnectionsOnQueryTimeout({ master: pool });
    return pool;
  }

  it('closes a connection whose query timed out, before the caller sees the error', async () => {
    const pool = guardedPool();
    const client = new FakeClient(() => Promise.reject(new Error('Query read timeout')));
    pool.emit('acquire', client);
    const seen = await client.query().catch((error: Error) => ({ message: error.message, ended: client.ended }));
    expect(seen).toEqual({ message: 'Query read timeout', ended: 1 });
  });

  it('leaves a connection alone on any other error or an answer', async () => {
    const pool = guardedPool();
    const failing = new FakeClient(() => Promise.reject(new Error('duplicate key value')));
    const answering = new FakeClient(() => Promise.resolve({ rows: [] }));
    pool.emit('acquire', failing);
    pool.emit('acquire', answering);
    await expect(failing.query()).rejects.toThrow('duplicate key value');
    await expect(answering.query()).resolves.toEqual({ rows: [] });
    expect([failing.ended, answering.ended]).toEqual([0, 0]);
  });

  it('wraps a client once, however often it is acquired, and guards a pool once', async () => {
    const pool = new EventEmitter();
    closeConnectionsOnQueryTimeout({ master: pool, slaves: [pool] });
    closeConnectionsOnQueryTimeout({ master: pool });
    expect(pool.listenerCount('acquire')).toBe(1);
    const client = new FakeClient(() => Promise.reject(new Error('Query read timeout')));
    pool.emit('acquire', client);
    pool.emit('acquire', client);
    await client.query().catch(() => undefined);
    expect(client.ended).toBe(1);
  });

  it('ignores a driver without pools', () => {
    expect(() => closeConnectionsOnQueryTimeout(undefined)).not.toThrow();
    expect(() => closeConnectionsOnQueryTimeout({ master: {} })).not.toThrow();
  });
});

describe('DatabaseTimeoutsService (at startup)', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it('warns, with the advice, when the data source sets no timeouts, and guards its pool', async () => {
    const pool = new EventEmitter();
    await new DatabaseTimeoutsService({ options: postgres(), driver: { master: pool } } as never).onModuleInit();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^The TypeORM data source sets no connectionTimeoutMillis, statement_timeout, query_timeout: .* extra: \{connectionTimeoutMillis: 2000, statement_timeout: 2000, query_timeout: 2500\}/,
      ),
    ]);
    expect(pool.listenerCount('acquire')).toBe(1);
  });

  it('is quiet when they are set', async () => {
    const extra = { connectionTimeoutMillis: 2000, statement_timeout: 2000, query_timeout: 2500 };
    await new DatabaseTimeoutsService({ options: postgres(extra), driver: {} } as never).onModuleInit();
    expect(warnings).toEqual([]);
  });

  /** A connected data source whose server reports `statementTimeout` for `SHOW`-like reads. */
  const connected = (extra: Record<string, unknown>, statementTimeout: string) =>
    ({
      options: postgres(extra),
      driver: {},
      isInitialized: true,
      query: async () => [{ value: statementTimeout }],
    }) as never;

  it("counts a statement_timeout set on the role or the database (behind PgBouncer), not only extra's", async () => {
    await new DatabaseTimeoutsService(
      connected({ connectionTimeoutMillis: 2000, query_timeout: 2500 }, '2s'),
    ).onModuleInit();
    expect(warnings).toEqual([]);
  });

  it('names the role as the place for statement_timeout when the server runs with none', async () => {
    await new DatabaseTimeoutsService(
      connected({ connectionTimeoutMillis: 2000, query_timeout: 2500 }, '0'),
    ).onModuleInit();
    expect(warnings).toEqual([
      expect.stringMatching(
        /sets no statement_timeout: .* set it on the role: ALTER ROLE <user> SET statement_timeout/,
      ),
    ]);
  });

  it("warns when extra's statement_timeout never reached the server (a pooler dropped it)", async () => {
    const extra = { connectionTimeoutMillis: 2000, statement_timeout: 2000, query_timeout: 2500 };
    await new DatabaseTimeoutsService(connected(extra, '0')).onModuleInit();
    expect(warnings).toEqual([
      expect.stringMatching(
        /sets statement_timeout in extra, but the server's connections run with none: .*ignore_startup_parameters.*ALTER ROLE/,
      ),
    ]);
  });
});
