import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import { errorMessage } from '../i18n/error-text.js';

/**
 * A start's channel refused: **400** `CHANNEL_NOT_OFFERED` (not in `channels`: `channelNotOffered`;
 * or a channel that needs SMS on a platform that cannot send it: `channelNoSms`), or
 * `CHANNEL_NOT_SERVED` (no provider of this number's country sends SMS: `channelNotServed`).
 */
export class ChannelRefusedException extends PhoneCallAuthException {
  constructor(
    key: 'channelNotOffered' | 'channelNoSms' | 'channelNotServed',
    values: { channel: string; channels?: readonly string[]; provider?: string },
  ) {
    const text = { key, values };
    super(key === 'channelNotServed' ? 'CHANNEL_NOT_SERVED' : 'CHANNEL_NOT_OFFERED', errorMessage(text), { text });
  }
}
