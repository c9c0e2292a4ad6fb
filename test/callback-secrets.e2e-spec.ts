import { PhoneCallAuthCallbacks, deriveCallbackSecret } from 'nestjs-phone-call-auth';
import {
  FakeNewTelPlatform,
  FakeSmsRuPlatform,
  FakeTwilioPlatform,
  type FakeSsmsPlatform,
} from 'nestjs-phone-call-auth/testing';
import { nextPhone } from './support/phones.js';
import { bootWithProviders, providerCallbackUrl, redeemAndOpenMe, rowOf, startOn } from './support/platforms.js';
import { PREFIX, TEST_CALLBACK_SECRET, type TestApp, useTestDatabase } from './support/test-app.js';

/*
 * A secret per platform: what one platform is told (New-Tel gets its callback URL with every start)
 * opens no other platform's path, and the app's callbackSecret opens SSMS's alone.
 */

const db = useTestDatabase();
let ssms: FakeSsmsPlatform;
let smsRu: FakeSmsRuPlatform;
let newTel: FakeNewTelPlatform;
let twilio: FakeTwilioPlatform;
let app: TestApp;
/** The secret New-Tel learns from the callbackLink of a start it served. */
let newTelSecret: string;

beforeAll(async () => {
  ssms = await db.startPlatform();
  smsRu = await FakeSmsRuPlatform.start();
  newTel = await FakeNewTelPlatform.start();
  twilio = await FakeTwilioPlatform.start();
  app = await bootWithProviders(db, {
    providers: [ssms.provider({ timeoutMs: 1000 }), smsRu.provider(), newTel.provider(), twilio.provider()],
    routing: { byCountry: { RU: ['ssms', 'newtel'] }, default: ['twilio'] },
  });
  ssms.callbackUrl = providerCallbackUrl(app, 'ssms');
  smsRu.callbackUrl = providerCallbackUrl(app, 'sms-ru');
  twilio.webhookUrl = providerCallbackUrl(app, 'twilio');
  // A start that SSMS refuses goes to New-Tel, which is sent its callback URL.
  ssms.failNext('2', 'Неверный ключ');
  const phone = nextPhone();
  await startOn(app, phone);
  const link = new URL(newTel.waitFor(phone)!.callbackLink!);
  newTelSecret = link.pathname.split('/').pop()!;
}, 30_000); // boots fakes and apps: slow on busy cores
afterAll(async () => {
  await smsRu.close();
  await newTel.close();
  await twilio.close();
});

/** An SSMS-style report of a call from `phone` to what its verification handed out, to `path`. */
async function ssmsReport(path: string, phone: string) {
  const wait = ssms.waitFor(phone)!;
  const query = new URLSearchParams({ phone: phone.slice(1), call_to_number: wait.callTo, id_call: wait.idCall });
  const response = await fetch(`${app.baseUrl}${PREFIX}/callback/${path}?${query}`);
  return response.status;
}

describe('a callback secret per platform', () => {
  it("gives New-Tel a secret of its own, neither the app's callbackSecret nor another platform's", () => {
    const urls = app.app.get(PhoneCallAuthCallbacks).urls();
    expect(newTelSecret).toBe(deriveCallbackSecret(TEST_CALLBACK_SECRET, 'newtel'));
    expect(urls.find((each) => each.provider === 'newtel')!.path).toBe(`${PREFIX}/callback/newtel/${newTelSecret}`);
    const secrets = urls.map((each) => each.path.split('/').pop());
    expect(new Set(secrets).size).toBe(4);
    expect(secrets).toContain(TEST_CALLBACK_SECRET);
    expect(urls.find((each) => each.provider === 'ssms')!.unnamedPath).toBe(
      `${PREFIX}/callback/${TEST_CALLBACK_SECRET}`,
    );
  });

  it.each([
    ['the SSMS path', () => `ssms/${newTelSecret}`, 403],
    ['the unnamed (SSMS) path', () => newTelSecret, 403],
    // Refused too, but answered as those platforms need (sms.ru `100`, Twilio a busy Reject).
    ['the sms.ru path', () => `sms-ru/${newTelSecret}`, 200],
    ['the Twilio path', () => `twilio/${newTelSecret}`, 200],
  ])("refuses New-Tel's secret on %s: the victim's verification stays pending", async (_label, path, status) => {
    const victim = nextPhone();
    const started = await startOn(app, victim);
    expect((await rowOf(app, started.id)).provider).toBe('ssms');
    expect(await ssmsReport(path(), victim)).toBe(status);
    expect((await rowOf(app, started.id)).status).toBe('pending');
    const token = await app.request('POST', `${PREFIX}/verifications/${started.id}/token`, { secret: started.secret });
    expect(token.status).toBe(202);
  });

  it("refuses the app's callbackSecret on New-Tel's path: a victim's New-Tel wait stays pending", async () => {
    ssms.failNext('2', 'Неверный ключ');
    const victim = nextPhone();
    const started = await startOn(app, victim);
    expect((await rowOf(app, started.id)).provider).toBe('newtel');
    const forged = await newTel.placeCall({
      from: victim,
      callbackLink: `${app.baseUrl}${PREFIX}/callback/newtel/${TEST_CALLBACK_SECRET}`,
    });
    expect(forged.status).toBe(403);
    expect((await rowOf(app, started.id)).status).toBe('pending');
    expect((await newTel.placeCall({ from: victim })).status).toBe(200);
    await redeemAndOpenMe(app, started, victim);
  });

  it('keeps the SSMS URL of old (callbackSecret on the unnamed path) working for SSMS', async () => {
    const phone = nextPhone();
    const started = await startOn(app, phone);
    expect(await ssmsReport(TEST_CALLBACK_SECRET, phone)).toBe(200);
    await redeemAndOpenMe(app, started, phone);
  });

  it("verifies through each platform's own URL", async () => {
    const ru = nextPhone();
    const ruStarted = await startOn(app, ru);
    expect(await ssmsReport(`ssms/${TEST_CALLBACK_SECRET}`, ru)).toBe(200);
    await redeemAndOpenMe(app, ruStarted, ru);

    const us = '+12025553011';
    const usStarted = await startOn(app, us);
    await twilio.placeCall({ from: us, to: usStarted.callTo });
    await redeemAndOpenMe(app, usStarted, us);
  });
});
