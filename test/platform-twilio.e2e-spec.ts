import { FakeTwilioPlatform } from 'nestjs-phone-call-auth/testing';
import { INBOUND_CALL_TABLE } from './support/tables.js';
import { bootWithProviders, providerCallbackUrl, redeemAndOpenMe, rowOf, startOn } from './support/platforms.js';
import { TEST_CALLBACK_SECRET, type TestApp, useTestDatabase } from './support/test-app.js';

/* Twilio Programmable Voice: the app's pool, the signed inbound-call webhook, <Reject/>, StirVerstat. */

const db = useTestDatabase();
let twilio: FakeTwilioPlatform;
let app: TestApp;
let strict: TestApp;
let strictTwilio: FakeTwilioPlatform;
let phoneCounter = 0;
const nextUsPhone = () => `+1202555${String(2000 + ++phoneCounter).padStart(4, '0')}`;

beforeAll(async () => {
  twilio = await FakeTwilioPlatform.start();
  app = await bootWithProviders(db, { providers: [twilio.provider()], defaultCountry: 'US' });
  twilio.webhookUrl = providerCallbackUrl(app, 'twilio');
  strictTwilio = await FakeTwilioPlatform.start({ authToken: 'strict-token' });
  strict = await bootWithProviders(db, {
    providers: [strictTwilio.provider({ requireFullAttestation: true })],
    defaultCountry: 'US',
  });
  strictTwilio.webhookUrl = providerCallbackUrl(strict, 'twilio');
}, 30_000); // boots fakes and apps: slow on busy cores
afterAll(async () => {
  await twilio.close();
  await strictTwilio.close();
});

describe('the Twilio Voice provider', () => {
  it('runs the flow: a pool number, the signed webhook answered <Reject/>, a token, /me', async () => {
    const phone = nextUsPhone();
    const started = await startOn(app, phone);
    expect(twilio.numbers).toContain(started.callTo);
    // The Twilio hint in English; other locales keep the catalogue's text.
    const english = await app.request(
      'POST',
      '/auth/phone-call/verifications',
      { phone: nextUsPhone() },
      {
        'accept-language': 'en',
      },
    );
    expect(english.body.message).toContain('The call is rejected at once');
    const answer = await twilio.placeCall({ from: phone, to: started.callTo });
    expect(answer).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^text\/xml/),
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Reject/></Response>',
    });
    expect(await rowOf(app, started.id)).toEqual({ status: 'verified', provider: 'twilio' });
    const [record] = await app.dataSource.query(
      `SELECT attestation, outcome FROM ${INBOUND_CALL_TABLE} WHERE verification_id = $1`,
      [started.id],
    );
    expect(record).toEqual({ attestation: 'TN-Validation-Passed-A', outcome: 'matched' });
    await redeemAndOpenMe(app, started, phone);
  });

  it('gives a second start for the same phone another pool number', async () => {
    const phone = nextUsPhone();
    const first = await startOn(app, phone);
    const second = await startOn(app, phone);
    expect(second.callTo).not.toBe(first.callTo);
    // Both pool numbers are now live for this phone: a third start finds none free (502).
    const third = await app.request('POST', '/auth/phone-call/verifications', { phone });
    expect(third.status).toBe(502);
  });

  it('never gives two simultaneous starts for one phone the same pool number', async () => {
    // Each pair picks from the two numbers at random: without the check in the insert, about half
    // of the pairs would share one, and a call to it could not tell the two apart.
    for (let pair = 0; pair < 8; pair++) {
      const phone = nextUsPhone();
      const [a, b] = await Promise.all([startOn(app, phone), startOn(app, phone)]);
      expect([a.callTo, b.callTo].sort()).toEqual([...twilio.numbers].sort());
    }
  });

  it.each([
    ['a wrong signature', { signWith: 'not-the-auth-token' }, providerCallbackUrl],
    ['a wrong path secret', {}, (a: TestApp) => providerCallbackUrl(a, 'twilio', `${TEST_CALLBACK_SECRET}x`)],
  ])('refuses %s with 403 and changes nothing', async (_label, call, url) => {
    const phone = nextUsPhone();
    const started = await startOn(app, phone);
    const saved = twilio.webhookUrl;
    twilio.webhookUrl = url(app, 'twilio');
    try {
      const answer = await twilio.placeCall({ from: phone, to: started.callTo, ...call });
      expect(answer.status).toBe(403);
    } finally {
      twilio.webhookUrl = saved;
    }
    expect((await rowOf(app, started.id)).status).toBe('pending');
  });

  it('refuses a call without full attestation when requireFullAttestation is on', async () => {
    const phone = nextUsPhone();
    const started = await startOn(strict, phone);
    const answer = await strictTwilio.placeCall({
      from: phone,
      to: started.callTo,
      stirVerstat: 'TN-Validation-Passed-C',
    });
    expect(answer.status).toBe(200);
    expect((await rowOf(strict, started.id)).status).toBe('pending');
    await strictTwilio.placeCall({ from: phone, to: started.callTo });
    expect((await rowOf(strict, started.id)).status).toBe('verified');
  });
});
