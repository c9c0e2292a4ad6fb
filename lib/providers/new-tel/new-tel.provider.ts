import { Logger } from '@nestjs/common';
import { PhoneCallAuthConfigError } from '../../core/phone-call-auth-config.error.js';
import { maskNumbers, maskPhone, toDigits } from '../../phone/phone-number.js';
import { readCallReport, readCallTo } from '../platform-number.js';
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

/**
 * Seconds New-Tel is asked to wait beyond the module's window. New-Tel does not document whether it
 * also posts to `callbackLink` when a wait ends without a call; if it does, that post comes after
 * the verification's window has closed and can only be recorded as late, never verify.
 */
const TIMEOUT_MARGIN_SECONDS = 10;

/**
 * The webhook fields the adapter knows: `callId` is documented; `clientNumber` and
 * `confirmationNumber` are assumed (the start answer's names). Any other name is logged at debug level.
 */
const KNOWN_WEBHOOK_FIELDS = new Set(['callId', 'clientNumber', 'confirmationNumber']);

/** New-Tel serves Russia: its numbers are `7xxxxxxxxxx` in its docs, and may come in the national `8...` form. */
const NEW_TEL_COUNTRY = 'RU';

/** At most this many field names are logged per webhook, each cut short and escaped. */
const LOGGED_NAMES = 20;

/** Field names for a log line: quoted (so control characters are escaped), cut short, never values. */
function names(fields: string[]): string {
  return fields
    .slice(0, LOGGED_NAMES)
    .map((name) => JSON.stringify(name.slice(0, 40)))
    .join(', ');
}

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
  /** New-Tel's `timeout` is 30..120 s; the module's window stays {@link TIMEOUT_MARGIN_SECONDS} below it. */
  readonly windowLimits = { min: 30, max: 120 - TIMEOUT_MARGIN_SECONDS };
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
    const body = JSON.stringify({
      clientNumber: toDigits(phone),
      callbackLink: callbackUrl,
      timeout: Math.min(120, windowSeconds + TIMEOUT_MARGIN_SECONDS),
    });
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
    return { callTo: readCallTo(this.name, callTo, NEW_TEL_COUNTRY), waitId: callId };
  }

  /**
   * New-Tel posts JSON with `callId` (the wait's id) when the call came; the platform itself saw the
   * call from the wait's number. Only `callId` is documented: `clientNumber`, when present, is read
   * as the caller, so a call from another number verifies nothing, and neither does a
   * `clientNumber` that is not a number at all (`anonymous`, `""`, `12345`): the call then has no
   * caller and no confirmation, never the `callId` alone. Shapes it does not expect (no JSON
   * object, no `callId`, other fields) are logged at debug level by name, never by value.
   */
  parseInboundCall({ body }: InboundCallRequest): InboundCallReport[] {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) {
      this.logger.debug(
        `New-Tel webhook body is not a JSON object (${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}): ignored`,
      );
      return [];
    }
    const fields = Object.keys(body);
    const unknown = fields.filter((name) => !KNOWN_WEBHOOK_FIELDS.has(name));
    const callId = field(body, 'callId');
    if (!callId) {
      this.logger.debug(`New-Tel webhook without callId, with fields ${names(fields) || '(none)'}: ignored`);
      return [];
    }
    if (unknown.length > 0) {
      this.logger.debug(`New-Tel webhook with fields the adapter does not know: ${names(unknown)}`);
    }
    // A clientNumber that is present but no single string or number (an object, an array) is not a number either.
    const present = Object.prototype.hasOwnProperty.call(body, 'clientNumber');
    const caller = present ? (field(body, 'clientNumber') ?? null) : undefined;
    const report = readCallReport(
      { waitId: callId, callId: `call:${callId}`, caller, confirmedByPlatform: true },
      NEW_TEL_COUNTRY,
    );
    if (!report.confirmedByPlatform) {
      this.logger.debug('New-Tel webhook whose clientNumber is not a number: it verifies nothing');
    }
    return [report];
  }
}
