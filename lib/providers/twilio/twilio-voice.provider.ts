import { Logger } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { PhoneCallAuthConfigError } from '../../core/phone-call-auth-config.error.js';
import { maskPhone, parsePlatformPhone } from '../../phone/phone-number.js';
import { callbackFields } from '../callback-fields.js';
import { readCallReport } from '../platform-number.js';
import { field } from '../provider-http.js';
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
import { type TwilioSignatureAlgorithm, verifyTwilioSignature } from './twilio.signature.js';

/** The STIR/SHAKEN verdict of a call whose caller ID the originating carrier fully attested. */
export const TWILIO_FULL_ATTESTATION = 'TN-Validation-Passed-A';

/**
 * The verdicts `requireFullAttestation` accepts: full (A) attestation, also of a call that was
 * diverted on its way (Twilio's `-Diverted` form of the same verdict).
 */
const FULL_ATTESTATIONS: ReadonlySet<string> = new Set([
  TWILIO_FULL_ATTESTATION,
  `${TWILIO_FULL_ATTESTATION}-Diverted`,
]);

/** The header of Twilio's webhook signing with a SharedKey (Webhook Settings): `key=<key>,algorithm=HMAC_SHA256`. */
const SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';

/** The algorithms a Webhook Setting may name, as Node's HMAC names them. */
const SETTINGS_ALGORITHMS: ReadonlyMap<string, TwilioSignatureAlgorithm> = new Map([
  ['HMAC_SHA1', 'sha1'],
  ['HMAC_SHA256', 'sha256'],
]);

/** Options of {@link TwilioVoiceProvider}. */
export interface TwilioVoiceProviderOptions {
  /** The account's auth token: it keys `X-Twilio-Signature`. */
  authToken: string;
  /** The app's pool of Twilio numbers (E.164), each with its voice webhook set to the callback URL. */
  numbers: string[];
  /**
   * Refuse calls whose `StirVerstat` is not `TN-Validation-Passed-A` (or its `-Diverted` form):
   * only caller IDs the originating carrier fully attested verify, others are recorded `refused`.
   * **United States only**: Twilio sends `StirVerstat` only for calls that arrive with a SHAKEN
   * PASSporT, which only US carriers sign, so with this on, every call from outside the US (and many
   * US calls from carriers that sign none) is refused. Set it only for a pool that serves US phones.
   * @default false
   */
  requireFullAttestation?: boolean;
  /**
   * The secrets of the SharedKeys your Webhook Settings sign with, for webhooks that come with
   * `X-Twilio-Webhooks-Signature-Settings` (Twilio's webhook configuration API, HMAC-SHA1 or
   * HMAC-SHA256): each such webhook must carry the signature of one of them. Two during a rotation.
   * Without any, a webhook with that header is refused (403), and the log says to set this.
   * @default [] (webhooks are signed with the auth token)
   */
  sharedKeySecrets?: string[];
  /** The provider's name in routing, callback paths and the database. @default 'twilio' */
  name?: string;
}

/**
 * Twilio Programmable Voice, for the numbers no local platform serves: the app owns a pool of
 * Twilio numbers and hands out one that no other live verification of the phone uses; Twilio
 * posts each inbound call to the number's voice webhook (signed with `X-Twilio-Signature`), and the
 * module answers `<Response><Reject reason="busy"/></Response>`, so the call is never answered and never billed.
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
    // Any answer but TwiML makes Twilio play an error to the caller: a refused webhook is rejected as busy too.
    answerRefused: true,
  };
  private readonly logger = new Logger(TwilioVoiceProvider.name);
  private readonly authToken: string;
  private readonly numbers: string[];
  private readonly requireFullAttestation: boolean;
  private readonly sharedKeySecrets: string[];

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
    this.sharedKeySecrets = options.sharedKeySecrets ?? [];
    if (!Array.isArray(this.sharedKeySecrets) || this.sharedKeySecrets.some((key) => typeof key !== 'string' || !key)) {
      throw new PhoneCallAuthConfigError(
        'TwilioVoiceProvider sharedKeySecrets must be a list of SharedKey secrets (non-empty strings), e.g. [process.env.TWILIO_SHARED_KEY_SECRET].',
      );
    }
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

  /**
   * `X-Twilio-Signature` over the full public URL (with and without its port, as Twilio signs it)
   * and the sorted POST fields, the same fields {@link parseInboundCall} reads ({@link
   * callbackFields}: the raw body when the app keeps it). A repeated field verifies nothing. A
   * webhook with `X-Twilio-Webhooks-Signature-Settings` is checked with the SharedKey secrets and
   * the algorithm the header names, never with the auth token.
   */
  authenticateCallback(request: CallbackRequest): boolean {
    const fields = callbackFields(request);
    if (!fields) {
      this.logger.warn('A Twilio webhook repeated a parameter; refused');
      return false;
    }
    const params = request.method === 'POST' ? fields : {};
    const signature = request.headers['x-twilio-signature'];
    const settings = request.headers[SIGNATURE_SETTINGS_HEADER];
    if (settings === undefined) return verifyTwilioSignature(this.authToken, request.url, params, signature);
    const algorithm = typeof settings === 'string' ? SETTINGS_ALGORITHMS.get(settingsAlgorithm(settings)) : undefined;
    if (!algorithm) {
      this.logger.warn(`A Twilio webhook named a signing algorithm other than HMAC_SHA1 or HMAC_SHA256; refused`);
      return false;
    }
    if (this.sharedKeySecrets.length === 0) {
      this.logger.warn(
        'A Twilio webhook is signed with a SharedKey (X-Twilio-Webhooks-Signature-Settings), and ' +
          'TwilioVoiceProvider has no sharedKeySecrets: refused. Pass the SharedKey secret as { sharedKeySecrets: [...] }.',
      );
      return false;
    }
    return this.sharedKeySecrets.reduce(
      (valid, key) => verifyTwilioSignature(key, request.url, params, signature, algorithm) || valid,
      false,
    );
  }

  /**
   * The call from the fields the signature covered: `CallSid`, `From` and `To` (E.164, as Twilio
   * writes them), `StirVerstat`. A request whose fields cannot be read once each reports nothing.
   */
  parseInboundCall(request: InboundCallRequest): InboundCallReport[] {
    const fields = callbackFields(request);
    if (!fields) return [];
    const attestation = field(fields, 'StirVerstat');
    return [
      readCallReport({
        callId: field(fields, 'CallSid'),
        caller: field(fields, 'From'),
        dialed: field(fields, 'To'),
        attestation,
        refused: this.requireFullAttestation && !(attestation && FULL_ATTESTATIONS.has(attestation)),
      }),
    ];
  }

  /**
   * Rejecting the call with `reason="busy"`: Twilio plays a busy signal (as the person was told they
   * would hear), never answers, and bills nothing. Without the reason, Twilio's default `rejected`
   * plays a message that the number is not in service.
   */
  callbackAnswer(): CallbackAnswer {
    return {
      status: 200,
      contentType: 'text/xml; charset=utf-8',
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>',
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

/** The `algorithm` of `X-Twilio-Webhooks-Signature-Settings` (`key=...,algorithm=HMAC_SHA256`). */
function settingsAlgorithm(header: string): string {
  for (const part of header.split(',')) {
    const [name, value] = part.split('=', 2).map((each) => each.trim());
    if (name.toLowerCase() === 'algorithm') return (value ?? '').toUpperCase();
  }
  return '';
}
