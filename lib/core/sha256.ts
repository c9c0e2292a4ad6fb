import { createHash } from 'node:crypto';

/**
 * SHA-256 of a UTF-8 string: how the module stores verification secrets and refresh tokens,
 * compares callback secrets in constant time, and keys its rate-limit counters.
 */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
