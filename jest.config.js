/**
 * NestJS 12 ships ES modules only, so Jest runs in its ESM mode (`--experimental-vm-modules`, see
 * the `test` script) and ts-jest emits ESM. Two layers: unit specs, and e2e specs that boot Nest
 * apps on real Postgres, run once on Express and once on Fastify.
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

export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'] },
    e2e('express'),
    e2e('fastify'),
  ],
};

/** The e2e suite, once per HTTP adapter; test/support/test-app.ts reads the adapter from the global. */
function e2e(adapter) {
  return {
    ...shared,
    displayName: adapter === 'express' ? 'e2e' : `e2e-${adapter}`,
    testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    // The sample app (and its e2e spec) runs on Express only.
    testPathIgnorePatterns: adapter === 'express' ? [] : ['/test/sample-app\\.e2e-spec\\.ts$'],
    globals: { PHONE_CALL_AUTH_TEST_ADAPTER: adapter },
    globalSetup: '<rootDir>/test/support/global-setup.ts',
    globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  };
}
