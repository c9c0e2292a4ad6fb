/**
 * The browser test drives Debian's Chromium, which `npm test` must not need: so it has a config
 * of its own (`npm run test:browser`), the e2e project's settings and globalSetup (an embedded
 * Postgres, or DATABASE_URL's server) with another testMatch.
 */
import base from '../../jest.config.js';

const e2e = base.projects.find((project) => project.displayName === 'e2e');

export default {
  ...e2e,
  rootDir: '../..',
  displayName: 'browser',
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  testTimeout: 60_000,
};
