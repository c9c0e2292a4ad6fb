import { Logger } from '@nestjs/common';
import { PhoneCallAuthConfigError } from '../../core/phone-call-auth-config.error.js';
import { maskNumbers, maskPhone, toDigits } from '../../phone/phone-number.js';
import { callbackFields } from '../callback-fields.js';
import { readCallTo } from '../platform-number.js';
import { callPlatform, field, jsonObject } from '../provider-http.js';
import { TelephonyPlatformException } from '../telephony.exceptions.js';
import type {
  CallAssignment,
  CallbackAnswer,
  CallbackRequest,
  CallHintInput,
  CallRequest,
  InboundCallReport,
  InboundCallRequest,
  ProviderCapabilities,
  ProviderWait,
  TelephonyProvider,
} from '../telephony-provider.interface.js';
import { smsRuRecords, verifySmsRuWebhookHash } from './sms-ru.hash.js';

/** Options of {@link SmsRuProvider}. */
export interface SmsRuProviderOptions {
  /** The `api_id` of the sms.ru account; it also keys the webhook's `hash`. */
  apiId: string;
  /** @default 'https://sms.ru/' */
  baseUrl?: string;
  /** @default 10000 */
  timeoutMs?: number;
  /** The provider's name in routing, callback paths and the database. @default 'sms-ru' */
  name?: string;
}

/** sms.ru serves Russia, and writes its numbers as international digits (`7...`), or perhaps nationally (`8...`). */
const SMS_RU_COUNTRY = 'RU';

/** The webhook's indexed fields (`data[0]`, `data[1]`...), which Express parses as one array. */
const SMS_RU_LISTS = ['data'];

/** A `callcheck_status` record's status as reports: 401 verifies the check, 402 ends it, others (400 pending) nothing. */
function checkReports(checkId: string, status: string | undefined): InboundCallReport[] {
  // The same call id from webhook and poller, so the second of the two is a duplicate.
  if (status === '401') return [{ waitId: checkId, callId: `check:${checkId}`, confirmedByPlatform: true }];
  if (status === '402') return [{ event: 'expired', waitId: checkId }];
  return [];
}

/**
 * sms.ru "callcheck": `callcheck/add` hands out a number (`call_phone`) that the subscriber calls
 * within 5 minutes; the call is dropped on arrival. sms.ru reports the result with a form POST of
 * `data[n]` records signed with `hash` (answered `100`), and `callcheck/status` can be polled.
 *
 * @example
 * new SmsRuProvider({ apiId: process.env.SMS_RU_API_ID })
 */
export class SmsRuProvider implements TelephonyProvider {
  readonly name: string;
  readonly windowLimits = { min: 300, max: 300 };
  readonly capabilities: Partial<ProviderCapabilities> = {
    webhook: true,
    signature: true,
    polling: true,
    // sms.ru retries a callback until it reads `100`, refused or not ("answer 100 to any request").
    answerRefused: true,
  };
  private readonly logger = new Logger(SmsRuProvider.name);
  private readonly apiId: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(options: SmsRuProviderOptions) {
    if (!options?.apiId) {
      throw new PhoneCallAuthConfigError('SmsRuProvider needs { apiId }: the api_id of the sms.ru account.');
    }
    this.apiId = options.apiId;
    this.name = options.name ?? 'sms-ru';
    this.baseUrl = options.baseUrl ?? 'https://sms.ru/';
    if (!/^https?:\/\//.test(this.baseUrl)) {
      throw new PhoneCallAuthConfigError(`SmsRuProvider baseUrl must be an http(s) URL, got "${this.baseUrl}".`);
    }
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (!(this.timeoutMs > 0))
      throw new PhoneCallAuthConfigError('SmsRuProvider timeoutMs must be a positive number of milliseconds.');
  }

  async requestCall({ phone }: CallRequest): Promise<CallAssignment> {
    const answer = await this.get('callcheck/add', { phone: toDigits(phone) }, `callcheck/add for ${maskPhone(phone)}`);
    const checkId = field(answer, 'check_id');
    const callTo = field(answer, 'call_phone');
    if (!checkId || !callTo)
      throw new TelephonyPlatformException(this.name, 'its answer had no check_id or call_phone');
    return { callTo: readCallTo(this.name, callTo, SMS_RU_COUNTRY), waitId: checkId };
  }

  /** `callcheck/status`: 400 pending, 401 confirmed, 402 expired. */
  async pollStatus({ waitId }: ProviderWait): Promise<InboundCallReport[]> {
    const answer = await this.get('callcheck/status', { check_id: waitId }, `callcheck/status of ${waitId}`);
    const status = field(answer, 'check_status');
    if (!status || !['400', '401', '402'].includes(status)) {
      throw new TelephonyPlatformException(this.name, 'its status answer had no known check_status');
    }
    return checkReports(waitId, status);
  }

  async getBalance(): Promise<number> {
    const balance = Number(field(await this.get('my/balance', {}, 'my/balance'), 'balance'));
    if (!Number.isFinite(balance)) throw new TelephonyPlatformException(this.name, 'its balance answer had no balance');
    return balance;
  }

  /**
   * The webhook's `hash` must be SHA-256 of `api_id` and the records, compared in constant time. It is
   * checked over the fields {@link parseInboundCall} reads ({@link callbackFields}: the raw body when
   * the app keeps it); a repeated field verifies nothing.
   */
  authenticateCallback(request: CallbackRequest): boolean {
    if (request.method !== 'POST') return false;
    const fields = callbackFields(request, SMS_RU_LISTS);
    const records = fields && smsRuRecords(fields);
    return !!records && verifySmsRuWebhookHash(this.apiId, records, fields!.hash);
  }

  /**
   * Every `callcheck_status` record: 401 verifies its check, 402 ends it; other kinds and heartbeats
   * are skipped. The records come from the same fields the hash was checked over.
   */
  parseInboundCall(request: InboundCallRequest): InboundCallReport[] {
    const fields = callbackFields(request, SMS_RU_LISTS);
    const reports: InboundCallReport[] = [];
    for (const record of (fields && smsRuRecords(fields)) ?? []) {
      const [kind, checkId, status] = record.split(/\r?\n/);
      if (kind === 'callcheck_status' && checkId) reports.push(...checkReports(checkId, status));
    }
    return reports;
  }

  /** sms.ru retries until the body is exactly `100`. */
  callbackAnswer(): CallbackAnswer {
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: '100' };
  }

  callHint({ callToDisplay, phoneDisplay, locale }: CallHintInput): string | undefined {
    // English only: other locales get the module's catalogue text.
    if (locale !== 'en') return undefined;
    return `Call ${callToDisplay} from ${phoneDisplay} within 5 minutes. The call is dropped at once and is free.`;
  }

  private async get(path: string, params: Record<string, string>, what: string): Promise<Record<string, unknown>> {
    const url = new URL(path, this.baseUrl);
    for (const [name, value] of Object.entries({ api_id: this.apiId, ...params, json: '1' })) {
      url.searchParams.set(name, value);
    }
    const answer = await callPlatform(this.name, url, { method: 'GET' }, this.timeoutMs, this.logger, what);
    const object = jsonObject(this.name, answer, this.logger, what);
    if (field(object, 'status') !== 'OK') {
      const detail = field(object, 'status_text') ?? 'it refused the request';
      this.logger.warn(`${what} refused: ${field(object, 'status_code')} ${maskNumbers(detail)}`);
      throw new TelephonyPlatformException(this.name, detail, field(object, 'status_code'));
    }
    return object;
  }
}
