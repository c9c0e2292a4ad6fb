import { CountryCode, parsePhoneNumberFromString, PhoneNumber } from 'libphonenumber-js/max';

/** A phone number in E.164 form, e.g. `+79670311122`. */
export type E164 = string;

const MAX_INPUT_LENGTH = 64;

/**
 * Parses a number typed by a person (any common notation: `+7 967 031-11-22`,
 * `8 (967) 031-11-22`, `9670311122`) into a valid {@link PhoneNumber}, or `undefined`.
 */
export function parsePhone(input: unknown, defaultCountry: CountryCode): PhoneNumber | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_INPUT_LENGTH) {
    return undefined;
  }
  const parsed = parsePhoneNumberFromString(input, defaultCountry);
  return parsed?.isValid() ? parsed : undefined;
}

/**
 * Parses a number as a platform writes it: usually digits in international form without `+`
 * (`79670311122`), sometimes with `+`, sometimes in national form (`89670311122`).
 * The international reading wins when it is a valid number.
 */
export function parsePlatformPhone(input: unknown, defaultCountry: CountryCode): PhoneNumber | undefined {
  if (typeof input !== 'string') return undefined;
  const trimmed = input.trim();
  if (/^\d{8,15}$/.test(trimmed)) {
    const international = parsePhone(`+${trimmed}`, defaultCountry);
    if (international) return international;
  }
  return parsePhone(trimmed, defaultCountry);
}

/** E.164 digits without `+`, as SSMS and most platforms want them. */
export function toDigits(phone: E164): string {
  return phone.replace(/^\+/, '');
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
