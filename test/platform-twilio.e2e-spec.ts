import { FakeTwilioPlatform } from 'nestjs-phone-call-auth/testing';
import { INBOUND_CALL_TABLE, VERIFICATION_TABLE } from './support/tables.js';
import { bootWithProviders, providerCallbackUrl, redeemAndOpenMe, rowOf, startOn } from './support/platforms.js';
import { TEST_CALLBACK_SECRET, type TestApp, useTestDatabase } from './support/test-app.js';

/* Twilio Programmable Voice: the app's pool, the signed inbound-call webhook, <Reject reason="busy"/>, StirVerstat. */

const db = useTestDatabase();
let twilio: FakeTwilioPlatform;
let app: TestApp;
let strict: TestApp;
let strictTwilio: FakeTwilioPlatform;
/** Behind https on port 8443 (Twilio signs the URL without the port), with a SharedKey too. */
let proxied: TestApp;
let proxiedTwilio: FakeTwilioPlatform;
/** Created with rawBody: true, one pool number. */
let raw: TestApp;
let rawTwilio: FakeTwilioPlatform;
const PUBLIC_BASE_URL = 'https://voice.example.com:8443';
const SHARED_KEY_SECRET = 'shared-key-secret-0123456789';
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
  proxiedTwilio = await FakeTwilioPlatform.start({ authToken: 'proxied-token' });
  proxied = await bootWithProviders(db, {
    providers: [proxiedTwilio.provider({ sharedKeySecrets: [SHARED_KEY_SECRET] })],
    defaultCountry: 'US',
    publicBaseUrl: PUBLIC_BASE_URL,
  });
  proxiedTwilio.webhookUrl = providerCallbackUrl(proxied, 'twilio');
  proxiedTwilio.publicWebhookUrl = providerCallbackUrl(proxied, 'twilio').replace(proxied.baseUrl, PUBLIC_BASE_URL);
  rawTwilio = await FakeTwilioPlatform.start({ authToken: 'raw-token', numbers: ['+12025550109'] });
  raw = await bootWithProviders(db, { providers: [rawTwilio.provider()], defaultCountry: 'US' }, { rawBody: true });
  rawTwilio.webhookUrl = providerCallbackUrl(raw, 'twilio');
}, 60_000); // boots fakes and apps: slow on busy cores
afterAll(async () => {
  await twilio.close();
  await strictTwilio.close();
  await proxiedTwilio.close();
  await rawTwilio.close();
});

describe('the Twilio Voice provider', () => {
  it('runs the flow: a pool number, the signed webhook answered with a busy signal, a token, /me', async () => {
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
      // reason="busy": the person hears the busy signal they were told of, not "this number is not in service".
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>',
    });
    expect(await rowOf(app, started.id)).toEqual({ status: 'verified', provider: 'twilio' });
    const [record] = await app.dataSource.query(
      `SELECT attestation, outcome FROM ${INBOUND_CALL_TABLE} WHERE verification_id = $1`,
      [started.id],
    );
    expect(record).toEqual({ attestation: 'TN-Validation-Passed-A', outcome: 'matched' });
    await redeemAndOpenMe(app, started, phone);
  });

  it('gives a second start for the same phone another pool number, and a third a 429 until one is free', async () => {
    const phone = nextUsPhone();
    const first = await startOn(app, phone);
    const second = await startOn(app, phone);
    expect(second.callTo).not.toBe(first.callTo);
    // Both pool numbers are now live for this phone: a third start finds none free. Not the
    // platform's failure (502): the client is told when the first number is free again.
    const third = await app.request('POST', '/auth/phone-call/verifications', { phone }, { 'accept-language': 'en' });
    expect(third.status).toBe(429);
    const retryAfter = Number(third.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(first.expiresIn - 5);
    expect(retryAfter).toBeLessThanOrEqual(first.expiresIn + 1);
    expect(third.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'NUMBERS_BUSY',
      retryAfter,
      message:
        'Every number we can give you to call is still waiting for an earlier call from +1 202 555 ' +
        `${phone.slice(-4)}. Try again in ${retryAfter} seconds.`,
    });
    const russian = await app.request('POST', '/auth/phone-call/verifications', { phone, locale: 'ru' });
    expect(russian.body.message).toMatch(/^Все номера, на которые можно позвонить, ещё ждут/);
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

  describe('filled for a phone by a stranger', () => {
    const stranger = (n: number) => ({ 'x-forwarded-for': `198.51.100.${n}` });
    const person = { 'x-forwarded-for': '203.0.113.10' };
    let limited: TestApp;
    let pool: FakeTwilioPlatform;
    beforeAll(async () => {
      pool = await FakeTwilioPlatform.start();
      // One start per phone and address: a start that is not given back leaves the person none.
      limited = await bootWithProviders(
        db,
        {
          providers: [pool.provider()],
          defaultCountry: 'US',
          limits: {
            starts: { perPhone: { limit: 1, windowSeconds: 600 }, perAddress: false, perNetwork: false, global: false },
          },
        },
        { trustProxy: true },
      );
      pool.webhookUrl = providerCallbackUrl(limited, 'twilio');
    }, 30_000);
    afterAll(() => pool.close());
    const start = (phone: string, headers: Record<string, string>) =>
      limited.request('POST', '/auth/phone-call/verifications', { phone }, headers);

    it("answers the person's own start 429 until the first number is free, gives it back, then serves it", async () => {
      const phone = nextUsPhone();
      const first = await start(phone, stranger(1));
      expect((await start(phone, stranger(2))).status).toBe(201);
      const refused = await start(phone, person);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(first.body.expiresIn + 1);

      // The stranger's first window ends (moved on the database clock rather than waited for).
      await limited.dataSource.query(`UPDATE ${VERIFICATION_TABLE} SET expires_at = now() WHERE id = $1`, [
        first.body.id,
      ]);
      const mine = await start(phone, person);
      expect(mine.status).toBe(201);
      expect(mine.body.callTo).toBe(first.body.callTo);
      await pool.placeCall({ from: phone, to: mine.body.callTo });
      expect((await rowOf(limited, mine.body.id)).status).toBe('verified');
    });

    it("never hands the number the person was given to a stranger's newer start", async () => {
      const phone = nextUsPhone();
      const mine = await start(phone, person);
      expect(mine.status).toBe(201);
      // A stranger supersedes it with the other number, then asks again: no number is free.
      const theirs = await start(phone, stranger(3));
      expect(theirs.status).toBe(201);
      expect((await start(phone, stranger(4))).status).toBe(429);
      // The person, still dialing the number they were shown, verifies none of the stranger's.
      await pool.placeCall({ from: phone, to: mine.body.callTo });
      expect(await rowOf(limited, theirs.body.id)).toEqual({ status: 'pending', provider: 'twilio' });
      expect((await rowOf(limited, mine.body.id)).status).toBe('canceled');
    });
  });

  it.each([
    ['a wrong signature', { signWith: 'not-the-auth-token' }, providerCallbackUrl],
    ['a wrong path secret', {}, (a: TestApp) => providerCallbackUrl(a, 'twilio', `${TEST_CALLBACK_SECRET}x`)],
  ])(
    'refuses %s, answered with a busy Reject (no error played to the caller), and changes nothing',
    async (_label, call, url) => {
      const phone = nextUsPhone();
      const started = await startOn(app, phone);
      const saved = twilio.webhookUrl;
      twilio.webhookUrl = url(app, 'twilio');
      try {
        const answer = await twilio.placeCall({ from: phone, to: started.callTo, ...call });
        expect(answer).toMatchObject({ status: 200, body: expect.stringContaining('<Reject reason="busy"/>') });
      } finally {
        twilio.webhookUrl = saved;
      }
      expect((await rowOf(app, started.id)).status).toBe('pending');
    },
  );

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

  it('takes a fully attested call that was diverted on its way (TN-Validation-Passed-A-Diverted) as full', async () => {
    const phone = nextUsPhone();
    const started = await startOn(strict, phone);
    await strictTwilio.placeCall({ from: phone, to: started.callTo, stirVerstat: 'TN-Validation-Passed-A-Diverted' });
    expect((await rowOf(strict, started.id)).status).toBe('verified');
  });

  it('accepts the webhook Twilio signs over the public https URL without its port (8443)', async () => {
    const phone = nextUsPhone();
    const started = await startOn(proxied, phone);
    const answer = await proxiedTwilio.placeCall({ from: phone, to: started.callTo });
    expect(answer.status).toBe(200);
    expect(await rowOf(proxied, started.id)).toEqual({ status: 'verified', provider: 'twilio' });
    await redeemAndOpenMe(proxied, started, phone);
  });

  it('accepts a webhook signed with a SharedKey (X-Twilio-Webhooks-Signature-Settings, HMAC-SHA256)', async () => {
    const phone = nextUsPhone();
    const started = await startOn(proxied, phone);
    const forged = await proxiedTwilio.placeCall({
      from: phone,
      to: started.callTo,
      sharedKey: { secret: 'not-the-shared-key-secret' },
    });
    expect(forged).toMatchObject({ status: 200, body: expect.stringContaining('<Reject reason="busy"/>') });
    expect((await rowOf(proxied, started.id)).status).toBe('pending');
    const answer = await proxiedTwilio.placeCall({
      from: phone,
      to: started.callTo,
      sharedKey: { secret: SHARED_KEY_SECRET },
    });
    expect(answer.status).toBe(200);
    expect((await rowOf(proxied, started.id)).status).toBe('verified');
  });

  it('refuses a webhook signed with a SharedKey when no SharedKey secret is configured', async () => {
    const phone = nextUsPhone();
    const started = await startOn(app, phone);
    const answer = await twilio.placeCall({
      from: phone,
      to: started.callTo,
      sharedKey: { secret: SHARED_KEY_SECRET },
    });
    expect(answer).toMatchObject({ status: 200, body: expect.stringContaining('<Reject reason="busy"/>') });
    expect((await rowOf(app, started.id)).status).toBe('pending');
  });

  // Found by an attacker: with rawBody: true the signature was checked over the raw body (where the
  // last CallSid wins) and the call read from the framework's parse (where CallSid became an array,
  // so no call id): a captured webhook replayed with its CallSid repeated verified a new verification.
  it('refuses a captured webhook replayed with its CallSid repeated: a new verification of the phone stays pending', async () => {
    const phone = nextUsPhone();
    const first = await startOn(raw, phone);
    const captured = rawTwilio.webhook({ from: phone, to: first.callTo });
    expect((await rawTwilio.send(captured)).status).toBe(200);
    expect((await rowOf(raw, first.id)).status).toBe('verified');
    const second = await startOn(raw, phone);
    expect(second.callTo).toBe(first.callTo);
    // The webhook as it was: a duplicate of a call already recorded.
    expect((await rawTwilio.send(captured)).status).toBe(200);
    const repeated = { ...captured, body: `${captured.body}&CallSid=${encodeURIComponent(captured.fields.CallSid)}` };
    expect(await rawTwilio.send(repeated)).toMatchObject({
      status: 200,
      body: expect.stringContaining('reason="busy"'),
    });
    expect((await rowOf(raw, second.id)).status).toBe('pending');
  });

  it('reads the genuine webhook from the raw body (rawBody: true)', async () => {
    const phone = nextUsPhone();
    const started = await startOn(raw, phone);
    expect((await rawTwilio.placeCall({ from: phone, to: started.callTo })).status).toBe(200);
    expect((await rowOf(raw, started.id)).status).toBe('verified');
  });
});
