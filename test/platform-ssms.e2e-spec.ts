import { nextPhone } from './support/phones.js';
import { providerCallbackUrl, redeemAndOpenMe, rowOf, startOn } from './support/platforms.js';
import { TEST_CALLBACK_SECRET, type TestApp, useTestDatabase } from './support/test-app.js';
import type { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';

/* SSMS through the named path /callback/ssms/<secret>, and its path of old /callback/<secret>. */

const db = useTestDatabase();
let ssms: FakeSsmsPlatform;
let app: TestApp;
let guarded: TestApp;

beforeAll(async () => {
  ssms = await db.startPlatform();
  app = await db.boot(ssms);
  guarded = await db.boot(ssms, { options: { callbackAllowlist: ['203.0.113.0/24'] } });
}, 30_000); // boots fakes and apps: slow on busy cores

describe('the SSMS provider', () => {
  it.each(['named', 'old'])('runs the flow on the %s callback path', async (path) => {
    const phone = nextPhone();
    const started = await startOn(app, phone);
    ssms.callbackUrl = path === 'named' ? providerCallbackUrl(app, 'ssms') : app.callbackUrl;
    expect(await ssms.placeCall({ from: phone.slice(1) })).toEqual({ status: 200, body: 'OK' });
    expect(await rowOf(app, started.id)).toEqual({ status: 'verified', provider: 'ssms' });
    await redeemAndOpenMe(app, started, phone);
  });

  // 84951230077 is Moscow's +7 495 123-00-77 written nationally; read as international it would be Vietnam.
  it('reads a caller written nationally (8 495...) as the Moscow number it is: verified', async () => {
    const phone = '+74951230077';
    const started = await startOn(app, phone);
    const wait = ssms.waitFor(phone)!;
    ssms.callbackUrl = providerCallbackUrl(app, 'ssms');
    const call = { from: '84951230077', to: wait.callTo, params: { id_call: wait.idCall } };
    expect(await ssms.placeCall(call)).toEqual({ status: 200, body: 'OK' });
    expect((await rowOf(app, started.id)).status).toBe('verified');
  });

  it.each([
    ['a wrong path secret', () => app, (a: TestApp) => providerCallbackUrl(a, 'ssms', `${TEST_CALLBACK_SECRET}x`)],
    ['an unknown provider', () => app, (a: TestApp) => providerCallbackUrl(a, 'nope', TEST_CALLBACK_SECRET)],
    ['an address outside the allowlist', () => guarded, (a: TestApp) => providerCallbackUrl(a, 'ssms')],
  ])('refuses %s with 403 and changes nothing', async (_label, target, url) => {
    const phone = nextPhone();
    const started = await startOn(target(), phone);
    ssms.callbackUrl = url(target());
    expect((await ssms.placeCall({ from: phone.slice(1) })).status).toBe(403);
    expect((await rowOf(target(), started.id)).status).toBe('pending');
  });
});
