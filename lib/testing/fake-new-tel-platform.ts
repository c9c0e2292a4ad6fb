import type { ServerResponse } from 'node:http';
import { NewTelProvider, type NewTelProviderOptions } from '../providers/new-tel/new-tel.provider.js';
import { newTelAuthorization } from '../providers/new-tel/new-tel.signature.js';
import { FakeHttpServer, type FakePlatformRequest, sendCallback, sendJson, uniqueIdPrefix } from './fake-http.js';

/** A wait the fake New-Tel accepted. */
export interface FakeNewTelWait {
  callId: string;
  clientNumber: string;
  confirmationNumber: string;
  callbackLink: string;
  timeout: number;
}

/** What {@link FakeNewTelPlatform.placeCall} posts. */
export interface FakeNewTelCall {
  /** The caller (digits or E.164): the call answers its latest wait. */
  from: string;
  /** Post to another URL than the wait's `callbackLink`. */
  callbackLink?: string;
  /** The webhook's `clientNumber` (any JSON value); `null` sends none. @default the wait's number */
  clientNumber?: unknown;
}

export interface FakeNewTelPlatformOptions {
  /** @default 'fake-newtel-access-key' */
  accessKey?: string;
  /** @default 'fake-newtel-signature-key' */
  signatureKey?: string;
  numbers?: string[];
}

const START = '/call-verification/start-inbound-call-waiting';

/**
 * A fake New-Tel: a real HTTP server speaking `call-verification/start-inbound-call-waiting`,
 * checking the signed `Authorization` header, and posting the JSON webhook with `callId` to each
 * wait's own `callbackLink`. Control API: `POST /fake/calls` with `{"from": "7..."}`.
 */
export class FakeNewTelPlatform {
  readonly requests: FakePlatformRequest[] = [];
  readonly waits: FakeNewTelWait[] = [];
  readonly accessKey: string;
  readonly signatureKey: string;
  private readonly numbers: string[];
  private readonly failures: Array<{ status: number; body: unknown }> = [];
  private readonly server = new FakeHttpServer((request, response) => this.handle(request, response));
  private nextId = 1;
  /** Call ids never repeat across runs. */
  private readonly idPrefix = uniqueIdPrefix();

  constructor(options: FakeNewTelPlatformOptions = {}) {
    this.accessKey = options.accessKey ?? 'fake-newtel-access-key';
    this.signatureKey = options.signatureKey ?? 'fake-newtel-signature-key';
    this.numbers = options.numbers ?? ['74951230001', '74951230002'];
  }

  static async start(options?: FakeNewTelPlatformOptions): Promise<FakeNewTelPlatform> {
    const platform = new FakeNewTelPlatform(options);
    await platform.server.listen();
    return platform;
  }

  get url(): string {
    return this.server.url;
  }

  provider(options: Partial<NewTelProviderOptions> = {}): NewTelProvider {
    return new NewTelProvider({
      accessKey: this.accessKey,
      signatureKey: this.signatureKey,
      baseUrl: this.url,
      ...options,
    });
  }

  /** The next API request is answered with this HTTP status and JSON. */
  failNext(status = 200, body: unknown = { status: 'error', message: 'Service unavailable' }): void {
    this.failures.push({ status, body });
  }

  waitFor(phone: string): FakeNewTelWait | undefined {
    const digits = phone.replace(/\D/g, '');
    return this.waits.filter((wait) => wait.clientNumber === digits).at(-1);
  }

  /**
   * The phone called its latest wait's number: New-Tel posts JSON to that wait's `callbackLink`,
   * with `callId`, `clientNumber` (the wait's, unless `clientNumber` replaces it; `null` leaves it
   * out) and `confirmationNumber`.
   */
  placeCall(call: FakeNewTelCall): Promise<{ status: number; body: string }> {
    const wait = this.waitFor(call.from);
    if (!wait) throw new Error(`FakeNewTelPlatform has no wait for ${call.from}`);
    const clientNumber = call.clientNumber === undefined ? wait.clientNumber : call.clientNumber;
    return sendCallback(call.callbackLink ?? wait.callbackLink, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        callId: wait.callId,
        ...(clientNumber !== null && { clientNumber }),
        confirmationNumber: wait.confirmationNumber,
      }),
    });
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(request: FakePlatformRequest, response: ServerResponse): Promise<void> {
    if (request.path === '/fake/calls' && request.httpMethod === 'POST') {
      const result = await this.placeCall(JSON.parse(request.body || '{}') as FakeNewTelCall);
      return sendJson(response, 200, { callbackStatus: result.status, callbackBody: result.body });
    }
    this.requests.push(request);
    const failure = this.failures.shift();
    if (failure) return sendJson(response, failure.status, failure.body);
    if (request.httpMethod !== 'POST' || request.path !== START) {
      return sendJson(response, 404, { status: 'error', message: 'fake: unknown method' });
    }
    const header = String(request.headers.authorization ?? '');
    const time = Number(header.slice(`Bearer ${this.accessKey}`.length, `Bearer ${this.accessKey}`.length + 10));
    const expected = newTelAuthorization({
      method: START.slice(1),
      unixTime: time,
      accessKey: this.accessKey,
      signatureKey: this.signatureKey,
      body: request.body,
    });
    if (header !== expected || Math.abs(Date.now() / 1000 - time) > 300) {
      return sendJson(response, 401, { status: 'error', message: 'Authorization failed' });
    }
    const body = JSON.parse(request.body) as { clientNumber?: string; callbackLink?: string; timeout?: number };
    if (!/^\d{10,15}$/.test(body.clientNumber ?? '') || !body.callbackLink) {
      return sendJson(response, 200, { status: 'error', message: 'clientNumber and callbackLink are required' });
    }
    const wait: FakeNewTelWait = {
      callId: `nt-${this.idPrefix}-${this.nextId}`,
      clientNumber: body.clientNumber!,
      confirmationNumber: this.numbers[(this.nextId - 1) % this.numbers.length],
      callbackLink: body.callbackLink,
      timeout: body.timeout ?? 60,
    };
    this.nextId++;
    this.waits.push(wait);
    sendJson(response, 200, {
      status: 'success',
      data: {
        callDetails: {
          callId: wait.callId,
          confirmationNumber: wait.confirmationNumber,
          qrCodeUri: `tel:+${wait.confirmationNumber}`,
          operatorName: 'Fake',
          regionName: 'Moscow',
        },
      },
    });
  }
}
