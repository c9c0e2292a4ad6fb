import type { DataSource } from 'typeorm';

/** The parts of a node-postgres pool and client the counter touches. */
interface PgClient {
  query: (...args: unknown[]) => unknown;
}
interface PgPool {
  on(event: 'acquire', listener: (client: PgClient) => void): unknown;
}

/**
 * Counts the statements an app sends through its data source's pool: every `query` of every
 * client the pool hands out (to the module's own statements and to TypeORM's BEGIN and COMMIT
 * alike). node-postgres sends one query at a time and waits for its answer, so each is one round
 * trip. `take()` returns the count since the last `take()` and starts again from 0; `names` are
 * the names of the prepared statements sent since then (unnamed ones are left out).
 */
export function countStatements(dataSource: DataSource): { take(): number; readonly names: string[] } {
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  const counted = new WeakSet<PgClient>();
  let count = 0;
  const names: string[] = [];
  pool.on('acquire', (client: PgClient) => {
    if (counted.has(client)) return;
    counted.add(client);
    const query = client.query;
    client.query = function countedQuery(this: unknown, ...args: unknown[]) {
      count++;
      const name = (args[0] as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string') names.push(name);
      return query.apply(this, args);
    };
  });
  return {
    names,
    take() {
      const taken = count;
      count = 0;
      names.length = 0;
      return taken;
    },
  };
}
