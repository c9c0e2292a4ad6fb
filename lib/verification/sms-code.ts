import { randomInt } from 'node:crypto';
import { sha256 } from '../core/sha256.js';

/** A random SMS code of `length` digits (leading zeros kept). */
export function newSmsCode(length: number): string {
  return String(randomInt(0, 10 ** length)).padStart(length, '0');
}

/** An SMS code as it is stored: SHA-256 of the verification id and the code, so equal codes differ. */
export function codeHash(id: string, code: string): Buffer {
  return sha256(`${id}:${code}`);
}
