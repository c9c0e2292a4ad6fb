import type { DataSource, EntityManager } from 'typeorm';
import { pgPool } from './pg-pool.js';

/**
 * A statement and its parameter values (`$1`, `$2`, ... in order), as the typed statement builders
 * return it. `name` makes it a prepared statement where it runs on the pool ({@link queryPool}).
 */
export interface Statement {
  text: string;
  values: unknown[];
  /** The name Postgres keeps the parsed and planned statement under, per connection. */
  name?: string;
}

/**
 * Runs one statement and returns its rows, for SELECT, INSERT, UPDATE and DELETE alike:
 * TypeORM's Postgres driver answers UPDATE and DELETE with `[rows, count]`, everything else with `rows`.
 */
export async function queryRows<T>(runner: DataSource | EntityManager, { text, values }: Statement): Promise<T[]> {
  let result: unknown;
  try {
    result = await runner.query(text, values);
  } catch (error) {
    throw redacted(error);
  }
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/**
 * Runs one statement straight on the data source's node-postgres pool: one round trip, and, for a
 * named statement with `prepare`, parsed and planned once per connection rather than on every
 * call (TypeORM's `query` has neither: it borrows a query runner per call and never names a
 * statement). Falls back to {@link queryRows} for a data source that is not node-postgres.
 */
export async function queryPool<T>(dataSource: DataSource, statement: Statement, prepare: boolean): Promise<T[]> {
  const pool = pgPool(dataSource);
  if (typeof pool?.query !== 'function') return queryRows<T>(dataSource, statement);
  const { text, values, name } = statement;
  try {
    const result = await pool.query(prepare && name ? { name, text, values } : { text, values });
    return result.rows as T[];
  } catch (error) {
    throw redacted(error);
  }
}

/**
 * TypeORM keeps the parameters on its QueryFailedError, and Nest logs an unhandled error in full:
 * drop them, so no phone number or secret hash reaches a log line.
 */
function redacted(error: unknown): unknown {
  if (typeof error === 'object' && error !== null && 'parameters' in error) {
    (error as { parameters?: unknown }).parameters = ['(redacted)'];
  }
  return error;
}

/** True for Postgres refusing a row that the unique index `index` already holds (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown, index: string): boolean {
  const { code, constraint, driverError } = (error ?? {}) as {
    code?: unknown;
    constraint?: unknown;
    driverError?: unknown;
  };
  if (code === '23505' && constraint === index) return true;
  return driverError !== undefined && isUniqueViolation(driverError, index);
}
