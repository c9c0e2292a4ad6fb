import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import { type ErrorLanguage, errorMessage } from '../i18n/error-text.js';

/**
 * The server cannot tell the client's address (`request.ip` is empty or not an address), so the
 * limits kept per address cannot count the request: **503** `ADDRESS_UNKNOWN`, in plain words, and
 * no `Retry-After` (it lasts until the app is configured). Refused rather than let through
 * unlimited; the operator is told how to fix it in the log ({@link ClientAddressService}).
 */
export class ClientAddressUnknownException extends PhoneCallAuthException {
  constructor(language?: ErrorLanguage) {
    const text = { key: 'addressUnknown' };
    super('ADDRESS_UNKNOWN', errorMessage(text, language), { text });
  }
}
