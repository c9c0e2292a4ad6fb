import { createHmac } from 'node:crypto';
import { TwilioVoiceProvider } from 'nestjs-phone-call-auth';
import { newTelAuthorization, smsRuWebhookHash, twilioSignature } from 'nestjs-phone-call-auth/testing';
import { SmsRuProvider } from 'nestjs-phone-call-auth';

/* Fixed vectors for each platform's signature: a change here breaks every real account. */

describe('Twilio X-Twilio-Signature', () => {
  // Twilio's published example ("Validating requests"), auth token 12345.
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  };

  it("reproduces Twilio's published example", () => {
    expect(twilioSignature('12345', url, params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('accepts that request and refuses it changed in any part', () => {
    const provider = new TwilioVoiceProvider({ authToken: '12345', numbers: ['+18005551212'] });
    const request = (over: Partial<{ url: string; body: object; signature: string }> = {}) => ({
      method: 'POST',
      url: over.url ?? url,
      query: {},
      body: over.body ?? params,
      headers: { 'x-twilio-signature': over.signature ?? '0/KCTR6DLpKmkAf8muzZqo1nDgQ=' },
    });
    expect(provider.authenticateCallback(request())).toBe(true);
    expect(provider.authenticateCallback(request({ url: url.replace('foo=1', 'foo=2') }))).toBe(false);
    expect(provider.authenticateCallback(request({ body: { ...params, From: '+12349013031' } }))).toBe(false);
    expect(provider.authenticateCallback(request({ signature: '0/KCTR6DLpKmkAf8muzZqo1nDgQ' }))).toBe(false);
  });
});

describe('Twilio: the URL Twilio signs', () => {
  // Twilio's published example again: its signature is over https://mycompany.com/myapp.php?foo=1&bar=2, without a port.
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  };
  const published = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';
  const provider = new TwilioVoiceProvider({ authToken: '12345', numbers: ['+18005551212'] });
  const request = (requestUrl: string, signature = published) => ({
    method: 'POST',
    url: requestUrl,
    query: {},
    body: params,
    headers: { 'x-twilio-signature': signature },
  });

  it.each([
    ['a non-standard port', 'https://mycompany.com:8443/myapp.php?foo=1&bar=2'],
    ['the default port written out', 'https://mycompany.com:443/myapp.php?foo=1&bar=2'],
    ['user:password and a port', 'https://user:pass@mycompany.com:8443/myapp.php?foo=1&bar=2'],
  ])('accepts the signature over the URL without its port when publicBaseUrl has %s', (_label, requestUrl) => {
    expect(provider.authenticateCallback(request(requestUrl))).toBe(true);
  });

  it('accepts a signature over the URL with its port too, as twilio-node does', () => {
    const withPort = 'https://mycompany.com:8443/myapp.php?foo=1&bar=2';
    expect(provider.authenticateCallback(request(withPort, twilioSignature('12345', withPort, params)))).toBe(true);
  });

  it('still refuses another host, path or query behind the port', () => {
    expect(provider.authenticateCallback(request('https://mycompany.org:8443/myapp.php?foo=1&bar=2'))).toBe(false);
    expect(provider.authenticateCallback(request('https://mycompany.com:8443/myapp.php?foo=2&bar=2'))).toBe(false);
  });
});

describe('Twilio: one body', () => {
  const provider = new TwilioVoiceProvider({ authToken: 'token-1', numbers: ['+12025550101'] });
  const url = 'https://api.example.com/auth/phone-call/callback/twilio/secret';
  const fields = { CallSid: 'CA1', From: '+12025550199', To: '+12025550101' };
  const signature = twilioSignature('token-1', url, fields);
  const raw = new URLSearchParams(fields).toString();

  it('reads the call from the raw body it authenticated, not from the framework parse', () => {
    const request = {
      method: 'POST',
      url,
      query: {},
      body: { CallSid: 'CA-other', From: '+12025550100', To: '+12025550101' },
      rawBody: Buffer.from(raw),
      headers: { 'x-twilio-signature': signature },
    };
    expect(provider.authenticateCallback(request)).toBe(true);
    expect(provider.parseInboundCall(request)).toEqual([
      { callId: 'CA1', caller: '+12025550199', dialed: '+12025550101', refused: false },
    ]);
  });

  it.each([
    // Express's parse of it (qs): the repeat becomes an array, which the signature never saw.
    ['in the raw body', { rawBody: Buffer.from(`${raw}&CallSid=CA1`), body: { ...fields, CallSid: ['CA1', 'CA1'] } }],
    ['in the parsed body (Fastify: an array)', { body: { ...fields, CallSid: ['CA1', 'CA1'] } }],
    ['in the parsed body (an indexed name repeated)', { body: { ...fields, 'x[0]': ['a', 'b'] } }],
  ])('refuses a repeated parameter %s, and reads nothing from it', (_label, parts) => {
    const request = { method: 'POST', url, query: {}, headers: { 'x-twilio-signature': signature }, ...parts };
    expect(provider.authenticateCallback(request)).toBe(false);
    expect(provider.parseInboundCall(request)).toEqual([]);
  });

  it('refuses a signed GET whose query repeats a parameter', () => {
    const getUrl = `${url}?${raw}&CallSid=CA1`;
    const request = {
      method: 'GET',
      url: getUrl,
      query: { ...fields, CallSid: ['CA1', 'CA1'] },
      body: undefined,
      headers: { 'x-twilio-signature': twilioSignature('token-1', getUrl, {}) },
    };
    expect(provider.authenticateCallback(request)).toBe(false);
    expect(provider.parseInboundCall(request)).toEqual([]);
  });

  it('reads a signed GET from its URL', () => {
    const getUrl = `${url}?${raw}`;
    const request = {
      method: 'GET',
      url: getUrl,
      query: fields,
      body: undefined,
      headers: { 'x-twilio-signature': twilioSignature('token-1', getUrl, {}) },
    };
    expect(provider.authenticateCallback(request)).toBe(true);
    expect(provider.parseInboundCall(request)[0].callId).toBe('CA1');
  });
});

describe('Twilio: webhooks signed with a SharedKey (X-Twilio-Webhooks-Signature-Settings)', () => {
  const url = 'https://api.example.com/auth/phone-call/callback/twilio/secret';
  const fields = { CallSid: 'CA1', From: '+12025550199', To: '+12025550101' };
  const data =
    url +
    Object.keys(fields)
      .sort()
      .map((name) => name + fields[name as keyof typeof fields])
      .join('');
  // Computed here without the module's code: base64 HMAC over the same string, with SHA-256.
  const sha256 = createHmac('sha256', 'shared-secret-1').update(data).digest('base64');
  const request = (headers: Record<string, string>) => ({ method: 'POST', url, query: {}, body: fields, headers });
  const settings = (algorithm: string) => `key=KS0123,algorithm=${algorithm}`;
  const withKeys = new TwilioVoiceProvider({
    authToken: 'token-1',
    numbers: ['+12025550101'],
    sharedKeySecrets: ['old-secret', 'shared-secret-1'],
  });
  const withoutKeys = new TwilioVoiceProvider({ authToken: 'token-1', numbers: ['+12025550101'] });

  it('accepts HMAC-SHA256 with a configured SharedKey secret', () => {
    expect(twilioSignature('shared-secret-1', url, fields, 'sha256')).toBe(sha256);
    const headers = { 'x-twilio-signature': sha256, 'x-twilio-webhooks-signature-settings': settings('HMAC_SHA256') };
    expect(withKeys.authenticateCallback(request(headers))).toBe(true);
  });

  it('accepts HMAC-SHA1 with a SharedKey secret when the header names it', () => {
    const headers = {
      'x-twilio-signature': twilioSignature('shared-secret-1', url, fields),
      'x-twilio-webhooks-signature-settings': settings('HMAC_SHA1'),
    };
    expect(withKeys.authenticateCallback(request(headers))).toBe(true);
  });

  it.each([
    ['no SharedKey secret is configured', withoutKeys, sha256, 'HMAC_SHA256'],
    ['the header names another algorithm', withKeys, sha256, 'HMAC_SHA512'],
    ['the header names SHA-1 for a SHA-256 signature', withKeys, sha256, 'HMAC_SHA1'],
    ['the signature is the auth token one', withKeys, twilioSignature('token-1', url, fields), 'HMAC_SHA1'],
  ])('refuses it when %s', (_label, provider, signature, algorithm) => {
    const headers = { 'x-twilio-signature': signature, 'x-twilio-webhooks-signature-settings': settings(algorithm) };
    expect(provider.authenticateCallback(request(headers))).toBe(false);
  });

  it('refuses sharedKeySecrets that are not strings at startup', () => {
    expect(
      () => new TwilioVoiceProvider({ authToken: 't', numbers: ['+12025550101'], sharedKeySecrets: [''] }),
    ).toThrow(/sharedKeySecrets/);
  });
});

describe('Twilio: what the caller hears and what attestation is full', () => {
  it('rejects the call with a busy signal (reason="busy"), not the not-in-service message', () => {
    const provider = new TwilioVoiceProvider({ authToken: 't', numbers: ['+12025550101'] });
    expect(provider.callbackAnswer().body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>',
    );
  });

  it.each([
    ['TN-Validation-Passed-A', false],
    ['TN-Validation-Passed-A-Diverted', false],
    ['TN-Validation-Passed-B', true],
    ['TN-Validation-Passed-B-Diverted', true],
    ['No-TN-Validation', true],
    [undefined, true],
  ])('with requireFullAttestation, StirVerstat %s is refused: %s', (verdict, refused) => {
    const provider = new TwilioVoiceProvider({
      authToken: 't',
      numbers: ['+12025550101'],
      requireFullAttestation: true,
    });
    const body = { CallSid: 'CA1', From: '+12025550199', To: '+12025550101', ...(verdict && { StirVerstat: verdict }) };
    const [report] = provider.parseInboundCall({ method: 'POST', query: {}, headers: {}, body });
    expect(report.refused).toBe(refused);
  });
});

describe('sms.ru webhook hash', () => {
  const records = ['test\n1700000000', 'callcheck_status\n201737-542\n401\n1700000001'];

  it('is hex SHA-256 of api_id and the records in order', () => {
    expect(smsRuWebhookHash('api-id-1', records)).toBe(
      '1db404aae18cd9cb4eeeb9a7d4989ab7adc60f934cd6e487656167b06187feb3',
    );
  });

  it('is checked on the form fields as Express (arrays) and Fastify (flat names) parse them', () => {
    const provider = new SmsRuProvider({ apiId: 'api-id-1' });
    const hash = '1db404aae18cd9cb4eeeb9a7d4989ab7adc60f934cd6e487656167b06187feb3';
    const base = { method: 'POST', url: 'https://x/', query: {}, headers: {} };
    expect(provider.authenticateCallback({ ...base, body: { data: records, hash } })).toBe(true);
    expect(
      provider.authenticateCallback({ ...base, body: { 'data[1]': records[1], 'data[0]': records[0], hash } }),
    ).toBe(true);
    expect(provider.authenticateCallback({ ...base, body: { data: [...records].reverse(), hash } })).toBe(false);
    expect(provider.authenticateCallback({ ...base, body: { data: records, hash: hash.replace('1', '2') } })).toBe(
      false,
    );
    expect(provider.authenticateCallback({ ...base, body: { data: records } })).toBe(false);
  });

  // Found by an attacker: a captured heartbeat with a callcheck_status record appended as `data[]`.
  // Express's qs folds it into `data`; the hash covers the bytes, where `data[]` is no record.
  it('reads the records from the raw body the hash was checked over, not from the framework parse', () => {
    const provider = new SmsRuProvider({ apiId: 'api-id-1' });
    const heartbeat = ['test\n1700000000'];
    const captured = new URLSearchParams({ 'data[0]': heartbeat[0], hash: smsRuWebhookHash('api-id-1', heartbeat) });
    const raw = `${captured}&data[]=${encodeURIComponent('callcheck_status\n201737-542\n401\n1700000001')}`;
    // What Express's qs makes of it: both records in `data`.
    const parsed = {
      data: [heartbeat[0], 'callcheck_status\n201737-542\n401\n1700000001'],
      hash: captured.get('hash'),
    };
    const request = {
      method: 'POST',
      url: 'https://x/',
      query: {},
      headers: {},
      rawBody: Buffer.from(raw),
      body: parsed,
    };
    expect(provider.authenticateCallback(request)).toBe(true);
    expect(provider.parseInboundCall(request)).toEqual([]);
  });

  it.each([
    ['a repeated hash', (raw: string) => `${raw}&hash=${'0'.repeat(64)}`],
    ['a repeated record', (raw: string) => `${raw}&data[1]=x`],
    ['one record under two names', (raw: string) => `${raw}&data[01]=x`],
  ])('refuses %s in the raw body and reads nothing from it', (_label, change) => {
    const provider = new SmsRuProvider({ apiId: 'api-id-1' });
    const form = new URLSearchParams({
      'data[0]': records[0],
      'data[1]': records[1],
      hash: smsRuWebhookHash('api-id-1', records),
    });
    const raw = change(form.toString());
    const request = { method: 'POST', url: 'https://x/', query: {}, headers: {}, rawBody: Buffer.from(raw), body: {} };
    expect(provider.authenticateCallback(request)).toBe(false);
    expect(provider.parseInboundCall(request)).toEqual([]);
  });

  it('reads every callcheck_status record and skips the rest', () => {
    const provider = new SmsRuProvider({ apiId: 'api-id-1' });
    const reports = provider.parseInboundCall({
      method: 'POST',
      query: {},
      headers: {},
      body: {
        data: ['test\n1', 'sms_status\n1-1\n103\n1', 'callcheck_status\nA\n401\n1', 'callcheck_status\nB\n402\n1'],
      },
    });
    expect(reports).toEqual([
      { waitId: 'A', callId: 'check:A', confirmedByPlatform: true },
      { event: 'expired', waitId: 'B' },
    ]);
  });
});

describe('New-Tel Authorization header', () => {
  it('is Bearer accessKey + unixTime + sha256hex(method, time, accessKey, body, signatureKey joined by newlines)', () => {
    expect(
      newTelAuthorization({
        method: 'call-verification/start-inbound-call-waiting',
        unixTime: 1700000000,
        accessKey: 'access-key-1',
        signatureKey: 'signature-key-1',
        body: '{"clientNumber":"79670311122","callbackLink":"https://example.com/cb","timeout":60}',
      }),
    ).toBe('Bearer access-key-11700000000659e9fe4c2486c9bb651da198190436bb77b9a207f73878df850f51e5e4474f5');
  });
});
