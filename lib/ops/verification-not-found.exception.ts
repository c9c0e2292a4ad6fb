import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import { errorMessage } from '../i18n/error-text.js';

const TEXT = { key: 'verificationNotFound' };

/**
 * **404** `VERIFICATION_NOT_FOUND`: the support history of a verification that is not kept (an
 * unknown id, a malformed one, or one purged after the retention). For operators' routes only: the
 * client routes answer an unknown id and a wrong secret alike (`UNAUTHORIZED`).
 */
export class VerificationNotFoundException extends PhoneCallAuthException {
  constructor() {
    super('VERIFICATION_NOT_FOUND', errorMessage(TEXT), { text: TEXT });
  }
}
