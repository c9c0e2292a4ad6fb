import { newTelAuthorization, smsRuWebhookHash, twilioSignature, TwilioVoiceProvider } from 'nestjs-phone-call-auth';
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
