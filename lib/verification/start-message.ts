import type { VerificationChannel } from '../core/verification-state.js';
import { isLocale, matchAcceptLanguage } from '../i18n/accept-language.js';
import {
  fillTemplate,
  PHONE_CALL_AUTH_LOCALES,
  type PhoneCallAuthLocale,
  type PhoneCallAuthMessages,
  type TemplateValues,
} from '../i18n/messages.js';
import type { StartContext } from './verification.types.js';

/**
 * The text a client shows the person: how to prove the number on this channel and, where there is
 * a number to call, to call only if they started the sign-in themselves (a page that shows them
 * someone else's verification must not get them to call for it).
 */
export function startMessage(
  channel: VerificationChannel,
  texts: PhoneCallAuthMessages,
  values: TemplateValues,
  siteName: string | undefined,
): string {
  const template = { call: texts.callMessage, sms: texts.smsMessage, call_or_sms: texts.callOrSmsMessage }[channel];
  if (channel === 'sms') return fillTemplate(template, values);
  const warning = siteName ? texts.callWarning : texts.callWarningNoSite;
  return `${fillTemplate(template, values)} ${fillTemplate(warning, values)}`;
}

/** The request's `locale`, else the best match of its `Accept-Language`, else `defaultLocale`. */
export function localeOf(
  { locale, acceptLanguage }: StartContext,
  defaultLocale: PhoneCallAuthLocale,
): PhoneCallAuthLocale {
  if (isLocale(locale)) return locale;
  return matchAcceptLanguage(acceptLanguage, PHONE_CALL_AUTH_LOCALES) ?? defaultLocale;
}
