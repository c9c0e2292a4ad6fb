import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/*
 * The one place the module reaches node-postgres' pools. TypeORM has no accessor for them on
 * `DataSource`: `DataSource.driver` is typed as the `Driver` interface, while the pools are the
 * public fields `master` and `slaves` of its `PostgresDriver` class (typed `any`). The module needs
 * them for four things TypeORM's `query` cannot do: named prepared statements in one round trip,
 * reading `query_timeout`, closing a connection whose query timed out, and reading the process id
 * a connection was given at startup (to find a connection pooler in between). Everything else goes
 * through TypeORM's public API.
 */

/** The part of a node-postgres pool client the module uses. */
export interface PgPoolClient {
  /** The process id in the server's BackendKeyData message at startup (a pooler sends one of its own). */
  processID?: number | null;
  query(text: string): Promise<{ rows: unknown[] }>;
  release(error?: Error | boolean): void;
}

/** The part of a node-postgres pool the module uses. */
export interface PgPool {
  query(config: { text: string; values: unknown[]; name?: string }): Promise<{ rows: unknown[] }>;
  connect(): Promise<PgPoolClient>;
  on(event: 'acquire', listener: (client: never) => void): unknown;
  options?: { query_timeout?: unknown };
}

/** The data source's node-postgres pool (its master's, with replication), or `undefined` for another driver. */
export function pgPool(dataSource: DataSource): Partial<PgPool> | undefined {
  return pgPools(dataSource.driver)[0];
}

/**
 * Every node-postgres pool of a TypeORM driver: the master's first, then the replicas'. Empty for
 * a driver that is not TypeORM's Postgres driver (or not connected yet).
 */
export function pgPools(driver: unknown): Partial<PgPool>[] {
  const { master, slaves } = (driver ?? {}) as Partial<Pick<PostgresDriver, 'master' | 'slaves'>>;
  return [master, ...(Array.isArray(slaves) ? slaves : [])].filter(
    (pool): pool is Partial<PgPool> => typeof pool === 'object' && pool !== null,
  );
}
