import pg from 'pg';

/**
 * Runs `fire` while a separate connection holds a row lock (`lockQuery`, a `SELECT ... FOR UPDATE`
 * with `params`), and releases it once at least `waiters` statements of the app wait on it
 * (polling pg_stat_activity, no timers). Those statements then all read the row as it was before
 * any of them wrote: the race that the conditional UPDATEs must settle.
 */
export async function withRowLocked<T>(
  databaseUrl: string,
  lockQuery: string,
  params: unknown[],
  waiters: number,
  fire: () => Promise<T>,
): Promise<T> {
  const locker = new pg.Client({ connectionString: databaseUrl });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query(lockQuery, params);
    const fired = fire();
    const deadline = Date.now() + 15_000;
    let blocked = 0;
    while (blocked < waiters) {
      if (Date.now() > deadline) throw new Error(`only ${blocked} statements ever waited on the row lock`);
      const { rows } = await locker.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      );
      blocked = rows[0].n;
    }
    await locker.query('ROLLBACK');
    return await fired;
  } finally {
    await locker.end();
  }
}
