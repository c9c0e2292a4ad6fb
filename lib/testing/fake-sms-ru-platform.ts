import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { SmsRuProvider, type SmsRuProviderOptions } from '../providers/sms-ru/sms-ru.provider.js';
import { smsRuWebhookHash } from '../providers/sms-ru/sms-ru.hash.js';
import { FakeHttpServer, type FakePlatformRequest, sendCallback, sendJson, uniqueIdPrefix } from './fake-http.js';

/** A callcheck the fake accepted. Numbers are digits, as sms.ru writes them. */
export interface FakeSmsRuCheck {
  checkId: string;
  phone: string;
  callPhone: string;
  /** 400 pending, 401 confirmed, 402 expired. */
  status: 400 | 401 | 402;
}

export interface FakeSmsRuPlatformOptions {
  /** The `api_id` the fake accepts and signs webhooks with. @default 'fake-sms-ru-api-id' */
  apiId?: string;
  /** Numbers it hands out, in turn, as digits. */
  numbers?: string[];
  /** Where it posts webhooks (the app's `<prefix>/callback/sms-ru/<secret>`). */
  callbackUrl?: string;
  /** The balance `my/balance` reports. @default 100 */
  balance?: number;
}

/** What {@link FakeSmsRuPlatform.placeCall} does. */
export interface FakeSmsRuCall {
  /** The caller's number (digits or E.164): confirms its latest check. */
  from: string;
  /** Post the webhook; false leaves the call for the status poller to find. @default true */
  webhook?: boolean;
  /** Sign the webhook with another `api_id` (a forgery). */
  signWith?: string;
}

/**
 * A fake sms.ru: a real HTTP server speaking `callcheck/add`, `callcheck/status` and `my/balance`
 * with `json=1`, that posts webhooks as sms.ru does (form fields `data[0..n]`, with a heartbeat
 * record first, and `hash` = SHA-256 of `api_id` and the records). Control API: `POST /fake/calls`.
 */
export class FakeSmsRuPlatform {
  readonly requests: FakePlatformRequest[] = [];
  readonly checks: FakeSmsRuCheck[] = [];
  readonly apiId: string;
  callbackUrl?: string;
  balance: number;
  /** How long `callcheck/status` takes to answer, in ms (to overlap concurrent pollers). @default 0 */
  statusDelayMs = 0;
  /** The most `callcheck/status` requests that were in flight at once for one check. */
  maxConcurrentStatusPerCheck = 0;
  /**
   * While set, `callcheck/status` answers only once this promise settles: a test holds a status
   * poll mid-request with it, and sees it waiting in {@link statusInFlight}.
   */
  statusGate?: Promise<unknown>;
  private readonly inFlight = new Map<string, number>();
  private readonly numbers: string[];
  private readonly failures: Array<{ status: number; body: unknown }> = [];
  private readonly server = new FakeHttpServer((request, response) => this.handle(request, response));
  private nextId = 1;
  /** Check ids look like sms.ru's (`201737-542`), and never repeat across runs. */
  private readonly idPrefix = uniqueIdPrefix();

  constructor(options: FakeSmsRuPlatformOptions = {}) {
    this.apiId = options.apiId ?? 'fake-sms-ru-api-id';
    this.numbers = options.numbers ?? ['78005550101', '78005550102', '78005550103'];
    this.callbackUrl = options.callbackUrl;
    this.balance = options.balance ?? 100;
  }

  static async start(options?: FakeSmsRuPlatformOptions): Promise<FakeSmsRuPlatform> {
    const platform = new FakeSmsRuPlatform(options);
    await platform.server.listen();
    return platform;
  }

  get url(): string {
    return this.server.url;
  }

  /** `callcheck/status` requests received and not yet answered. */
  get statusInFlight(): number {
    return [...this.inFlight.values()].reduce((sum, count) => sum + count, 0);
  }

  /** An {@link SmsRuProvider} pointed at this fake. */
  provider(options: Partial<SmsRuProviderOptions> = {}): SmsRuProvider {
    return new SmsRuProvider({ apiId: this.apiId, baseUrl: this.url, ...options });
  }

  /** The next API request is answered with this HTTP status and JSON (default: sms.ru's ERROR answer). */
  failNext(
    status = 200,
    body: unknown = { status: 'ERROR', status_code: 220, status_text: 'Сервис временно недоступен' },
  ) {
    this.failures.push({ status, body });
  }

  /** The latest check of a phone. */
  checkFor(phone: string): FakeSmsRuCheck | undefined {
    const digits = phone.replace(/\D/g, '');
    return this.checks.filter((check) => check.phone === digits).at(-1);
  }

  /** The phone called: its latest check becomes 401 and, unless `webhook: false`, the webhook is posted. */
  async placeCall(call: FakeSmsRuCall): Promise<{ status: number; body: string } | undefined> {
    const check = this.checkFor(call.from);
    if (!check) throw new Error(`FakeSmsRuPlatform has no check for ${call.from}`);
    check.status = 401;
    if (call.webhook === false) return undefined;
    return this.sendWebhook([`callcheck_status\n${check.checkId}\n401\n${unixTime()}`], call.signWith);
  }

  /** The phone's latest check expires (402), with the webhook. */
  async expire(phone: string): Promise<{ status: number; body: string }> {
    const check = this.checkFor(phone);
    if (!check) throw new Error(`FakeSmsRuPlatform has no check for ${phone}`);
    check.status = 402;
    return this.sendWebhook([`callcheck_status\n${check.checkId}\n402\n${unixTime()}`]);
  }

  /** Posts a webhook with these records after a heartbeat, signed with `api_id` (or `signWith`). */
  async sendWebhook(records: string[], signWith = this.apiId): Promise<{ status: number; body: string }> {
    if (!this.callbackUrl) throw new Error('FakeSmsRuPlatform has no callbackUrl: set it before sending webhooks.');
    const all = [`test\n${unixTime()}`, ...records];
    const form = new URLSearchParams();
    all.forEach((record, index) => form.set(`data[${index}]`, record));
    form.set('hash', smsRuWebhookHash(signWith, all));
    return sendCallback(this.callbackUrl, { method: 'POST', body: form });
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(request: FakePlatformRequest, response: ServerResponse): Promise<void> {
    if (request.path === '/fake/calls' && request.httpMethod === 'POST') {
      const call = JSON.parse(request.body || '{}') as FakeSmsRuCall;
      const result = await this.placeCall(call);
      return sendJson(response, 200, { callbackStatus: result?.status, callbackBody: result?.body });
    }
    this.requests.push(request);
    const failure = this.failures.shift();
    if (failure) return sendJson(response, failure.status, failure.body);
    const { params } = request;
    const error = (code: number, text: string) =>
      sendJson(response, 200, { status: 'ERROR', status_code: code, status_text: text });
    if (params.api_id !== this.apiId) return error(200, 'Неправильный api_id');
    if (params.json !== '1') return error(300, 'fake: send json=1');
    if (request.path === '/callcheck/add') {
      if (!/^\d{10,15}$/.test(params.phone ?? '')) return error(202, 'Неправильно указан номер телефона');
      const check: FakeSmsRuCheck = {
        checkId: `${this.idPrefix}-${this.nextId}`,
        phone: params.phone,
        callPhone: this.numbers[(this.nextId - 1) % this.numbers.length],
        status: 400,
      };
      this.nextId++;
      this.checks.push(check);
      return sendJson(response, 200, {
        status: 'OK',
        status_code: 100,
        check_id: check.checkId,
        call_phone: check.callPhone,
        call_phone_pretty: `+${check.callPhone}`,
        call_phone_html: `<a href="tel:+${check.callPhone}">+${check.callPhone}</a>`,
      });
    }
    if (request.path === '/callcheck/status') {
      const check = this.checks.find((each) => each.checkId === params.check_id);
      if (!check) return error(202, 'check_id not found');
      const inFlight = (this.inFlight.get(check.checkId) ?? 0) + 1;
      this.inFlight.set(check.checkId, inFlight);
      this.maxConcurrentStatusPerCheck = Math.max(this.maxConcurrentStatusPerCheck, inFlight);
      try {
        if (this.statusDelayMs > 0) await delay(this.statusDelayMs);
        await this.statusGate?.catch(() => undefined);
      } finally {
        this.inFlight.set(check.checkId, (this.inFlight.get(check.checkId) ?? 1) - 1);
      }
      return sendJson(response, 200, {
        status: 'OK',
        status_code: 100,
        check_status: check.status,
        check_status_text: { 400: 'Ожидание', 401: 'Подтверждено', 402: 'Истекло' }[check.status],
      });
    }
    if (request.path === '/my/balance') {
      return sendJson(response, 200, { status: 'OK', status_code: 100, balance: this.balance });
    }
    error(301, `fake: unknown method ${request.path}`);
  }
}

function unixTime(): number {
  return Math.floor(Date.now() / 1000);
}
