import { Logger } from '@nestjs/common';
import { PhoneCallAuthConfigError } from '../../options/phone-call-auth-config.error.js';
import { maskNumbers, maskPhone, toDigits } from '../../phone/phone-number.js';
import { callPlatform, field, jsonObject } from '../provider-http.js';
import { TelephonyPlatformException } from '../telephony.exceptions.js';
import type {
  CallAssignment,
  CallRequest,
  InboundCallReport,
  InboundCallRequest,
  ProviderCapabilities,
  TelephonyProvider,
} from '../telephony-provider.interface.js';
import { newTelAuthorization } from './new-tel.signature.js';

/** The API method (path) that starts a wait. */
const START_METHOD = 'call-verification/start-inbound-call-waiting';

/** Options of {@link NewTelProvider}. */
export interface NewTelProviderOptions {
  /** The access key of the New-Tel API key. */
  accessKey: string;
  /** The signature key of the same API key. */
  signatureKey: string;
  /** @default 'https://api.new-tel.net/' */
  baseUrl?: string;
  /** @default 10000 */
  timeoutMs?: number;
  /** The provider's name in routing, callback paths and the database. @default 'newtel' */
  name?: string;
}

/**
 * New-Tel "Call Password ID": `start-inbound-call-waiting` hands out a `confirmationNumber` and a
 * `callId`, and New-Tel posts JSON with the `callId` to the per-request `callbackLink`
 * (`<publicBaseUrl>/<prefix>/callback/newtel/<secret>`) when the call arrived. The webhook is not
 * signed: the secret in the link, and the allowlist, guard it.
 *
 * @example
 * new NewTelProvider({ accessKey: process.env.NEWTEL_ACCESS_KEY, signatureKey: process.env.NEWTEL_SIGNATURE_KEY })
 */
export class NewTelProvider implements TelephonyProvider {
  readonly name: string;
  readonly windowLimits = { min: 30, max: 120 };
  readonly capabilities: Partial<ProviderCapabilities> = { webhook: true, needsPublicUrl: true };
  private readonly logger = new Logger(NewTelProvider.name);
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: NewTelProviderOptions) {
    if (!options?.accessKey || !options.signatureKey) {
      throw new PhoneCallAuthConfigError(
        'NewTelProvider needs { accessKey, signatureKey }: both keys of the API key in the New-Tel account.',
      );
    }
    this.name = options.name ?? 'newtel';
    this.baseUrl = options.baseUrl ?? 'https://api.new-tel.net/';
    if (!/^https?:\/\//.test(this.baseUrl)) {
      throw new PhoneCallAuthConfigError(`NewTelProvider baseUrl must be an http(s) URL, got "${this.baseUrl}".`);
    }
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async requestCall({ phone, windowSeconds, callbackUrl }: CallRequest): Promise<CallAssignment> {
    if (!callbackUrl) throw new TelephonyPlatformException(this.name, 'publicBaseUrl is not set');
    const body = JSON.stringify({ clientNumber: toDigits(phone), callbackLink: callbackUrl, timeout: windowSeconds });
    const authorization = newTelAuthorization({
      method: START_METHOD,
      unixTime: Date.now() / 1000,
      accessKey: this.options.accessKey,
      signatureKey: this.options.signatureKey,
      body,
    });
    const what = `${START_METHOD} for ${maskPhone(phone)}`;
    const answer = await callPlatform(
      this.name,
      new URL(START_METHOD, this.baseUrl),
      { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body },
      this.timeoutMs,
      this.logger,
      what,
    );
    const object = jsonObject(this.name, answer, this.logger, what);
    const details = (object.data as { callDetails?: unknown } | undefined)?.callDetails;
    const callId = field(details, 'callId');
    const callTo = field(details, 'confirmationNumber');
    if (field(object, 'status') !== 'success' || !callId || !callTo) {
      const detail = field(object, 'message') ?? 'it refused the request';
      this.logger.warn(`${what} refused: ${maskNumbers(detail)}`);
      throw new TelephonyPlatformException(this.name, detail);
    }
    return { callTo, waitId: callId };
  }

  /** New-Tel posts JSON with `callId` (the wait's id); the platform itself saw the call from the wait's number. */
  parseInboundCall({ body }: InboundCallRequest): InboundCallReport[] {
    const callId = field(body, 'callId');
    if (!callId) return [];
    return [
      { waitId: callId, callId: `call:${callId}`, caller: field(body, 'clientNumber'), confirmedByPlatform: true },
    ];
  }
}
