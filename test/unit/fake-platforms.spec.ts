import { FakeNewTelPlatform, FakeSmsRuPlatform, FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';

/* The fake platforms behave as the real ones where tests rely on it: ids, and what SSMS requires. */

const request = { phone: '+79670311122', windowSeconds: 60, busyNumbers: [], callbackUrl: 'https://x/cb' };

describe('the fakes never hand out an id twice, across restarts', () => {
  // A restarted fake against the same database must not make a new call a `duplicate` of an old one.
  it.each([
    ['SSMS', () => FakeSsmsPlatform.start()],
    ['sms.ru', () => FakeSmsRuPlatform.start()],
    ['New-Tel', () => FakeNewTelPlatform.start()],
  ])('%s: the first wait of a second run has another id than the first run had', async (_label, start) => {
    const ids: Array<string | undefined> = [];
    for (let run = 0; run < 2; run++) {
      const platform = await start();
      try {
        ids.push((await platform.provider().requestCall(request)).waitId);
      } finally {
        await platform.close();
      }
    }
    expect(ids[0]).toBeDefined();
    expect(ids[1]).not.toBe(ids[0]);
  });

  it('SSMS: message ids too', async () => {
    const ids: Array<string | undefined> = [];
    for (let run = 0; run < 2; run++) {
      const platform = await FakeSsmsPlatform.start();
      try {
        ids.push((await platform.provider().sendCode({ phone: '+79670311122', text: 'Code 1234' })).messageId);
      } finally {
        await platform.close();
      }
    }
    expect(ids[1]).not.toBe(ids[0]);
  });
});

describe('the fake SSMS requires api_v=2.0, as the platform client ssms_su.php always sends it', () => {
  let platform: FakeSsmsPlatform;
  beforeAll(async () => {
    platform = await FakeSsmsPlatform.start();
  });
  afterAll(() => platform.close());

  it.each(['wait_call', 'push_msg'])('refuses %s without it', async (method) => {
    const form = new URLSearchParams({ method, format: 'json', key: platform.apiKey, phone: '79670311122' });
    form.set(method === 'wait_call' ? 'call_protection' : 'text', method === 'wait_call' ? '60' : 'Code 1234');
    const answer = await fetch(platform.url, { method: 'POST', body: form });
    const { response } = (await answer.json()) as { response: { msg: { err_code: string; text: string } } };
    expect(response.msg.err_code).not.toBe('0');
    expect(response.msg.text).toContain('api_v=2.0');
  });

  it('gets it from the provider with wait_call and push_msg', async () => {
    await platform.provider().requestCall(request);
    await platform.provider().sendCode({ phone: '+79670311122', text: 'Code 1234' });
    expect(platform.requests.slice(-2).map(({ params }) => [params.method, params.api_v])).toEqual([
      ['wait_call', '2.0'],
      ['push_msg', '2.0'],
    ]);
  });
});
