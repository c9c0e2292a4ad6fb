/**
 * Release checks, slower than `npm test` and run by CI (`npm run test:release`): what `npm pack`
 * ships, the built sample app as `npm start` runs it (restarts, a left-over embedded Postgres), and
 * the property-based input test at full size, on Express and on Fastify; and, on Express, every
 * route against a frozen database (its waits are the timeouts it checks: 25 s).
 */
import { fileURLToPath } from 'node:url';
import base, { e2e } from '../../jest.config.js';

const unit = base.projects.find((project) => project.displayName === 'unit');
// Each project's <rootDir> would otherwise be this folder, not the repository's root.
const rootDir = fileURLToPath(new URL('../..', import.meta.url));

export default {
  rootDir,
  projects: [
    { ...unit, rootDir, displayName: 'release', testMatch: ['<rootDir>/test/release/package.release-spec.ts'] },
    ...['express', 'fastify'].map((adapter) => {
      const project = e2e(adapter, [
        '<rootDir>/test/release/sample-app-restart.release-spec.ts',
        // The property-based input test at full size: 10,000 generated requests per adapter.
        '<rootDir>/test/fuzz.e2e-spec.ts',
        // The database's processes stopped and resumed: the HTTP adapter is not what it tests.
        ...(adapter === 'express' ? ['<rootDir>/test/release/frozen-database.release-spec.ts'] : []),
      ]);
      return {
        ...project,
        rootDir,
        displayName: `release-${adapter}`,
        globals: { ...project.globals, PHONE_CALL_AUTH_FUZZ_SCALE: 10 },
      };
    }),
  ],
};
