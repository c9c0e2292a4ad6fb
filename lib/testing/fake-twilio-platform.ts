import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { TwilioVoiceProvider, type TwilioVoiceProviderOptions } from '../providers/twilio/twilio-voice.provider.js';
import { twilioSignature } from '../providers/twilio/twilio.signature.js';
import { FakeHttpServer, type FakePlatformRequest, sendCallback, sendJson } from './fake-http.js';

export interface FakeTwilioPlatformOptions {
  /** @default 'fake-twilio-auth-token' */
  authToken?: string;
  /** The pool, E.164. @default two US numbers */
  numbers?: string[];
  /** The voice webhook URL set on every pool number (the app's public `<prefix>/callback/twilio/<secret>`). */
  webhookUrl?: string;
}

/** What {@link FakeTwilioPlatform.placeCall} posts. */
export interface FakeTwilioCall {
  /** The caller ID, E.164. */
  from: string;
  /** The pool number dialed. */
  to: string;
  /** @default 'TN-Validation-Passed-A' */
  stirVerstat?: string | null;
  /** Sign with another auth token (a forgery). */
  signWith?: string;
}

/**
 * A fake Twilio Programmable Voice: posts the inbound-call webhook to the pool's voice URL as
 * Twilio does (form fields `CallSid`, `From`, `To`, `StirVerstat`...), signed with
 * `X-Twilio-Signature`. Starting a verification calls no Twilio API (the app owns the pool), so
 * the server holds only the control API: `POST /fake/calls` with {@link FakeTwilioCall}.
 */
export class FakeTwilioPlatform {
  readonly authToken: string;
  readonly numbers: string[];
  webhookUrl?: string;
  /** Every answer the app gave, oldest first. */
  readonly answers: Array<{ status: number; body: string; contentType: string | null }> = [];
  private readonly server = new FakeHttpServer((request, response) => this.handle(request, response));

  constructor(options: FakeTwilioPlatformOptions = {}) {
    this.authToken = options.authToken ?? 'fake-twilio-auth-token';
    this.numbers = options.numbers ?? ['+12025550101', '+12025550102'];
    this.webhookUrl = options.webhookUrl;
  }

  static async start(options?: FakeTwilioPlatformOptions): Promise<FakeTwilioPlatform> {
    const platform = new FakeTwilioPlatform(options);
    await platform.server.listen();
    return platform;
  }

  get url(): string {
    return this.server.url;
  }

  provider(options: Partial<TwilioVoiceProviderOptions> = {}): TwilioVoiceProvider {
    return new TwilioVoiceProvider({ authToken: this.authToken, numbers: this.numbers, ...options });
  }

  /** An inbound call: the signed webhook, as Twilio posts it. */
  async placeCall(call: FakeTwilioCall): Promise<{ status: number; body: string; contentType: string | null }> {
    if (!this.webhookUrl) throw new Error('FakeTwilioPlatform has no webhookUrl: set it before placing calls.');
    const fields: Record<string, string> = {
      AccountSid: 'ACfake0000000000000000000000000000',
      ApiVersion: '2010-04-01',
      CallSid: `CA${randomBytes(16).toString('hex')}`,
      CallStatus: 'ringing',
      Called: call.to,
      Caller: call.from,
      Direction: 'inbound',
      From: call.from,
      To: call.to,
    };
    const verdict = call.stirVerstat === undefined ? 'TN-Validation-Passed-A' : call.stirVerstat;
    if (verdict !== null) fields.StirVerstat = verdict;
    const answer = await sendCallback(this.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(call.signWith ?? this.authToken, this.webhookUrl, fields),
      },
      body: new URLSearchParams(fields),
    });
    this.answers.push(answer);
    return answer;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(request: FakePlatformRequest, response: ServerResponse): Promise<void> {
    if (request.path === '/fake/calls' && request.httpMethod === 'POST') {
      const result = await this.placeCall(JSON.parse(request.body || '{}') as FakeTwilioCall);
      return sendJson(response, 200, { callbackStatus: result.status, callbackBody: result.body });
    }
    sendJson(response, 404, { message: 'Fake Twilio control API: POST /fake/calls' });
  }
}
