import { Logger } from '@nestjs/common';
import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { maskPhone } from '../phone/phone-number.js';
import { SsmsProvider, SsmsProviderOptions } from '../providers/ssms/ssms.provider.js';
import { uniqueIdPrefix } from './fake-http.js';

/** A `wait_call` the fake platform accepted. Numbers are digits, as SSMS writes them. */
export interface FakeWait {
  /** The wait's id; empty for the call protection of a `push_msg` (which answers no `id_call`). */
  idCall: string;
  phone: string;
  callTo: string;
  callProtection: number;
  createdAt: Date;
}

/** An SMS the fake platform "delivered" (`push_msg`). Numbers are digits. */
export interface FakeSms {
  id: string;
  phone: string;
  /** The text as sent, code included. */
  text: string;
  senderName?: string;
  /** With `call_protection`: the seconds a call is awaited, and the number handed out for it. */
  callProtection?: number;
  callTo?: string;
  createdAt: Date;
}

/** A request the fake platform's API received, with its parameters (query and form merged). */
export interface FakeApiRequest {
  httpMethod: string;
  params: Record<string, string>;
}

/** What {@link FakeSsmsPlatform.placeCall} sends. */
export interface FakeCall {
  /** The caller ID, as the platform would write it (digits, `+7...`, `anonymous`, empty). */
  from: string;
  /** The dialed number; defaults to the number handed out for `from`'s latest wait. */
  to?: string;
  /** Send the wait's `id_call`. @default true */
  withWaitId?: boolean;
  /** Extra or replacing query parameters, e.g. `{ call_id: 'x1' }`. */
  params?: Record<string, string>;
}

export interface FakeSsmsPlatformOptions {
  /** The API key the fake accepts. @default 'fake-ssms-key' */
  apiKey?: string;
  /** The numbers it hands out, in turn, as digits. */
  numbers?: string[];
  /** Where it sends inbound-call GETs (the app's `<prefix>/callback/<secret>` URL). */
  callbackUrl?: string;
}

type Scripted =
  | { kind: 'error'; errCode: string | number; text: string }
  | { kind: 'raw'; status: number; body: string; contentType: string }
  | { kind: 'stall' };

const DEFAULT_NUMBERS = ['74993990001', '74993990002', '74993990003', '74993990004', '74993990005'];

/**
 * A fake SSMS platform: a real HTTP server that speaks the `wait_call` dialect of
 * `http://api2.ssms.su/` and, on demand, reports an inbound call by sending the GET the real
 * platform sends to the app's callback URL. For tests and for running the sample app without an account.
 *
 * Besides the SSMS API at `/`, it has a small control API for demos and browsers:
 * `POST /fake/calls` with JSON {@link FakeCall} places a call; `GET /fake/waits` lists the waits;
 * `GET /fake/messages` lists the SMS sent (`push_msg`, with or without `call_protection`).
 *
 * @example
 * const platform = await FakeSsmsPlatform.start({ callbackUrl: `${appUrl}/auth/phone-call/callback/${secret}` });
 * PhoneCallAuthModule.forRoot({ providers: [platform.provider()], ... });
 * await platform.placeCall({ from: '79670311122' });
 */
export class FakeSsmsPlatform {
  /** Every API request received, oldest first. */
  readonly requests: FakeApiRequest[] = [];
  /** Every wait accepted, oldest first. */
  readonly waits: FakeWait[] = [];
  /** Every SMS sent (`push_msg`), oldest first: what the person would read on their phone. */
  readonly messages: FakeSms[] = [];
  callbackUrl?: string;
  readonly apiKey: string;
  private readonly numbers: string[];
  private readonly scripted: Scripted[] = [];
  private readonly server: Server;
  private readonly logger = new Logger(FakeSsmsPlatform.name);
  private nextId = 1;
  /** Ids (`id_call`, message ids) are digits that never repeat across runs. */
  private readonly idPrefix = uniqueIdPrefix();
  private address?: AddressInfo;

  constructor(options: FakeSsmsPlatformOptions = {}) {
    this.apiKey = options.apiKey ?? 'fake-ssms-key';
    this.numbers = options.numbers ?? DEFAULT_NUMBERS;
    this.callbackUrl = options.callbackUrl;
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        response.writeHead(500).end(error.message);
      });
    });
  }

  /** Creates a fake platform and starts it on a free port of 127.0.0.1. */
  static async start(options?: FakeSsmsPlatformOptions): Promise<FakeSsmsPlatform> {
    const platform = new FakeSsmsPlatform(options);
    await platform.listen();
    return platform;
  }

  /** Starts listening; returns the base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server.listen(port, host);
    await once(this.server, 'listening');
    this.address = this.server.address() as AddressInfo;
    return this.url;
  }

  /** The API base URL, e.g. `http://127.0.0.1:40123/`. */
  get url(): string {
    if (!this.address) throw new Error('FakeSsmsPlatform is not listening yet: await listen() first.');
    return `http://${this.address.address}:${this.address.port}/`;
  }

  /** An {@link SsmsProvider} pointed at this fake, with its key. */
  provider(options: Partial<SsmsProviderOptions> = {}): SsmsProvider {
    return new SsmsProvider({ apiKey: this.apiKey, baseUrl: this.url, ...options });
  }

  /** The next API request gets `err_code` != 0 with this text. */
  failNext(errCode: string | number, text: string): void {
    this.scripted.push({ kind: 'error', errCode, text });
  }

  /** The next API request gets this raw answer (an HTML error page, say). */
  respondNextWith(status: number, body: string, contentType = 'text/html'): void {
    this.scripted.push({ kind: 'raw', status, body, contentType });
  }

  /** The next API request is never answered (until {@link close}). */
  stallNext(): void {
    this.scripted.push({ kind: 'stall' });
  }

  /** The latest wait for a caller (digits or E.164). */
  waitFor(phone: string): FakeWait | undefined {
    const digits = phone.replace(/\D/g, '');
    return this.waits.filter((wait) => wait.phone === digits).at(-1);
  }

  /** The latest SMS sent to a number (digits or E.164). */
  lastSms(phone: string): FakeSms | undefined {
    const digits = phone.replace(/\D/g, '');
    return this.messages.filter((sms) => sms.phone === digits).at(-1);
  }

  /** The code in the latest SMS to a number: its first run of 4 to 8 digits. */
  lastCode(phone: string): string | undefined {
    return /(?<!\d)\d{4,8}(?!\d)/.exec(this.lastSms(phone)?.text ?? '')?.[0];
  }

  /**
   * Reports an inbound call to the app, as the real platform does: an HTTP GET to the callback URL
   * with `phone` (the caller), `call_to_number` (the dialed number) and `id_call` (the wait).
   */
  async placeCall(call: FakeCall): Promise<{ status: number; body: string }> {
    if (!this.callbackUrl) throw new Error('FakeSsmsPlatform has no callbackUrl: set it before placing calls.');
    const wait = this.waitFor(call.from);
    const url = new URL(this.callbackUrl);
    const params: Record<string, string | undefined> = {
      phone: call.from,
      call_to_number: call.to ?? wait?.callTo,
      id_call: call.withWaitId === false || !wait?.idCall ? undefined : wait.idCall,
      ...call.params,
    };
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: await response.text() };
  }

  /** Stops the server and drops open connections (stalled requests included). */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const body = await readBody(request);
    if (url.pathname.startsWith('/fake/')) return this.control(request.method ?? 'GET', url.pathname, body, response);

    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    if ((request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
    }
    this.requests.push({ httpMethod: request.method ?? 'GET', params });

    const scripted = this.scripted.shift();
    if (scripted?.kind === 'stall') return;
    if (scripted?.kind === 'raw') {
      response.writeHead(scripted.status, { 'content-type': scripted.contentType }).end(scripted.body);
      return;
    }
    const json = params.format === 'json';
    if (scripted?.kind === 'error') return reply(response, json, scripted.errCode, scripted.text);
    if (params.key !== this.apiKey) return reply(response, json, '2', 'Неверный ключ API (fake: wrong key)');
    if (params.method !== 'wait_call' && params.method !== 'push_msg')
      return reply(response, json, '3', `Unknown method (fake supports wait_call and push_msg)`);
    // SSMS's own client sends api_v=2.0 with both methods; the answers read here are that version's.
    if (params.api_v !== '2.0') return reply(response, json, '7', 'fake: send api_v=2.0, as ssms_su.php does');
    if (!/^\d{10,15}$/.test(params.phone ?? '')) return reply(response, json, '4', 'Неверный номер телефона');
    if (params.method === 'push_msg') return this.pushMsg(params, json, response);
    const callProtection = Number(params.call_protection ?? 0);
    if (!Number.isInteger(callProtection) || callProtection <= 0) {
      return reply(response, json, '5', 'Неверное значение call_protection');
    }
    const wait: FakeWait = {
      idCall: `${this.idPrefix}${this.nextId++}`,
      phone: params.phone,
      callTo: this.numbers[(this.nextId - 2) % this.numbers.length],
      callProtection,
      createdAt: new Date(),
    };
    this.waits.push(wait);
    this.logger.log(
      `wait_call ${wait.idCall}: expecting ${maskPhone(`+${wait.phone}`)} to call ${maskPhone(`+${wait.callTo}`)}`,
    );
    reply(response, json, '0', 'OK', {
      id_call: wait.idCall,
      call_to_number: wait.callTo,
      waiting_call_from: wait.phone,
    });
  }

  /** `push_msg`: records the SMS; with `call_protection`, also a wait, and answers its `call_to_number`. */
  private pushMsg(params: Record<string, string>, json: boolean, response: ServerResponse): void {
    if (!params.text) return reply(response, json, '6', 'Пустой текст сообщения');
    const callProtection = params.call_protection === undefined ? undefined : Number(params.call_protection);
    if (callProtection !== undefined && !(Number.isInteger(callProtection) && callProtection > 0)) {
      return reply(response, json, '5', 'Неверное значение call_protection');
    }
    const id = `${this.idPrefix}${this.nextId++}`;
    const callTo = callProtection === undefined ? undefined : this.numbers[(this.nextId - 2) % this.numbers.length];
    const sms: FakeSms = {
      id,
      phone: params.phone,
      text: params.text,
      senderName: params.sender_name,
      callProtection,
      callTo,
      createdAt: new Date(),
    };
    this.messages.push(sms);
    if (callTo !== undefined && callProtection !== undefined) {
      this.waits.push({ idCall: '', phone: params.phone, callTo, callProtection, createdAt: sms.createdAt });
    }
    // The text is not logged: it holds the code.
    this.logger.log(`push_msg ${id}: SMS to ${maskPhone(`+${params.phone}`)}${callTo ? ' with call protection' : ''}`);
    const parts = String(Math.max(1, Math.ceil(params.text.length / (/[^ -~]/.test(params.text) ? 70 : 160))));
    reply(response, json, '0', 'OK', {
      id,
      credits: String(Number(parts) * 2.5),
      n_raw_sms: parts,
      ...(callTo !== undefined && { call_to_number: callTo }),
    });
  }

  private async control(method: string, path: string, body: string, response: ServerResponse): Promise<void> {
    const send = (status: number, value: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    if (method === 'GET' && path === '/fake/waits') return send(200, this.waits);
    if (method === 'GET' && path === '/fake/messages') return send(200, this.messages);
    if (method === 'POST' && path === '/fake/calls') {
      let call: FakeCall;
      try {
        call = JSON.parse(body) as FakeCall;
      } catch {
        return send(400, { message: 'Send JSON: {"from": "79670311122", "to"?: "74993990001"}' });
      }
      if (typeof call?.from !== 'string') return send(400, { message: '"from" (the caller ID) is required' });
      const result = await this.placeCall(call);
      return send(200, { callbackStatus: result.status, callbackBody: result.body });
    }
    send(404, { message: 'Fake platform control API: POST /fake/calls, GET /fake/waits, GET /fake/messages' });
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Answers in the SSMS envelope: JSON with `format=json`, XML without it, as the real API does. */
function reply(
  response: ServerResponse,
  json: boolean,
  errCode: string | number,
  text: string,
  data?: Record<string, string>,
) {
  const type = String(errCode) === '0' ? 'message' : 'error';
  if (json) {
    response
      .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ response: { msg: { err_code: errCode, text, type }, data: data ?? null } }));
    return;
  }
  const fields = Object.entries(data ?? {})
    .map(([key, value]) => `<${key}>${value}</${key}>`)
    .join('');
  response
    .writeHead(200, { 'content-type': 'text/xml; charset=utf-8' })
    .end(
      `<?xml version="1.0" encoding="utf-8"?><response><msg err_code="${errCode}" type="${type}">${text}</msg><data>${fields}</data></response>`,
    );
}
