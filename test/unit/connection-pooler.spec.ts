import { Logger } from '@nestjs/common';
import { StatementRunner } from '../../lib/database/statement-runner.js';
import { resolveDatabaseOptions } from '../../lib/options/resolve-database-options.js';
import { PhoneCallAuthTelemetry } from '../../lib/telemetry/phone-call-auth.telemetry.js';

/** Jest's object in ESM mode (as test/openapi-optional.e2e-spec.ts reads it): spies. */
const jest = (import.meta as unknown as { jest: typeof import('@jest/globals').jest }).jest;

/**
 * A stand-in for a node-postgres pool behind a pooler or not: its clients were told `processID` at
 * startup and run on server process `pid`; named statements fail with `namedError` when given.
 */
function fakePool({ processID = 7, pid = 7, namedError }: { processID?: number; pid?: number; namedError?: object }) {
  const sent: { name?: string }[] = [];
  return {
    sent,
    query: async (config: { text: string; values: unknown[]; name?: string }) => {
      sent.push({ name: config.name });
      if (config.name && namedError) throw Object.assign(new Error('prepared statement mixed up'), namedError);
      return { rows: [{ ok: 1 }] };
    },
    connect: async () => ({ processID, query: async () => ({ rows: [{ pid }] }), release: () => undefined }),
  };
}

function runner(preparedStatements: boolean | 'auto', pool: ReturnType<typeof fakePool>): StatementRunner {
  const dataSource = { driver: { master: pool }, isInitialized: true };
  return new StatementRunner(
    { preparedStatements } as never,
    dataSource as never,
    {} as never,
    new PhoneCallAuthTelemetry(),
  );
}

const statement = { text: 'SELECT 1', values: [], name: 'phone_call_auth_count' };

describe('prepared statements behind a connection pooler', () => {
  let lines: string[];
  beforeEach(() => {
    lines = [];
    for (const level of ['log', 'warn'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => {
        lines.push(String(message));
      });
    }
  });
  afterEach(() => jest.restoreAllMocks());

  it("'auto' turns them off when the connection's startup process id is not its server process's", async () => {
    const pooled = runner('auto', fakePool({ processID: 1160264813, pid: 29641 }));
    await pooled.onModuleInit();
    expect(pooled.preparedStatements).toBe(false);
    expect(lines).toEqual([expect.stringMatching(/connection pooler .*prepared statements are off/)]);

    const direct = runner('auto', fakePool({ processID: 29640, pid: 29640 }));
    await direct.onModuleInit();
    expect(direct.preparedStatements).toBe(true);
  });

  it('true keeps them on behind a pooler (PgBouncer 1.21+ keeps them)', async () => {
    const forced = runner(true, fakePool({ processID: 1, pid: 2 }));
    await forced.onModuleInit();
    expect(forced.preparedStatements).toBe(true);
  });

  it.each([
    ['42P05', 'already exists'],
    ['26000', 'does not exist'],
  ])('a statement the pooler mixed up (%s, %s) runs again unprepared, and they stay off', async (code) => {
    const pool = fakePool({ namedError: { code } });
    const run = runner(true, pool);
    await expect(run.query(statement)).resolves.toEqual([{ ok: 1 }]);
    await expect(run.query(statement)).resolves.toEqual([{ ok: 1 }]);
    expect(pool.sent).toEqual([{ name: 'phone_call_auth_count' }, { name: undefined }, { name: undefined }]);
    expect(run.preparedStatements).toBe(false);
    expect(lines).toEqual([expect.stringMatching(/prepared statements off from now on/)]);
  });

  it('any other error reaches the caller, and is not run again', async () => {
    const pool = fakePool({ namedError: { code: '23505' } });
    await expect(runner(true, pool).query(statement)).rejects.toMatchObject({ code: '23505' });
    expect(pool.sent).toHaveLength(1);
  });
});

describe('resolveDatabaseOptions', () => {
  it("defaults preparedStatements to 'auto' and takes true, false or 'auto'", () => {
    expect(resolveDatabaseOptions({})).toEqual({ preparedStatements: 'auto' });
    for (const value of [true, false, 'auto'] as const) {
      expect(resolveDatabaseOptions({ preparedStatements: value }).preparedStatements).toBe(value);
    }
    expect(() => resolveDatabaseOptions({ preparedStatements: 'yes' as never })).toThrow(
      "preparedStatements must be true, false or 'auto'",
    );
  });

  it('takes a postgres:// listenUrl, and refuses anything else without echoing it (it may hold a password)', () => {
    const listenUrl = 'postgresql://app:hunter2@db:5432/app';
    expect(resolveDatabaseOptions({ listenUrl }).listenUrl).toBe(listenUrl);
    for (const bad of ['http://app:hunter2@db/app', 'app:hunter2@db', 42]) {
      expect(() => resolveDatabaseOptions({ listenUrl: bad as never })).toThrow(
        /listenUrl must be a postgres:\/\/ URL/,
      );
      expect(() => resolveDatabaseOptions({ listenUrl: bad as never })).not.toThrow(/hunter2/);
    }
  });
});
