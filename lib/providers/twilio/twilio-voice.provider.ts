import { Logger } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { PhoneCallAuthConfigError } from '../../options/phone-call-auth-config.error.js';
import { maskPhone, parsePlatformPhone } from '../../phone/phone-number.js';
import { field, formFields } from '../provider-http.js';
import { NumberPoolExhaustedException } from '../telephony.exceptions.js';
import type {
  CallAssignment,
  CallbackAnswer,
  CallbackRequest,
  CallHintInput,
  CallRequest,
  InboundCallReport,
  InboundCallRequest,
  ProviderCapabilities,
  TelephonyProvider,
} from '../telephony-provider.interface.js';
import { verifyTwilioSignature } from './twilio.signature.js';

/** The STIR/SHAKEN verdict of a call whose caller ID the originating carrier fully attested. */
export const TWILIO_FULL_ATTESTATION = 'TN-Validation-Passed-A';

/** Options of {@link TwilioVoiceProvider}. */
export interface TwilioVoiceProviderOptions {
  /** The account's auth token: it keys `X-Twilio-Signature`. */
  authToken: string;
  /** The app's pool of Twilio numbers (E.164), each with its voice webhook set to the callback URL. */
  numbers: string[];
  /**
   * Refuse calls whose `StirVerstat` is not `TN-Validation-Passed-A` (outcome `refused`): only
   * caller IDs the originating carrier fully attested verify. @default false
   */
  requireFullAttestation?: boolean;
  /** The provider's name in routing, callback paths and the database. @default 'twilio' */
  name?: string;
}

/**
 * Twilio Programmable Voice, for the numbers no local platform serves: the app owns a pool of
 * Twilio numbers and hands out one that no other live verification of the phone uses; Twilio
 * posts each inbound call to the number's voice webhook (signed with `X-Twilio-Signature`), and the
 * module answers `<Response><Reject/></Response>`, so the call is never answered and never billed.
 * Starting a verification costs no API call. No Twilio SDK is needed.
 *
 * @example
 * new TwilioVoiceProvider({ authToken: process.env.TWILIO_AUTH_TOKEN, numbers: ['+14155550100', '+14155550101'] })
 */
export class TwilioVoiceProvider implements TelephonyProvider {
  readonly name: string;
  readonly capabilities: Partial<ProviderCapabilities> = {
    webhook: true,
    signature: true,
    numberPool: true,
    needsPublicUrl: true,
  };
  private readonly logger = new Logger(TwilioVoiceProvider.name);
  private readonly authToken: string;
  private readonly numbers: string[];
  private readonly requireFullAttestation: boolean;

  constructor(options: TwilioVoiceProviderOptions) {
    if (!options?.authToken) {
      throw new PhoneCallAuthConfigError(
        'TwilioVoiceProvider needs { authToken }: the auth token of the Twilio account.',
      );
    }
    const numbers = (options.numbers ?? []).map((number) => parsePlatformPhone(number, 'US')?.number);
    if (numbers.length === 0 || numbers.some((number) => !number)) {
      throw new PhoneCallAuthConfigError(
        "TwilioVoiceProvider needs { numbers }: the pool's Twilio numbers in E.164, e.g. ['+14155550100'].",
      );
    }
    this.authToken = options.authToken;
    this.numbers = numbers as string[];
    this.requireFullAttestation = options.requireFullAttestation ?? false;
    this.name = options.name ?? 'twilio';
  }

  /** Picks a pool number that no other live verification of the phone was given (no API call). */
  requestCall({ phone, busyNumbers }: CallRequest): Promise<CallAssignment> {
    const free = this.numbers.filter((number) => !busyNumbers.includes(number as never));
    if (free.length === 0) {
      this.logger.warn(`Every pool number is in use by live verifications of ${maskPhone(phone)}`);
      return Promise.reject(
        new NumberPoolExhaustedException(
          this.name,
          'every number of the pool is in use for this phone; try again later',
        ),
      );
    }
    return Promise.resolve({ callTo: free[randomInt(free.length)] });
  }

  /** `X-Twilio-Signature` over the full public URL and the sorted POST fields. */
  authenticateCallback({ method, url, body, rawBody, headers }: CallbackRequest): boolean {
    const fields = method === 'POST' ? formFields(body, rawBody) : {};
    return verifyTwilioSignature(this.authToken, url, fields, headers['x-twilio-signature']);
  }

  parseInboundCall({ body, query }: InboundCallRequest): InboundCallReport[] {
    const fields = typeof body === 'object' && body !== null ? body : query;
    const attestation = field(fields, 'StirVerstat');
    return [
      {
        callId: field(fields, 'CallSid'),
        caller: field(fields, 'From'),
        dialed: field(fields, 'To'),
        attestation,
        refused: this.requireFullAttestation && attestation !== TWILIO_FULL_ATTESTATION,
      },
    ];
  }

  /** Rejecting the call: Twilio plays a busy signal, never answers, and bills nothing. */
  callbackAnswer(): CallbackAnswer {
    return {
      status: 200,
      contentType: 'text/xml; charset=utf-8',
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>',
    };
  }

  callHint({ callToDisplay, phoneDisplay, windowSeconds, locale }: CallHintInput): string | undefined {
    // English only: other locales get the module's catalogue text.
    if (locale !== 'en') return undefined;
    return (
      `Call ${callToDisplay} from ${phoneDisplay} within ${windowSeconds} seconds. ` +
      'The call is rejected at once (you hear a busy signal) and is not charged by us.'
    );
  }
}
