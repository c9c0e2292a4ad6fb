import type { PhoneNumber } from 'libphonenumber-js/max';
import { parsePhone } from '../phone/phone-number.js';

/**
 * The destination prefix of a number for the SMS fraud guard: `+`, the country calling code and
 * the first `digits` digits of the national number (`+7 967 031-11-22`, 3 digits: `+7967`). Ranges
 * an attacker is paid for are blocks of one operator's numbers, which share such a prefix.
 */
export function smsPrefixOf(phone: PhoneNumber, digits: number): string {
  return `+${phone.countryCallingCode}${phone.nationalNumber.slice(0, digits)}`;
}

/**
 * A prefix as an operator may name it: `+`, then 2 to 11 digits (a country code and at most 8 more,
 * as `prefixDigits`), the first not 0; never a whole valid number, which would then be logged.
 */
export function isSmsPrefix(value: unknown): value is string {
  return typeof value === 'string' && /^\+[1-9]\d{1,10}$/.test(value) && !parsePhone(value, 'RU');
}
