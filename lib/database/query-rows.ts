import type { DataSource, EntityManager } from 'typeorm';

/** A statement and its parameter values (`$1`, `$2`, ... in order), as the typed statement builders return it. */
export interface Statement {
  text: string;
  values: unknown[];
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
    // TypeORM keeps the parameters on its QueryFailedError, and Nest logs an unhandled error in
    // full: drop them, so no phone number or secret hash reaches a log line.
    if (typeof error === 'object' && error !== null && 'parameters' in error) {
      (error as { parameters?: unknown }).parameters = ['(redacted)'];
    }
    throw error;
  }
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}
