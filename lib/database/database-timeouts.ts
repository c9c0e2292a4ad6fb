import type { DataSourceOptions } from 'typeorm';
import { pgPools } from './pg-pool.js';

/*
 * A database that freezes (a stopped server, a network that drops packets) does not refuse
 * anything: without timeouts every request waits for it without bound. node-postgres gives three:
 * `connectionTimeoutMillis` (opening or borrowing a pool connection), `statement_timeout` (the
 * server cancels a slow statement, SQLSTATE 57014) and `query_timeout` (the client stops waiting
 * for an answer; the only one that helps when the server does not run at all).
 */

/** The timeouts the module advises in TypeORM's `extra` (docs/operations.md): every request answers within 3 s. */
export const ADVISED_DATABASE_TIMEOUTS = {
  connectionTimeoutMillis: 2000,
  statement_timeout: 2000,
  query_timeout: 2500,
} as const;

/** The advised timeouts a data source leaves unset (empty when it sets them all, or is not Postgres). */
export function missingDatabaseTimeouts(options: DataSourceOptions): string[] {
  if (options.type !== 'postgres') return [];
  const extra = (options.extra ?? {}) as Record<string, unknown>;
  const set = (value: unknown) => typeof value === 'number' && value > 0;
  return Object.keys(ADVISED_DATABASE_TIMEOUTS).filter((name) =>
    name === 'connectionTimeoutMillis' ? !set(extra[name]) && !set(options.connectTimeoutMS) : !set(extra[name]),
  );
}

/** What node-postgres rejects a query with when `query_timeout` passes with no answer. */
function isQueryReadTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

/** The parts of a node-postgres pool and client used here. */
interface PgPool {
  on(event: 'acquire', listener: (client: PgClient) => void): unknown;
}
interface PgClient {
  query: (...args: unknown[]) => unknown;
  end(): Promise<void>;
}

const GUARDED = Symbol.for('nestjs-phone-call-auth.query-timeout-guard');

/**
 * When node-postgres gives up on a query (`query_timeout`), it leaves the query on the connection:
 * the connection stays busy until the server answers, every later query on it (TypeORM's ROLLBACK
 * of the failed transaction included) waits as long again, and once the server wakes up the
 * abandoned statement still runs, so a `BEGIN` that timed out would leave the pooled connection
 * inside a transaction that the next borrower's statements silently join. This closes such a
 * connection at once instead, so the pool drops it and the failed request answers within one
 * timeout. Installed once on each pool of a TypeORM Postgres data source (the host's own
 * queries benefit too); a no-op for anything else.
 */
export function closeConnectionsOnQueryTimeout(driver: unknown): void {
  for (const pool of pgPools(driver)) {
    const candidate = pool as (PgPool & { [GUARDED]?: boolean }) | undefined;
    if (!candidate || typeof candidate.on !== 'function' || candidate[GUARDED]) continue;
    candidate[GUARDED] = true;
    candidate.on('acquire', guardClient);
  }
}

function guardClient(client: PgClient & { [GUARDED]?: boolean }): void {
  if (client[GUARDED] || typeof client.query !== 'function') return;
  client[GUARDED] = true;
  const query = client.query;
  const close = (error: unknown) => {
    if (isQueryReadTimeout(error)) client.end().catch(() => undefined);
  };
  client.query = function guardedQuery(this: unknown, ...args: unknown[]) {
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, ...rest: unknown[]) => {
        close(error);
        return (last as (...a: unknown[]) => unknown)(error, ...rest);
      };
    }
    const result = query.apply(this, args);
    // Attached before the caller's own handlers, so the connection is closing when they run.
    if (typeof (result as Promise<unknown> | undefined)?.catch === 'function')
      (result as Promise<unknown>).catch(close);
    return result;
  };
}
