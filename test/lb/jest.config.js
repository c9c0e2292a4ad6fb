/**
 * Three built sample apps behind Debian's HAProxy, on one Postgres (`npm run test:lb`, which builds
 * the sample app first; CI installs the package). Not part of `npm test`, which needs nothing beyond
 * `npm ci`. globalSetup starts an embedded Postgres and HAProxy; the spec starts the apps.
 */
import { fileURLToPath } from 'node:url';
import { e2e } from '../../jest.config.js';

// The project's <rootDir> would otherwise be this folder, not the repository's root.
const rootDir = fileURLToPath(new URL('../..', import.meta.url));

export default {
  rootDir,
  projects: [
    {
      ...e2e('express', ['<rootDir>/test/lb/lb.e2e-spec.ts']),
      rootDir,
      displayName: 'lb',
      globalSetup: '<rootDir>/test/lb/global-setup.ts',
      globalTeardown: '<rootDir>/test/lb/global-teardown.ts',
    },
  ],
};
