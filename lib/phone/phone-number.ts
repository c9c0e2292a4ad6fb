import { CountryCode, parsePhoneNumberFromString, PhoneNumber } from 'libphonenumber-js/max';

import type { E164 } from '../core/e164.js';

export type { E164 } from '../core/e164.js';

const MAX_INPUT_LENGTH = 64;
/**
 * What a written phone number may contain. libphonenumber-js alone would also find a number
 * inside other text (`call me on +7 967...`, `79670311122; DROP TABLE`), which is not a number.
 */
const PHONE_CHARACTERS = /^\+?[0-9\s().-]+$/;

/**
 * Parses a number typed by a person (any common notation: `+7 967 031-11-22`,
 * `8 (967) 031-11-22`, `9670311122`) into a valid {@link PhoneNumber}, or `undefined`.
 * Only ASCII digits, spaces, `+ ( ) . -` are accepted.
 */
export function parsePhone(input: unknown, defaultCountry: CountryCode): PhoneNumber | undefined {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH || !PHONE_CHARACTERS.test(input)) {
    return undefined;
  }
  const parsed = parsePhoneNumberFromString(input, defaultCountry);
  return parsed?.isValid() ? parsed : undefined;
}

/**
 * Parses a number as a platform writes it, the one reader of every caller, dialed number and
 * number to call that a platform sends: international form with `+` (`+79670311122`), bare
 * international digits (`79670311122`), or, on a platform of `country`, that country's national
 * form with its trunk prefix (`84951234567`, `89670311122` in Russia). That national form wins
 * over an international reading of the same digits: on a Russian platform `84951234567` is Moscow
 * (+7 495 123-45-67), not Vietnam (+84 95 123 45 67). Other digits are read as international first,
 * then as a national number of `country`. Without `country` (a platform that writes international
 * numbers only), only the international readings count.
 */
export function parsePlatformPhone(input: unknown, country?: CountryCode): PhoneNumber | undefined {
  if (typeof input !== 'string') return undefined;
  if (input.length > MAX_INPUT_LENGTH) return undefined;
  const key = `${country ?? ''}|${input}`;
  if (platformPhones.has(key)) return platformPhones.get(key);
  const parsed = parsePlatformPhoneOnce(input, country);
  if (platformPhones.size >= MAX_PLATFORM_PHONES) platformPhones.clear();
  platformPhones.set(key, parsed);
  return parsed;
}

/**
 * The platforms' numbers parsed lately: the numbers a platform hands out, and its own in callbacks,
 * come from a small set, and parsing one costs more than the rest of a start's own work.
 */
const platformPhones = new Map<string, PhoneNumber | undefined>();
const MAX_PLATFORM_PHONES = 1000;

function parsePlatformPhoneOnce(input: string, country: CountryCode | undefined): PhoneNumber | undefined {
  const trimmed = input.trim();
  if (!PHONE_CHARACTERS.test(trimmed)) return undefined;
  if (trimmed.startsWith('+')) return valid(parsePhoneNumberFromString(trimmed));
  const digits = trimmed.replace(/\D/g, '');
  const national = country ? valid(parsePhoneNumberFromString(trimmed, country)) : undefined;
  // The country's own national form, trunk prefix included: its national format has exactly these digits.
  if (national && national.formatNational().replace(/\D/g, '') === digits) return national;
  return (/^\d{8,15}$/.test(digits) ? valid(parsePhoneNumberFromString(`+${digits}`)) : undefined) ?? national;
}

function valid(parsed: PhoneNumber | undefined): PhoneNumber | undefined {
  return parsed?.isValid() ? parsed : undefined;
}

/** E.164 digits without `+`, as SSMS and most platforms want them. */
export function toDigits(phone: E164): string {
  return phone.replace(/^\+/, '');
}

/** Masks every run of 7 to 15 digits (with an optional `+`) in a text, for logging text that others wrote. */
export function maskNumbers(text: string): string {
  return text.replace(/\+?\d{7,15}/g, (match) => maskPhone(match));
}

/**
 * Masks a number for logs: `+79670311122` -> `+7967***1122`.
 * Anything that is not a plain number is reduced to its length, so caller-supplied
 * strings never reach a log line verbatim.
 */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '(none)';
  if (!/^\+?\d{6,15}$/.test(phone)) return `(invalid, ${Math.min(phone.length, 999)} chars)`;
  const plus = phone.startsWith('+') ? '+' : '';
  const digits = phone.slice(plus.length);
  const [head, tail] = digits.length >= 10 ? [4, 4] : [1, 2];
  return `${plus}${digits.slice(0, head)}***${digits.slice(-tail)}`;
}

/**
 * The part of a number that `maskPhone` shows first, for counting numbers by prefix without
 * keeping them: `+79670311122` -> `+7967` (the country code and a few leading digits). Null for
 * anything that is not a number in E.164.
 */
export function numberPrefix(phone: string | null | undefined): string | null {
  if (!phone || !/^\+\d{6,15}$/.test(phone)) return null;
  return phone.slice(0, phone.length - 1 >= 10 ? 5 : 2);
}
