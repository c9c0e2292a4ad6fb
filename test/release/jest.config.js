/**
 * Release checks, slower than `npm test` and run by CI (`npm run test:release`): what `npm pack`
 * ships, and the built sample app as `npm start` runs it (restarts, a left-over embedded Postgres),
 * on Express and on Fastify.
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
    ...['express', 'fastify'].map((adapter) => ({
      ...e2e(adapter, ['<rootDir>/test/release/sample-app-restart.release-spec.ts']),
      rootDir,
      displayName: `release-${adapter}`,
    })),
  ],
};
