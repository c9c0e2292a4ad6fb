import type { DataSource } from 'typeorm';
import { pgPool } from './pg-pool.js';

/*
 * A connection pooler in transaction mode (PgBouncer's `pool_mode = transaction`, Supavisor, RDS
 * Proxy) hands each transaction whichever server connection is free, so what a session keeps
 * (named prepared statements, LISTEN) does not follow the client. No setting says so, and
 * PgBouncer answers no query of its own on a database's connection; but Postgres tells each
 * connection its process id at startup (BackendKeyData) and `pg_backend_pid()` returns the same,
 * whereas a pooler makes up the key it hands its clients (it answers cancel requests itself).
 */

/**
 * Whether the data source's pool connects through a connection pooler: the process id its
 * connection was given at startup is not the id of the server process that runs its query.
 * `undefined` when it cannot tell (not node-postgres).
 *
 * @example
 * if (await behindConnectionPooler(dataSource)) prepared = false;
 */
export async function behindConnectionPooler(dataSource: DataSource): Promise<boolean | undefined> {
  const pool = pgPool(dataSource);
  if (typeof pool?.connect !== 'function') return undefined;
  const client = await pool.connect();
  try {
    const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
    const { pid } = (rows[0] ?? {}) as { pid?: unknown };
    if (typeof client.processID !== 'number' || typeof pid !== 'number') return undefined;
    return client.processID !== pid;
  } finally {
    client.release();
  }
}

/**
 * True for the errors of a named prepared statement that a pooler moved between server
 * connections: `prepared statement "..." already exists` (SQLSTATE 42P05, at Parse) or
 * `... does not exist` (26000, at Bind). Both come before the statement runs, so running it again
 * unprepared is safe.
 */
export function isPreparedStatementMixUp(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return code === '42P05' || code === '26000';
}
