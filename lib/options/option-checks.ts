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
