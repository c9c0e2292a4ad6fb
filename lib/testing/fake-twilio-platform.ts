import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { TwilioVoiceProvider, type TwilioVoiceProviderOptions } from '../providers/twilio/twilio-voice.provider.js';
import { twilioSignature, type TwilioSignatureAlgorithm } from '../providers/twilio/twilio.signature.js';
import { FakeHttpServer, type FakePlatformRequest, sendCallback, sendJson } from './fake-http.js';

export interface FakeTwilioPlatformOptions {
  /** @default 'fake-twilio-auth-token' */
  authToken?: string;
  /** The pool, E.164. @default two US numbers */
  numbers?: string[];
  /** Where the fake delivers the voice webhook (the app's `<prefix>/callback/twilio/<secret>`). */
  webhookUrl?: string;
  /**
   * The voice webhook URL as set on the pool numbers in Twilio's console, when it is not where the
   * fake delivers (a proxy in front of the app): the URL Twilio signs. @default webhookUrl
   */
  publicWebhookUrl?: string;
}

/** A signed webhook as Twilio would send it ({@link FakeTwilioPlatform.webhook}), not yet sent. */
export interface FakeTwilioWebhook {
  /** Where it goes (the fake's `webhookUrl`). */
  url: string;
  headers: Record<string, string>;
  /** The form body, exactly the bytes that were signed. */
  body: string;
  /** The fields, as signed. */
  fields: Record<string, string>;
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
  /**
   * Sign with a SharedKey as a Webhook Setting does: `secret` keys the signature, and the webhook
   * carries `X-Twilio-Webhooks-Signature-Settings: key=<key>,algorithm=<algorithm>`.
   */
  sharedKey?: { secret: string; key?: string; algorithm?: 'HMAC_SHA1' | 'HMAC_SHA256' };
}

/**
 * The URL Twilio signs for a webhook URL: an https URL without its port and without `user:password@`
 * (what Twilio does for voice webhooks); other URLs as they are.
 */
function twilioSigningUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') return url;
  parsed.port = '';
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

/**
 * A fake Twilio Programmable Voice: posts the inbound-call webhook to the pool's voice URL as
 * Twilio does (form fields `CallSid`, `From`, `To`, `StirVerstat`...), signed with
 * `X-Twilio-Signature` over the public URL as Twilio signs it (an https URL without its port). Starting a verification calls no Twilio API (the app owns the pool), so
 * the server holds only the control API: `POST /fake/calls` with {@link FakeTwilioCall}.
 */
export class FakeTwilioPlatform {
  readonly authToken: string;
  readonly numbers: string[];
  webhookUrl?: string;
  /** The webhook URL as set in Twilio's console, when it is not `webhookUrl` (see {@link FakeTwilioPlatformOptions}). */
  publicWebhookUrl?: string;
  /** Every answer the app gave, oldest first. */
  readonly answers: Array<{ status: number; body: string; contentType: string | null }> = [];
  private readonly server = new FakeHttpServer((request, response) => this.handle(request, response));

  constructor(options: FakeTwilioPlatformOptions = {}) {
    this.authToken = options.authToken ?? 'fake-twilio-auth-token';
    this.numbers = options.numbers ?? ['+12025550101', '+12025550102'];
    this.webhookUrl = options.webhookUrl;
    this.publicWebhookUrl = options.publicWebhookUrl;
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
    const answer = await this.send(this.webhook(call));
    this.answers.push(answer);
    return answer;
  }

  /**
   * The signed webhook of an inbound call, built but not sent (a test may capture it and send it
   * changed, as an attacker would): form fields `CallSid`, `From`, `To`, `StirVerstat`..., signed
   * over {@link twilioSigningUrl} of the public webhook URL.
   */
  webhook(call: FakeTwilioCall): FakeTwilioWebhook {
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
    const signedUrl = twilioSigningUrl(this.publicWebhookUrl ?? this.webhookUrl);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (call.sharedKey) {
      const algorithm = call.sharedKey.algorithm ?? 'HMAC_SHA256';
      const hmac: TwilioSignatureAlgorithm = algorithm === 'HMAC_SHA1' ? 'sha1' : 'sha256';
      headers['x-twilio-signature'] = twilioSignature(call.sharedKey.secret, signedUrl, fields, hmac);
      headers['x-twilio-webhooks-signature-settings'] = `key=${call.sharedKey.key ?? 'KSfake'},algorithm=${algorithm}`;
    } else {
      headers['x-twilio-signature'] = twilioSignature(call.signWith ?? this.authToken, signedUrl, fields);
    }
    return { url: this.webhookUrl, headers, body: new URLSearchParams(fields).toString(), fields };
  }

  /** Sends a webhook (as built by {@link webhook}, or changed) to the app and reads the answer. */
  send(webhook: Pick<FakeTwilioWebhook, 'url' | 'headers' | 'body'>) {
    return sendCallback(webhook.url, { method: 'POST', headers: webhook.headers, body: webhook.body });
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
