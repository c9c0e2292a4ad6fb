import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import type { PhoneCallAuthErrorMessages } from '../i18n/error-messages.js';
import { type ErrorLanguage, errorMessage } from '../i18n/error-text.js';

/** The catalogue's texts of {@link InvalidRequestException}. */
export type InvalidRequestText = keyof Pick<
  PhoneCallAuthErrorMessages,
  'invalidRequest' | 'invalidVerificationId' | 'secretRequired' | 'waitInvalid' | 'refreshTokenRequired'
>;

/**
 * **400** `INVALID_REQUEST`: the body, a parameter or the URL is malformed (a field missing, of the
 * wrong type, too long or unknown; an id that is not a UUID; no secret). A bug in the client rather
 * than something the person typed: the message names the field.
 *
 * @example throw new InvalidRequestException('waitInvalid', { max: 30 });
 */
export class InvalidRequestException extends PhoneCallAuthException {
  constructor(key: InvalidRequestText, values?: Record<string, string | number>, language?: ErrorLanguage) {
    const text = { key, values };
    super('INVALID_REQUEST', errorMessage(text, language), { text });
  }
}
