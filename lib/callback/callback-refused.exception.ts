import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import type { CallbackAnswer } from '../providers/telephony-provider.interface.js';

/**
 * A platform callback refused by {@link CallbackSecretGuard} (wrong secret, address or signature):
 * **403** `CALLBACK_REFUSED`, or, for a provider whose platform must get its usual answer to every
 * request (`capabilities.answerRefused`: sms.ru retries for days, Twilio would play an error to the
 * caller), that answer. Either way nothing is recorded. The message is for the platform's
 * operators, in English (no person reads it).
 */
export class CallbackRefusedException extends PhoneCallAuthException {
  constructor(
    message: string,
    /** What the platform is answered instead of 403. */
    readonly answer?: CallbackAnswer,
  ) {
    super('CALLBACK_REFUSED', message);
  }
}
