import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import type { PhoneCallAuthMessages } from '../i18n/messages.js';
import { type ErrorLanguage, errorMessage } from '../i18n/error-text.js';

/** The catalogue's texts of {@link RequestOriginRefusedException}. */
export type RequestOriginText = keyof Pick<
  PhoneCallAuthMessages,
  'crossSiteStart' | 'crossSiteRefused' | 'jsonOnlyStart' | 'jsonOnly'
>;

/**
 * A browser request refused for where it comes from ({@link SameOriginGuard}): **403**
 * `CROSS_SITE_REFUSED` from another site's page, **415** `JSON_ONLY` for a body that is not JSON.
 */
export class RequestOriginRefusedException extends PhoneCallAuthException {
  constructor(key: RequestOriginText, language?: ErrorLanguage) {
    const text = { key };
    const code = key === 'crossSiteStart' || key === 'crossSiteRefused' ? 'CROSS_SITE_REFUSED' : 'JSON_ONLY';
    super(code, errorMessage(text, language), { text });
  }
}
