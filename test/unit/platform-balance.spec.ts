import { PlatformBalanceHealthIndicator, type TelephonyProvider } from 'nestjs-phone-call-auth';
import { FakeSmsRuPlatform } from 'nestjs-phone-call-auth/testing';
import { resolvePhoneCallAuthOptions } from '../../lib/options/resolve-options.js';

/* The balance indicator against the fake sms.ru's my/balance, over HTTP. */

let smsRu: FakeSmsRuPlatform;
beforeAll(async () => {
  smsRu = await FakeSmsRuPlatform.start({ balance: 42.5 });
});
afterAll(() => smsRu.close());

const indicatorFor = (providers: TelephonyProvider[]) =>
  new PlatformBalanceHealthIndicator(
    resolvePhoneCallAuthOptions({
      providers,
      callbackSecret: 'x'.repeat(32),
      jwt: { secret: 'test-jwt-secret-of-at-least-32-bytes-0123456789' },
    }).platforms.providers,
  );

describe('PlatformBalanceHealthIndicator', () => {
  it('is up at or above the threshold and down below it, with each balance', async () => {
    const indicator = indicatorFor([smsRu.provider()]);
    expect(await indicator.check('telephony', { 'sms-ru': 40 })).toEqual({
      telephony: { status: 'up', platforms: { 'sms-ru': { balance: 42.5, threshold: 40, state: 'ok' } } },
    });
    expect((await indicator.check('telephony', { 'sms-ru': 50 })).telephony).toEqual({
      status: 'down',
      platforms: { 'sms-ru': { balance: 42.5, threshold: 50, state: 'low' } },
    });
  });

  it('reports an unreachable platform as unknown without failing the check', async () => {
    const indicator = indicatorFor([smsRu.provider({ baseUrl: 'http://127.0.0.1:1/', timeoutMs: 500 })]);
    expect((await indicator.check())['telephony-balance']).toEqual({
      status: 'up',
      platforms: { 'sms-ru': { state: 'unknown' } },
    });
  });
});
