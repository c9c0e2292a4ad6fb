import { FakeNewTelPlatform } from 'nestjs-phone-call-auth/testing';
import { CapturingLogger } from './support/capturing-logger.js';
import { nextPhone } from './support/phones.js';
import { INBOUND_CALL_TABLE } from './support/tables.js';
import { bootWithProviders, providerCallbackUrl, redeemAndOpenMe, rowOf, startOn } from './support/platforms.js';
import { TEST_CALLBACK_SECRET, type TestApp, useTestDatabase } from './support/test-app.js';

/* New-Tel Call Password ID: the signed start, the per-request callbackLink, the JSON webhook. */

const db = useTestDatabase();
let newTel: FakeNewTelPlatform;
let app: TestApp;
let guarded: TestApp;

beforeAll(async () => {
  newTel = await FakeNewTelPlatform.start();
  app = await bootWithProviders(db, { providers: [newTel.provider()] });
  guarded = await bootWithProviders(db, { providers: [newTel.provider()], callbackAllowlist: ['203.0.113.0/24'] });
}, 30_000); // boots fakes and apps: slow on busy cores
afterAll(() => newTel.close());

describe('the New-Tel provider', () => {
  it('runs the flow: a signed start with its callbackLink, the webhook, a token, /me', async () => {
    const phone = nextPhone();
    const started = await startOn(app, phone);
    const wait = newTel.waitFor(phone)!;
    expect(started.callTo).toBe(`+${wait.confirmationNumber}`);
    expect(wait.callbackLink).toBe(providerCallbackUrl(app, 'newtel'));
    // New-Tel waits 10 s beyond the window (its most, 120 s): a post it might send when the wait
    // ends without a call comes after the window and can verify nothing.
    expect(wait.timeout).toBe(120);
    expect(started.expiresIn).toBeLessThanOrEqual(110);
    expect(await newTel.placeCall({ from: phone })).toEqual({
      status: 200,
      body: 'OK',
      contentType: expect.stringMatching(/^text\/plain/),
    });
    expect(await rowOf(app, started.id)).toEqual({ status: 'verified', provider: 'newtel' });
    await redeemAndOpenMe(app, started, phone);
  });

  it('is refused (502) by the platform when the signature is wrong', async () => {
    const forged = await bootWithProviders(db, { providers: [newTel.provider({ signatureKey: 'wrong' })] });
    const response = await forged.request('POST', '/auth/phone-call/verifications', { phone: nextPhone() });
    expect(response.status).toBe(502);
  });

  it.each([
    ['a wrong path secret', () => app, (a: TestApp) => providerCallbackUrl(a, 'newtel', `${TEST_CALLBACK_SECRET}x`)],
    ['an address outside the allowlist', () => guarded, (a: TestApp) => providerCallbackUrl(a, 'newtel')],
  ])('refuses %s with 403 and changes nothing', async (_label, target, url) => {
    const phone = nextPhone();
    const started = await startOn(target(), phone);
    const answer = await newTel.placeCall({ from: phone, callbackLink: url(target()) });
    expect(answer.status).toBe(403);
    expect((await rowOf(target(), started.id)).status).toBe('pending');
  });

  // 84951230078 is Moscow's +7 495 123-00-78 written nationally; read as international it would be Vietnam.
  it('reads a clientNumber written nationally (8 495...) as the Moscow number it is: verified', async () => {
    const phone = '+74951230078';
    const started = await startOn(app, phone);
    expect((await newTel.placeCall({ from: phone, clientNumber: '84951230078' })).status).toBe(200);
    expect((await rowOf(app, started.id)).status).toBe('verified');
  });

  // docs/platforms.md: a post whose clientNumber is another number verifies nothing; one whose
  // clientNumber is no number at all did verify, by callId alone.
  it.each([['anonymous'], [''], ['12345'], [{ number: 1 }]])(
    'verifies nothing when clientNumber is %j, and records no_caller_id',
    async (clientNumber) => {
      const phone = nextPhone();
      const started = await startOn(app, phone);
      expect(await newTel.placeCall({ from: phone, clientNumber })).toMatchObject({ status: 200, body: 'OK' });
      expect((await rowOf(app, started.id)).status).toBe('pending');
      const records = await app.dataSource.query(
        `SELECT outcome, caller FROM ${INBOUND_CALL_TABLE} WHERE wait_id = $1`,
        [newTel.waitFor(phone)!.callId],
      );
      expect(records).toEqual([{ outcome: 'no_caller_id', caller: null }]);
    },
  );

  it('logs the names of webhook fields it does not know, never their values, and verifies nothing without a known callId', async () => {
    // Booted last: Nest's static logger is the most recently created app's.
    const logger = new CapturingLogger();
    const logged = await bootWithProviders(db, { providers: [newTel.provider()] }, { logger });
    const phone = nextPhone();
    const started = await startOn(logged, phone);
    const post = async (body: unknown) => {
      const response = await fetch(providerCallbackUrl(logged, 'newtel'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
    };
    await post({ id: 'nt-x', callerNumber: phone.slice(1) });
    await post({ callId: 'nt-unknown', clientNumber: phone.slice(1), callStatus: 'no-answer-7', extra: { a: 1 } });
    await post(['not', 'an', 'object']);
    expect((await rowOf(logged, started.id)).status).toBe('pending');
    const text = logger.text;
    expect(text).toContain('New-Tel webhook without callId, with fields "id", "callerNumber": ignored');
    expect(text).toContain('New-Tel webhook with fields the adapter does not know: "callStatus", "extra"');
    expect(text).toContain('New-Tel webhook body is not a JSON object');
    expect(text).not.toContain(phone.slice(1));
    expect(text).not.toContain('no-answer-7');
  });
});
