import { FakeSmsRuPlatform, FakeTwilioPlatform, type FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { nextPhone } from './support/phones.js';
import { bootWithProviders, providerCallbackUrl, redeemAndOpenMe, rowOf, startOn } from './support/platforms.js';
import { type TestApp, useTestDatabase } from './support/test-app.js';

/* Several providers at once: by the phone's country, in order of preference, failing over on 502/504. */

const db = useTestDatabase();
let ssms: FakeSsmsPlatform;
let smsRu: FakeSmsRuPlatform;
let twilio: FakeTwilioPlatform;
let app: TestApp;

beforeAll(async () => {
  ssms = await db.startPlatform();
  smsRu = await FakeSmsRuPlatform.start();
  twilio = await FakeTwilioPlatform.start();
  app = await bootWithProviders(db, {
    providers: [ssms.provider({ timeoutMs: 1000 }), smsRu.provider({ timeoutMs: 1000 }), twilio.provider()],
    routing: { byCountry: { RU: ['ssms', 'sms-ru'] }, default: ['twilio'] },
  });
  ssms.callbackUrl = providerCallbackUrl(app, 'ssms');
  smsRu.callbackUrl = providerCallbackUrl(app, 'sms-ru');
  twilio.webhookUrl = providerCallbackUrl(app, 'twilio');
}, 30_000); // boots fakes and apps: slow on busy cores
afterAll(async () => {
  await smsRu.close();
  await twilio.close();
});

describe('routing and failover', () => {
  it('sends a +7 number to SSMS and a +1 number to Twilio, each verified through its own callback', async () => {
    const ru = nextPhone();
    const ruStarted = await startOn(app, ru);
    expect((await rowOf(app, ruStarted.id)).provider).toBe('ssms');
    await ssms.placeCall({ from: ru.slice(1) });
    await redeemAndOpenMe(app, ruStarted, ru);

    const us = '+12025553001';
    const usStarted = await startOn(app, us);
    expect((await rowOf(app, usStarted.id)).provider).toBe('twilio');
    await twilio.placeCall({ from: us, to: usStarted.callTo });
    await redeemAndOpenMe(app, usStarted, us);
  });

  it.each([
    ['refuses (502)', () => ssms.failNext('2', 'Неверный ключ')],
    ['answers garbage (502)', () => ssms.respondNextWith(502, '<html>Bad gateway</html>')],
    ['does not answer in time (504)', () => ssms.stallNext()],
  ])('moves to the next provider when the first %s, and the verification remembers it', async (_label, fail) => {
    fail();
    const phone = nextPhone();
    const started = await startOn(app, phone);
    expect((await rowOf(app, started.id)).provider).toBe('sms-ru');
    expect(started.callTo).toBe(`+${smsRu.checkFor(phone)!.callPhone}`);
    await smsRu.placeCall({ from: phone });
    await redeemAndOpenMe(app, started, phone);
  });

  it('answers the last provider error when every provider fails', async () => {
    ssms.failNext('2', 'Неверный ключ');
    smsRu.failNext();
    const response = await app.request('POST', '/auth/phone-call/verifications', { phone: nextPhone() });
    expect(response.status).toBe(502);
  });
});
