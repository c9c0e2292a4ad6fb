/**
 * NestJS 12 ships ES modules only, so Jest runs in its ESM mode (`--experimental-vm-modules`, see
 * the `test` script) and ts-jest emits ESM. Two layers: unit specs, and e2e specs that boot Nest
 * apps on real Postgres. Every e2e file runs on Express; the files whose behaviour depends on the
 * HTTP adapter (body and header parsing, client addresses, cookies, streams, the platforms' callbacks)
 * run on Fastify too. Release checks (`npm pack`, the built sample app's restarts) are in
 * test/release/jest.config.js (`npm run test:release`), the browser test in test/browser/.
 */
const shared = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', useESM: true }] },
  moduleNameMapper: {
    '^nestjs-phone-call-auth$': '<rootDir>/lib/index.ts',
    '^nestjs-phone-call-auth/testing$': '<rootDir>/lib/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Its ESM build imports JSON without import attributes, which Jest's ESM mode warns about.
    '^libphonenumber-js/max$': '<rootDir>/node_modules/libphonenumber-js/max/index.cjs',
  },
  testEnvironment: 'node',
};

/**
 * The e2e files that also run on Fastify: where Express and Fastify differ (parsers, `request.ip`
 * and trust proxy, headers and cookies, hijacked replies for streams, raw bodies). The others test
 * statements, races, timeouts and options, which do not depend on the adapter.
 */
export const ADAPTER_DEPENDENT = [
  'abuse',
  'access-token',
  'adoption',
  'availability',
  'callback-forgery',
  'callback-secrets',
  'client-address',
  'cookie-mode',
  'error-codes',
  'flow',
  'fuzz',
  'input',
  'platform-new-tel',
  'platform-sms-ru',
  'platform-ssms',
  'platform-twilio',
  'realtime',
  'sample-operations',
  'start-origin',
  'telemetry',
  'step-up',
];

export default {
  // Two workers on two cores: an e2e file spends most of its time waiting on Postgres and sockets.
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'] },
    e2e('express', ['<rootDir>/test/*.e2e-spec.ts']),
    e2e(
      'fastify',
      ADAPTER_DEPENDENT.map((name) => `<rootDir>/test/${name}.e2e-spec.ts`),
    ),
  ],
};

/** The e2e suite on one HTTP adapter; test/support/test-app.ts reads the adapter from the global. */
export function e2e(adapter, testMatch) {
  return {
    ...shared,
    displayName: adapter === 'express' ? 'e2e' : `e2e-${adapter}`,
    testMatch,
    globals: { PHONE_CALL_AUTH_TEST_ADAPTER: adapter },
    globalSetup: '<rootDir>/test/support/global-setup.ts',
    globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  };
}
