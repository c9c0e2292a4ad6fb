import { FakeNewTelPlatform } from 'nestjs-phone-call-auth/testing';
import { nextPhone } from './support/phones.js';
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
    expect(wait.timeout).toBe(120);
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
});
