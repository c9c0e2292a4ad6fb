/**
 * Three built sample apps behind Debian's HAProxy, on one Postgres (`npm run test:lb`, which builds
 * the sample app first; CI installs the package). Not part of `npm test`, which needs nothing beyond
 * `npm ci`. globalSetup starts an embedded Postgres, and a database and an HAProxy per HTTP adapter;
 * the spec starts the apps.
 */
import { fileURLToPath } from 'node:url';
import { e2e } from '../../jest.config.js';

// The project's <rootDir> would otherwise be this folder, not the repository's root.
const rootDir = fileURLToPath(new URL('../..', import.meta.url));

export default {
  rootDir,
  maxWorkers: 2,
  // On both adapters: `trust proxy` is Express's, `trustProxy` Fastify's, and their streams differ.
  projects: ['express', 'fastify'].map((adapter) => ({
    ...e2e(adapter, ['<rootDir>/test/lb/lb.e2e-spec.ts']),
    rootDir,
    displayName: `lb-${adapter}`,
    globalSetup: '<rootDir>/test/lb/global-setup.ts',
    globalTeardown: '<rootDir>/test/lb/global-teardown.ts',
  })),
};
