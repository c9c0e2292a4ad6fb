import { type CountryCode, isSupportedCountry } from 'libphonenumber-js/max';
import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';

/** Out-of-band requests live at most 10 minutes (OWASP ASVS, NIST SP 800-63B). */
export const MAX_LIFETIME_SECONDS = 600;

/** A whole number of seconds from 1 to `max`, or the fallback when not given. */
export function configSeconds(name: string, value: number | undefined, fallback: number, max: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1 || result > max) {
    throw new PhoneCallAuthConfigError(
      `${name} must be a whole number of seconds from 1 to ${max}, got ${String(value)}.`,
    );
  }
  return result;
}

/** `true` or `false`, or the fallback when not given. */
export function configFlag(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new PhoneCallAuthConfigError(`${name} must be true or false, got ${JSON.stringify(value)}.`);
  }
  return value ?? fallback;
}

/** A whole number from 1, or the fallback when not given. */
export function configCount(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1) {
    throw new PhoneCallAuthConfigError(`${name} must be a whole number from 1, got ${String(value)}.`);
  }
  return result;
}

/** An ISO 3166-1 alpha-2 code that libphonenumber-js knows. */
export function configCountry(name: string, code: unknown): CountryCode {
  if (typeof code !== 'string' || !isSupportedCountry(code)) {
    throw new PhoneCallAuthConfigError(`${name} must be ISO 3166-1 alpha-2 codes such as 'RU', got "${String(code)}".`);
  }
  return code;
}

/**
 * An object (or nothing) whose keys are all among `known`: a misspelt or renamed key fails at
 * startup instead of leaving a default in place unnoticed.
 */
export function configKeys(name: string, value: unknown, known: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PhoneCallAuthConfigError(`${name} must be an object with the keys ${known.join(', ')}.`);
  }
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new PhoneCallAuthConfigError(
      `${name} has no ${unknown.map((key) => `"${key}"`).join(', ')}; its keys are ${known.join(', ')}.`,
    );
  }
}
