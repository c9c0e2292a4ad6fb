import jwt, { type Algorithm, type Secret } from 'jsonwebtoken';
import { TEST_JWT_SECRET } from './test-app.js';

/** A JWT segment: `value` as JSON, base64url-encoded. */
export const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs like the module does (`typ: at+jwt`), by default with the test app's HS256 secret;
 * `header` adds or overrides header fields, e.g. `{ typ: 'JWT' }` or `{ kid: 'rs-1' }`.
 */
export function forge(
  claims: Record<string, unknown>,
  key: Secret = TEST_JWT_SECRET,
  algorithm: Algorithm = 'HS256',
  header: Record<string, unknown> = {},
): string {
  return jwt.sign(claims, key, { algorithm, header: { alg: algorithm, typ: 'at+jwt', ...header } });
}
