/**
 * The e2e files of the start, callback, redeem, realtime and limits with the app's pool behind
 * Debian's PgBouncer in transaction mode (`npm run test:pgbouncer`; CI installs the package). Not
 * part of `npm test`, which needs nothing beyond `npm ci`. globalSetup starts an embedded Postgres
 * and PgBouncer in front of it; the LISTEN connection and the harness's admin work go straight to
 * Postgres.
 */
import { fileURLToPath } from 'node:url';
import { e2e } from '../../jest.config.js';

// Each project's <rootDir> would otherwise be this folder, not the repository's root.
const rootDir = fileURLToPath(new URL('../..', import.meta.url));
const THROUGH_PGBOUNCER = ['flow', 'redeem', 'realtime', 'start-limits', 'platform-ssms'];

/** One adapter's project: the listed e2e files and the PgBouncer-specific one, on PgBouncer's setup. */
function project(adapter, files) {
  return {
    ...e2e(adapter, files),
    rootDir,
    displayName: `pgbouncer-${adapter}`,
    globalSetup: '<rootDir>/test/pgbouncer/global-setup.ts',
    globalTeardown: '<rootDir>/test/pgbouncer/global-teardown.ts',
  };
}

export default {
  rootDir,
  maxWorkers: 2,
  projects: [
    project('express', [
      ...THROUGH_PGBOUNCER.map((name) => `<rootDir>/test/${name}.e2e-spec.ts`),
      '<rootDir>/test/pgbouncer/pgbouncer.e2e-spec.ts',
    ]),
    // The LISTEN connection's wake-ups reach event streams through Fastify's hijacked replies too.
    project('fastify', ['<rootDir>/test/realtime.e2e-spec.ts']),
  ],
};
