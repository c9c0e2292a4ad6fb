import type { VerificationChannel } from '../../core/verification-state.js';
import { PhoneCallAuthConfigError } from '../../core/phone-call-auth-config.error.js';
import { Logger } from '@nestjs/common';
import { maskPhone, toDigits } from '../../phone/phone-number.js';
import { TelephonyPlatformException, TelephonyTimeoutException } from '../telephony.exceptions.js';
import type {
  CallAssignment,
  CodeDelivery,
  CodeRequest,
  CallRequest,
  InboundCallReport,
  InboundCallRequest,
  ProviderCapabilities,
  TelephonyProvider,
} from '../telephony-provider.interface.js';
import { pickParam, pickPresentParam, readEnvelope } from './ssms.envelope.js';
import { readCallReport, readCallTo } from '../platform-number.js';
import { type PlatformAnswer, type PlatformUnreachableError, requestPlatform } from '../provider-http.js';

/**
 * Names of the inbound-call GET's parameters; the first one present wins (and when its value is not
 * one number, such as a repeated parameter, the field is unreadable: a later name is not tried).
 */
export interface SsmsCallbackParams {
  caller: string[];
  dialed: string[];
  waitId: string[];
  callId: string[];
}

/** Options of {@link SsmsProvider}. Give `apiKey`, or `email` and `password`. */
export interface SsmsProviderOptions {
  /** API key from the SSMS account (preferred over email and password). */
  apiKey?: string;
  email?: string;
  password?: string;
  /**
   * API base URL.
   * @default 'https://ssl.bs00.ru/' (the platform's HTTPS host; `http://api2.ssms.su/` is the same platform over plain HTTP)
   */
  baseUrl?: string;
  /** @default 10000 */
  timeoutMs?: number;
  /** POST sends the credentials in a form body; GET puts them in the URL. @default 'POST' */
  httpMethod?: 'POST' | 'GET';
  /**
   * The inbound-call GET's parameter names are not documented publicly: override them here
   * once you have seen a real request (the module logs the names it received, never the values).
   */
  callbackParams?: Partial<SsmsCallbackParams>;
}

/**
 * The version of the API the platform's own client (`ssms_su.php`) asks for with every `push_msg`
 * and `wait_call`: the answers read here are that version's.
 */
const API_VERSION = '2.0';

/** SSMS serves Russia: it writes numbers as international digits (`7...`), and national ones may come as `8...`. */
const SSMS_COUNTRY = 'RU';

/** Default parameter names of the SSMS inbound-call GET, tried in order. */
export const SSMS_DEFAULT_CALLBACK_PARAMS: SsmsCallbackParams = {
  caller: ['phone', 'caller', 'caller_id', 'callerid', 'from', 'src', 'number'],
  dialed: ['call_to_number', 'called', 'to', 'dst', 'did'],
  waitId: ['id_call'],
  // A `call_id` read as a wait id would make every call a no_match if it is the platform's own
  // call id; read as a call id it is at worst a harmless extra duplicate check.
  callId: ['call_id', 'callid'],
};

/**
 * The SSMS platform (ssms.su, also sms-prosto.ru), method `wait_call`: the platform hands out a
 * number, waits `call_protection` seconds for a call to it from the subscriber, and reports the
 * call with an HTTP GET to the URL set in the account ("incoming call notifications").
 *
 * @example
 * new SsmsProvider({ apiKey: process.env.SSMS_API_KEY })
 */
export class SsmsProvider implements TelephonyProvider {
  readonly name = 'ssms';
  readonly windowLimits = { min: 60, max: 300 };
  readonly capabilities: Partial<ProviderCapabilities> = { webhook: true };
  readonly channels: readonly VerificationChannel[] = ['call', 'sms', 'call_or_sms'];
  private readonly logger = new Logger(SsmsProvider.name);
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly httpMethod: 'POST' | 'GET';
  private readonly callbackParams: SsmsCallbackParams;
  private readonly auth: Record<string, string>;

  constructor(options: SsmsProviderOptions) {
    if (options.apiKey) {
      this.auth = { key: options.apiKey };
    } else if (options.email && options.password) {
      this.auth = { email: options.email, password: options.password };
    } else {
      throw new PhoneCallAuthConfigError(
        'SsmsProvider needs credentials: pass { apiKey } (the API key from the SSMS account) or { email, password }.',
      );
    }
    this.baseUrl = options.baseUrl ?? 'https://ssl.bs00.ru/';
    if (!/^https?:\/\//.test(this.baseUrl)) {
      throw new PhoneCallAuthConfigError(`SsmsProvider baseUrl must be an http(s) URL, got "${this.baseUrl}".`);
    }
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (!(this.timeoutMs > 0))
      throw new PhoneCallAuthConfigError('SsmsProvider timeoutMs must be a positive number of milliseconds.');
    this.httpMethod = options.httpMethod ?? 'POST';
    this.callbackParams = { ...SSMS_DEFAULT_CALLBACK_PARAMS, ...options.callbackParams };
  }

  async requestCall({ phone, windowSeconds }: CallRequest): Promise<CallAssignment> {
    const params = new URLSearchParams({
      method: 'wait_call',
      format: 'json',
      api_v: API_VERSION,
      ...this.auth,
      phone: toDigits(phone),
      call_protection: String(windowSeconds),
    });
    const data = await this.send(params, 'wait_call');
    const callTo = pickParam(data, ['call_to_number']);
    if (!callTo) {
      throw new TelephonyPlatformException(this.name, 'its wait_call answer had no call_to_number');
    }
    return { callTo: readCallTo(this.name, callTo, SSMS_COUNTRY), waitId: pickParam(data, ['id_call']) };
  }

  /** `get_profile` -> `credits`. */
  async getBalance(): Promise<number> {
    const data = await this.send(new URLSearchParams({ method: 'get_profile', format: 'json', ...this.auth }), '');
    const credits = Number(pickParam(data, ['credits']));
    if (!Number.isFinite(credits)) throw new TelephonyPlatformException(this.name, 'its profile had no credits');
    return credits;
  }

  /**
   * `push_msg`: sends `text` to `phone` (with `sender_name` when given); with
   * `callProtectionSeconds`, also `call_protection`, and the answer's `call_to_number` is the
   * number the person may call instead. Reads `id`, `credits` and `n_raw_sms` for the log.
   */
  async sendCode({ phone, text, senderName, callProtectionSeconds }: CodeRequest): Promise<CodeDelivery> {
    const params = new URLSearchParams({
      method: 'push_msg',
      format: 'json',
      api_v: API_VERSION,
      ...this.auth,
      phone: toDigits(phone),
      text,
    });
    if (senderName) params.set('sender_name', senderName);
    if (callProtectionSeconds !== undefined) params.set('call_protection', String(callProtectionSeconds));
    const data = await this.send(params, 'push_msg');
    const messageId = pickParam(data, ['id']);
    this.logger.log(
      `push_msg to ${maskPhone(phone)}: message ${messageId ?? '(no id)'}, ` +
        `${pickParam(data, ['n_raw_sms']) ?? '?'} part(s), ${pickParam(data, ['credits']) ?? '?'} credits`,
    );
    if (callProtectionSeconds === undefined) return { messageId };
    const callTo = pickParam(data, ['call_to_number']);
    if (!callTo) throw new TelephonyPlatformException(this.name, 'its answer had no call_to_number');
    return { messageId, callTo: readCallTo(this.name, callTo, SSMS_COUNTRY), waitId: pickParam(data, ['id_call']) };
  }

  /**
   * The call from the GET's parameters ({@link SsmsCallbackParams}). Numbers are read as SSMS writes
   * them (`79670311122`, or the national `89670311122`): a caller that is there but is not a number
   * verifies nothing, and a dialed number that is there but is not a number refuses the call.
   */
  parseInboundCall(request: InboundCallRequest): InboundCallReport[] {
    const fields = {
      ...(typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {}),
      ...request.query,
    };
    const p = this.callbackParams;
    return [
      readCallReport(
        {
          caller: pickPresentParam(fields, p.caller),
          dialed: pickPresentParam(fields, p.dialed),
          waitId: pickParam(fields, p.waitId),
          callId: pickParam(fields, p.callId),
        },
        SSMS_COUNTRY,
      ),
    ];
  }

  /**
   * Sends one API request. Failures are thrown as {@link TelephonyPlatformException} or
   * {@link TelephonyTimeoutException} with the details for the log: the module logs them (numbers
   * masked) and tells the client only that the platform is unavailable.
   */
  private async send(params: URLSearchParams, method: string): Promise<Record<string, unknown>> {
    const url = new URL(this.baseUrl);
    if (this.httpMethod === 'GET') params.forEach((value, key) => url.searchParams.set(key, value));
    let answer: PlatformAnswer;
    try {
      answer = await requestPlatform(
        url,
        { method: this.httpMethod, body: this.httpMethod === 'GET' ? undefined : params },
        this.timeoutMs,
      );
    } catch (error) {
      const { timedOut, reason } = error as PlatformUnreachableError;
      if (timedOut) throw new TelephonyTimeoutException(this.name, this.timeoutMs);
      throw new TelephonyPlatformException(this.name, `${method} could not reach ${url.origin} (${reason})`);
    }
    const { text, status, contentType } = answer;
    const result = readEnvelope(text, status, contentType);
    if (!result.ok) throw new TelephonyPlatformException(this.name, `${method} refused: ${result.detail}`, result.code);
    return result.data;
  }
}
