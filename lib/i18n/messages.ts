import { PHONE_CALL_AUTH_ERROR_MESSAGES, type PhoneCallAuthErrorMessages } from './error-messages.js';

/** The languages the module speaks to people in. */
export type PhoneCallAuthLocale = 'ru' | 'en';

/** Every locale the module has a catalogue for. */
export const PHONE_CALL_AUTH_LOCALES: readonly PhoneCallAuthLocale[] = ['ru', 'en'];

/**
 * The texts the module writes for people, as templates. Placeholders: `{callTo}` (the number to
 * dial, written for people), `{phone}` (the number being verified), `{seconds}` (the window),
 * `{code}` (the SMS code; only in `smsText`), `{site}` (`siteName`, or empty). The texts of the
 * error answers are {@link PhoneCallAuthErrorMessages}.
 */
export interface PhoneCallAuthMessages extends PhoneCallAuthErrorMessages {
  /** The start answer's `message` on the `call` channel. */
  callMessage: string;
  /** The start answer's `message` on the `sms` channel. */
  smsMessage: string;
  /** The start answer's `message` on the `call_or_sms` channel. */
  callOrSmsMessage: string;
  /** Appended to the call channels' message when `siteName` is set. */
  callWarning: string;
  /** Appended to the call channels' message when no `siteName` is set. */
  callWarningNoSite: string;
  /** The SMS itself; must hold `{code}`. Keep it short: one SMS part is 70 Cyrillic or 160 Latin characters. */
  smsText: string;
  /**
   * A start answered **429** because every number of the platform's pool still waits for an
   * earlier verification of this phone (`{seconds}`: until the first one is free again).
   */
  numbersBusy: string;
  /**
   * A request refused (**503**) because the server cannot tell the client's address (a Unix
   * socket, a proxy header that is not an address), so its per-address limits cannot count it.
   */
  addressUnknown: string;
  /** 403 of the start route to another site's page (not in `allowedOrigins`). */
  crossSiteStart: string;
  /** 415 of the start route to a body that is not JSON. */
  jsonOnlyStart: string;
  /** 403 of the cookie-mode routes (token, code, refresh, sign-out) and `@SameOriginOnly()` routes to another site's page. */
  crossSiteRefused: string;
  /** 415 of the same routes to a body that is not JSON. */
  jsonOnly: string;
}

/** Overrides of the module's texts, per locale; a missing text keeps the built-in one. */
export type PhoneCallAuthMessageOverrides = Partial<Record<PhoneCallAuthLocale, Partial<PhoneCallAuthMessages>>>;

/** The built-in catalogues. */
export const PHONE_CALL_AUTH_MESSAGES: Readonly<Record<PhoneCallAuthLocale, Readonly<PhoneCallAuthMessages>>> = {
  en: {
    ...PHONE_CALL_AUTH_ERROR_MESSAGES.en,
    callMessage:
      'Call {callTo} from {phone} within {seconds} seconds. ' +
      'The call is free: wait for the busy signal, then hang up (or the call ends by itself).',
    smsMessage: 'We sent a code by SMS to {phone}. Enter it within {seconds} seconds.',
    callOrSmsMessage:
      'Call {callTo} from {phone} within {seconds} seconds (the call is free), ' +
      'or enter the code we sent by SMS to {phone}.',
    callWarning: 'Call only if you started signing in on {site}.',
    callWarningNoSite: 'Call only if you started this sign-in yourself.',
    smsText: 'Your code: {code}. Do not tell it to anyone.',
    numbersBusy:
      'Every number we can give you to call is still waiting for an earlier call from {phone}. ' +
      'Try again in {seconds} seconds.',
    addressUnknown:
      'This server cannot tell which address your request comes from, so it cannot accept it. ' +
      "The fault is the site's, not yours.",
    crossSiteStart:
      "Verifications can be started only from this site's own pages (or from an origin in allowedOrigins).",
    jsonOnlyStart:
      'Send the start as JSON: Content-Type: application/json, with a body such as {"phone": "+7 967 031-11-22"}.',
    crossSiteRefused:
      "This request came from another site's page and was refused: it is accepted only from this site's own " +
      'pages (or from an origin in allowedOrigins).',
    jsonOnly:
      'Send this request as JSON: Content-Type: application/json (the body {} will do when there is nothing to send).',
  },
  ru: {
    ...PHONE_CALL_AUTH_ERROR_MESSAGES.ru,
    callMessage:
      'Позвоните на {callTo} с номера {phone} в течение {seconds} секунд. ' +
      'Звонок бесплатный: дождитесь сигнала «занято» и положите трубку (или звонок завершится сам).',
    smsMessage: 'Мы отправили код в SMS на {phone}. Введите его в течение {seconds} секунд.',
    callOrSmsMessage:
      'Позвоните на {callTo} с номера {phone} в течение {seconds} секунд (звонок бесплатный) ' +
      'или введите код из SMS, отправленного на {phone}.',
    callWarning: 'Звоните, только если вы сами начали вход на {site}.',
    callWarningNoSite: 'Звоните, только если вы сами начали этот вход.',
    smsText: 'Ваш код: {code}. Никому его не сообщайте.',
    numbersBusy:
      'Все номера, на которые можно позвонить, ещё ждут более раннего звонка с {phone}. ' +
      'Попробуйте снова через {seconds} сек.',
    addressUnknown:
      'Сервер не может определить, с какого адреса пришёл запрос, и поэтому не может его принять. ' +
      'Это ошибка сайта, а не ваша.',
    crossSiteStart: 'Начать проверку можно только со страниц этого сайта (или с адреса из allowedOrigins).',
    jsonOnlyStart:
      'Отправьте запрос в формате JSON: Content-Type: application/json, с телом вида {"phone": "+7 967 031-11-22"}.',
    crossSiteRefused:
      'Запрос пришёл со страницы другого сайта и отклонён: он принимается только со страниц этого сайта ' +
      '(или с адреса из allowedOrigins).',
    jsonOnly:
      'Отправьте запрос в формате JSON: Content-Type: application/json (если отправлять нечего, подойдёт тело {}).',
  },
};

/** The values a template may use (the error texts' placeholders are listed in error-messages.ts). */
export type TemplateValues = Partial<
  Record<
    | 'code'
    | 'callTo'
    | 'phone'
    | 'seconds'
    | 'site'
    | 'details'
    | 'max'
    | 'country'
    | 'countries'
    | 'accepted'
    | 'type'
    | 'channel'
    | 'channels'
    | 'provider'
    | 'attempts'
    | 'limit'
    | 'cookie',
    string | number
  >
>;

/**
 * Fills `{name}` placeholders; an unknown or missing one is left as it is written, so a typo in an
 * override shows in the text rather than vanishing. `{{` and `}}` write a literal brace.
 *
 * @example fillTemplate('Your code: {code}', { code: '123456' }) // 'Your code: 123456'
 */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{\{|\}\}|\{(\w+)\}/g, (match, name: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const value = values[name as keyof TemplateValues];
    return value === undefined ? match : String(value);
  });
}

/** The built-in catalogues with the overrides applied. */
export function mergeMessages(
  overrides: PhoneCallAuthMessageOverrides = {},
): Record<PhoneCallAuthLocale, PhoneCallAuthMessages> {
  return {
    ru: { ...PHONE_CALL_AUTH_MESSAGES.ru, ...overrides.ru },
    en: { ...PHONE_CALL_AUTH_MESSAGES.en, ...overrides.en },
  };
}
