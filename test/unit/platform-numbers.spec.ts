import { NewTelProvider, SsmsProvider, TwilioVoiceProvider } from 'nestjs-phone-call-auth';
import { FakeNewTelPlatform, FakeSmsRuPlatform, FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';

/*
 * Every number a platform sends, read in the platform's documented format and the country it serves
 * (docs/platforms.md, /work/shared/providers.md): the Russian platforms write `7...` and, nationally,
 * `8...`; Twilio writes E.164. A caller that is present but is not a number verifies nothing.
 */

const base = { method: 'POST', query: {}, headers: {} };

describe('New-Tel webhook (documented: JSON with callId; clientNumber as in the start, 7xxxxxxxxxx)', () => {
  const provider = new NewTelProvider({ accessKey: 'a', signatureKey: 's' });
  const parse = (body: Record<string, unknown>) => provider.parseInboundCall({ ...base, body });

  it('confirms the wait by callId when the webhook has no clientNumber', () => {
    expect(parse({ callId: 'c1' })).toEqual([{ waitId: 'c1', callId: 'call:c1', confirmedByPlatform: true }]);
  });

  it.each([
    ['79670311122', '+79670311122'],
    ['84951234567', '+74951234567'],
    ['+79670311122', '+79670311122'],
  ])('reads clientNumber %j as %s, and the platform confirms the wait', (clientNumber, caller) => {
    expect(parse({ callId: 'c1', clientNumber })).toEqual([
      { waitId: 'c1', callId: 'call:c1', caller, confirmedByPlatform: true },
    ]);
  });

  // docs/platforms.md: "a post whose clientNumber is another number verifies nothing"; nor one that is no number.
  it.each([['anonymous'], [''], ['12345'], [{ n: 1 }], [['79670311122']], [null]])(
    'verifies nothing by callId alone when clientNumber is %j: no caller, no confirmation',
    (clientNumber) => {
      const [report] = parse({ callId: 'c1', clientNumber });
      expect(report.caller).toBeUndefined();
      expect(report.confirmedByPlatform).toBe(false);
    },
  );
});

describe('SSMS inbound-call GET (documented: numbers as digits, 79670311122)', () => {
  const provider = new SsmsProvider({ apiKey: 'k' });
  const parse = (query: Record<string, unknown>) =>
    provider.parseInboundCall({ ...base, method: 'GET', body: {}, query });

  it.each([
    ['79670311122', '+79670311122'],
    ['89670311122', '+79670311122'],
    ['84951234567', '+74951234567'],
    ['84991234567', '+74991234567'],
  ])('reads the caller %j as %s', (phone, caller) => {
    expect(parse({ phone, call_to_number: '74993990001', id_call: '7' })).toEqual([
      { caller, dialed: '+74993990001', waitId: '7' },
    ]);
  });

  it('reads nothing from a later name when the first present one is repeated', () => {
    const [report] = parse({ phone: ['79670311122', '79670311123'], caller: '79670311122' });
    expect(report.caller).toBeUndefined();
  });

  it.each([['anonymous'], ['12345'], ['abc']])('refuses the call when the dialed number is %j', (dialed) => {
    const [report] = parse({ phone: '79670311122', call_to_number: dialed });
    expect(report.refused).toBe(true);
  });
});

describe('the number to call, as each platform hands it out, read as E.164', () => {
  // Each fake hands out a Moscow number written nationally, as a Russian platform may.
  const request = { phone: '+79670311122', windowSeconds: 60, busyNumbers: [], callbackUrl: 'https://x/cb' };

  it.each([
    ['SSMS', () => FakeSsmsPlatform.start({ numbers: ['84951234567'] })],
    ['sms.ru', () => FakeSmsRuPlatform.start({ numbers: ['84951234567'] })],
    ['New-Tel', () => FakeNewTelPlatform.start({ numbers: ['84951234567'] })],
  ])('%s: 84951234567 is +74951234567 (Moscow), not +84 (Vietnam)', async (_label, start) => {
    const platform = await start();
    try {
      expect((await platform.provider().requestCall(request)).callTo).toBe('+74951234567');
    } finally {
      await platform.close();
    }
  });

  it('fails the start (502, so the next provider is tried) when the platform hands out no number', async () => {
    const platform = await FakeSmsRuPlatform.start({ numbers: ['12345'] });
    try {
      await expect(platform.provider().requestCall(request)).rejects.toMatchObject({
        detail: 'it handed out a number to call that is not valid',
      });
    } finally {
      await platform.close();
    }
  });
});

describe('Twilio webhook (documented: From and To in E.164)', () => {
  const provider = new TwilioVoiceProvider({ authToken: 't', numbers: ['+12025550101'] });
  const parse = (body: Record<string, string>) => provider.parseInboundCall({ ...base, body });

  it('reads From and To as E.164', () => {
    expect(parse({ CallSid: 'CA1', From: '+12025550199', To: '+12025550101' })).toEqual([
      { callId: 'CA1', caller: '+12025550199', dialed: '+12025550101', refused: false },
    ]);
  });

  // Twilio's own placeholders for withheld caller IDs, and non-phone callers.
  it.each([['anonymous'], ['+266696687'], ['client:alice'], ['']])('has no caller for From %j', (from) => {
    const [report] = parse({ CallSid: 'CA1', From: from, To: '+12025550101' });
    expect(report.caller).toBeUndefined();
  });
});
