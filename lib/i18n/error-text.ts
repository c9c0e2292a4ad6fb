import type { PhoneCallAuthErrorText } from '../core/phone-call-auth.exception.js';
import { isLocale, matchAcceptLanguage } from './accept-language.js';
import { PHONE_CALL_AUTH_ERROR_WORDS } from './error-messages.js';
import {
  fillTemplate,
  PHONE_CALL_AUTH_LOCALES,
  PHONE_CALL_AUTH_MESSAGES,
  type PhoneCallAuthLocale,
  type PhoneCallAuthMessages,
  type TemplateValues,
} from './messages.js';

/** The language an error is written in, and the app's catalogue (`messages`, overrides applied). */
export interface ErrorLanguage {
  locale: PhoneCallAuthLocale;
  /** @default the built-in catalogue ({@link PHONE_CALL_AUTH_MESSAGES}) */
  messages?: Readonly<Record<PhoneCallAuthLocale, Readonly<PhoneCallAuthMessages>>>;
}

/** English and the built-in texts: what an exception says before anyone knows the reader's language. */
const ENGLISH: ErrorLanguage = { locale: 'en' };

/** `a`, `a or b`, `a, b or c`, each word in the locale's words (a word it lacks as it is written). */
function wordList(words: readonly string[], locale: PhoneCallAuthLocale): string {
  const dictionary = PHONE_CALL_AUTH_ERROR_WORDS[locale];
  const written = words.map((word) => dictionary[word] ?? word);
  return written.length <= 1
    ? (written[0] ?? '')
    : `${written.slice(0, -1).join(', ')} ${dictionary.or} ${written[written.length - 1]}`;
}

/**
 * An error's message: its catalogue text in `language`, placeholders filled (a list in the
 * locale's words). A key the catalogue lacks is written as it is.
 *
 * @example errorMessage({ key: 'wrongCode', values: { attempts: 2 } }, { locale: 'ru' }) // 'Неверный код; осталось попыток: 2.'
 */
export function errorMessage(text: PhoneCallAuthErrorText, language: ErrorLanguage = ENGLISH): string {
  const catalogue = (language.messages ?? PHONE_CALL_AUTH_MESSAGES)[language.locale] as unknown as Record<
    string,
    string | undefined
  >;
  const template = catalogue[text.key] ?? text.key;
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(text.values ?? {})) {
    values[name] = typeof value === 'object' ? wordList(value, language.locale) : value;
  }
  return fillTemplate(template, values as TemplateValues);
}

/** What a request says of its language: the start's `locale` field, and `Accept-Language`. */
export interface LanguageRequest {
  body?: unknown;
  headers: Record<string, unknown>;
}

/**
 * The language of the answer to a request: a `locale` the body names (the start route's field) wins,
 * then the best match of `Accept-Language`, then `defaultLocale`.
 *
 * @example requestLocale({ headers: { 'accept-language': 'en-GB' } }, 'ru') // 'en'
 */
export function requestLocale(request: LanguageRequest, defaultLocale: PhoneCallAuthLocale): PhoneCallAuthLocale {
  const named = (request.body as { locale?: unknown } | undefined)?.locale;
  if (isLocale(named)) return named;
  const header = request.headers['accept-language'];
  const acceptLanguage =
    typeof header === 'string' || Array.isArray(header) ? (header as string | string[]) : undefined;
  return matchAcceptLanguage(acceptLanguage, PHONE_CALL_AUTH_LOCALES) ?? defaultLocale;
}
