import type { ClientConfig } from 'pg';
import type { DataSourceOptions } from 'typeorm';

/** Used when the host sets no connect timeout: a connection attempt must not hang forever. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Used when the host sets no query timeout: `LISTEN` on a frozen server must not hang forever either. */
const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

/** Settings of TypeORM's `extra` that configure a pool, not a connection. */
const POOL_ONLY = ['max', 'min', 'idleTimeoutMillis', 'maxUses', 'maxLifetimeSeconds', 'allowExitOnIdle', 'log'];

/**
 * The settings of a single node-postgres connection to the database of a TypeORM data source,
 * built the way TypeORM builds its pool's (`url` or host, port, user, password, database, ssl,
 * `connectTimeoutMS`, then `extra` on top, its timeouts included; the primary under `replication`),
 * with its own `application_name` and TCP keep-alive, and 10 s connect and query timeouts unless
 * the host sets its own. With `url` (the module's `listenUrl`), that URL says where and as whom to
 * connect instead of the data source; TLS and timeouts still come from the data source.
 * `undefined` when the data source is not Postgres.
 */
export function pgClientConfig(
  options: DataSourceOptions,
  applicationName: string,
  url?: string,
): ClientConfig | undefined {
  if (options.type !== 'postgres') return undefined;
  const credentials = url ? { url } : (options.replication?.master ?? options);
  const extra = Object.fromEntries(
    Object.entries((options.extra ?? {}) as Record<string, unknown>).filter(([key]) => !POOL_ONLY.includes(key)),
  ) as ClientConfig;
  return {
    connectionString: credentials.url,
    host: credentials.host,
    user: credentials.username,
    password: credentials.password,
    database: credentials.database,
    port: credentials.port,
    ssl: (options.replication?.master ?? options).ssl as ClientConfig['ssl'],
    connectionTimeoutMillis: options.connectTimeoutMS ?? DEFAULT_CONNECT_TIMEOUT_MS,
    query_timeout: DEFAULT_QUERY_TIMEOUT_MS,
    ...extra,
    application_name: applicationName,
    keepAlive: true,
  };
}
