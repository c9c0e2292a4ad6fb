import { PHONE_CALL_AUTH_LOCALES, type PhoneCallAuthLocale } from './messages.js';

/** Whether a value is one of the module's locales. */
export function isLocale(value: unknown): value is PhoneCallAuthLocale {
  return typeof value === 'string' && (PHONE_CALL_AUTH_LOCALES as readonly string[]).includes(value);
}

/**
 * The best of `supported` for an `Accept-Language` header (RFC 9110 section 12.5.4): ranges by
 * q-value (highest first, then in order written), a range matches a locale when it is that
 * language or a subtag of it (`ru-RU` -> `ru`); `*` and `q=0` say nothing; no match -> undefined.
 *
 * @example matchAcceptLanguage('en-GB;q=0.8, ru-RU', ['ru', 'en']) // 'ru'
 */
export function matchAcceptLanguage<T extends string>(
  header: string | string[] | undefined,
  supported: readonly T[],
): T | undefined {
  const text = [header ?? []].flat().join(',');
  if (text.length === 0 || text.length > 1000) return undefined;
  const ranges = text
    .split(',')
    .map((part, index) => {
      const [range, ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param)?.[1]).find(Boolean);
      return { language: range.trim().toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q), index };
    })
    .filter(({ language, q }) => q > 0 && /^[a-z]{1,8}$/.test(language))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { language } of ranges) {
    const found = supported.find((locale) => locale.toLowerCase() === language);
    if (found) return found;
  }
  return undefined;
}
