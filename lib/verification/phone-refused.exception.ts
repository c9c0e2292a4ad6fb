import type { CountryCode } from 'libphonenumber-js/max';
import type { PhoneCallAuthErrorCode } from '../core/error-codes.js';
import { PhoneCallAuthException, type PhoneCallAuthErrorText } from '../core/phone-call-auth.exception.js';
import { errorMessage } from '../i18n/error-text.js';
import type { PhonePolicyRefusal } from '../phone/phone-policy.js';

/** Why a start's phone is refused: not a number at all, or one the phone policy refuses. */
export type PhoneRefusal = { reason: 'invalid'; defaultCountry: CountryCode } | PhonePolicyRefusal;

/** The code and the catalogue's text of each refusal. */
function describe(refusal: PhoneRefusal): { code: PhoneCallAuthErrorCode; text: PhoneCallAuthErrorText } {
  switch (refusal.reason) {
    case 'invalid':
      return { code: 'INVALID_PHONE', text: { key: 'invalidPhone', values: { country: refusal.defaultCountry } } };
    case 'nonGeographic':
      return { code: 'NUMBER_TYPE_REFUSED', text: { key: 'nonGeographicRefused' } };
    case 'numberType':
      return {
        code: 'NUMBER_TYPE_REFUSED',
        text: refusal.type
          ? { key: 'numberTypeRefused', values: { accepted: refusal.accepted, type: refusal.type } }
          : { key: 'numberTypeUnknown', values: { accepted: refusal.accepted } },
      };
    case 'mobileOnly':
      return { code: 'NUMBER_TYPE_REFUSED', text: { key: 'mobileOnly' } };
    case 'country':
      return {
        code: 'COUNTRY_REFUSED',
        text: { key: 'countryRefused', values: { countries: refusal.countries.join(', ') } },
      };
  }
}

/**
 * A start's phone refused: **400** `INVALID_PHONE` (not a valid number), `NUMBER_TYPE_REFUSED`
 * (a type `phonePolicy` refuses: toll-free, premium-rate, an international service, not mobile
 * with `mobileOnly`...) or `COUNTRY_REFUSED` (outside `phonePolicy.countries`). The message says
 * which numbers are accepted.
 */
export class PhoneRefusedException extends PhoneCallAuthException {
  constructor(readonly refusal: PhoneRefusal) {
    const { code, text } = describe(refusal);
    super(code, errorMessage(text), { text });
  }
}
