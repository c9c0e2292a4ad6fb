import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { type PhoneCallAuthOptions, SmsPrefixBlockedException } from 'nestjs-phone-call-auth';
import { ClientAddressService } from '../../lib/http/client-address.service.js';
import { resolvePhoneCallAuthOptions } from '../../lib/options/resolve-options.js';
import { RateLimitService } from '../../lib/rate-limit/rate-limit.service.js';
import type { PrefixOutcome, RateLimitStore } from '../../lib/rate-limit/rate-limit.store.js';
import { isSmsPrefix, smsPrefixOf } from '../../lib/rate-limit/sms-prefix.js';
import { PhoneCallAuthTelemetry } from '../../lib/telemetry/phone-call-auth.telemetry.js';

/*
 * The SMS fraud guard's decisions outside SQL: what a start does with the prefix's outcome of the
 * limits statement (the statement itself is tested on Postgres by fraud-guard.e2e-spec.ts), and the
 * prefix of a number.
 */

const PHONE = '+79670311122';
const DESTINATION = { prefix: '+7967', country: 'RU', callOffered: true };

function setUp(prefix: PrefixOutcome | undefined) {
  const options = resolvePhoneCallAuthOptions({
    providers: [{ name: 'fake', requestCall: async () => ({ callTo: '+78005553535' }), parseInboundCall: () => [] }],
    callbackSecret: 'c'.repeat(32),
    jwt: { secret: 's'.repeat(32) },
    // The call limits: the global budget only; the SMS limits: per phone. Neither needs the address.
    limits: {
      starts: { perPhone: false, perAddress: false, perNetwork: false, global: { limit: 100, windowSeconds: 60 } },
      sms: { perPhone: { limit: 3, windowSeconds: 3600 }, perAddress: false, global: false },
    },
  } as unknown as PhoneCallAuthOptions);
  const store = {
    count: jest.fn(async (p: Parameters<RateLimitStore['count']>[0]) => ({
      // Nothing is counted when the prefix was blocked before the statement.
      counted:
        p.prefix && prefix?.guard === 'blocked'
          ? []
          : [...p.counters, ...(p.global ? [p.global] : [])].map((counter) => ({
              key: counter.key,
              count: 1,
              retryAfter: 60,
              resetsAt: 'window-end',
            })),
      ...(p.prefix && prefix && { prefix }),
    })),
    refund: jest.fn(async () => undefined),
  };
  const telemetry = new PhoneCallAuthTelemetry();
  jest.spyOn(telemetry, 'prefixBlocked');
  jest.spyOn(telemetry, 'refused');
  const limits = new RateLimitService(
    options.limits,
    store as unknown as RateLimitStore,
    new ClientAddressService(options.texts),
    telemetry,
  );
  return { limits, store, telemetry, guard: options.limits.fraudGuard };
}

describe('the SMS fraud guard in a start', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it('refuses an sms start to a blocked prefix, spending no SMS allowance and giving the call allowance back', async () => {
    const t = setUp({ guard: 'blocked', prefix: '+7967', sent: 0, retryAfter: 1234, windowStart: null });
    const refused = t.limits.countStart(PHONE, 'sms', '203.0.113.1', {}, DESTINATION);
    await expect(refused).rejects.toBeInstanceOf(SmsPrefixBlockedException);
    await expect(refused).rejects.toMatchObject({ code: 'SMS_PREFIX_BLOCKED', retryAfterSeconds: 1234 });
    // The call limits' counter (the global budget) is given back; the SMS statement counted nothing.
    expect(t.store.refund).toHaveBeenCalledTimes(1);
    expect(t.store.refund).toHaveBeenCalledWith([{ key: 'global', resetsAt: 'window-end' }], undefined);
    expect(warnings).toEqual([]);
    expect(t.telemetry.refused).toHaveBeenCalledWith('sms_prefix_blocked');
    expect(t.telemetry.prefixBlocked).not.toHaveBeenCalled();
  });

  it('makes a call_or_sms start to a blocked prefix call-only, keeping its call allowance', async () => {
    const t = setUp({ guard: 'blocked', prefix: '+7967', sent: 0, retryAfter: 1234, windowStart: null });
    const allowance = await t.limits.countStart(PHONE, 'call_or_sms', '203.0.113.1', {}, DESTINATION);
    expect(allowance).toEqual({ counted: [{ key: 'global', resetsAt: 'window-end' }], callOnly: true });
    expect(t.store.refund).not.toHaveBeenCalled();
  });

  it('gives the counters back when a concurrent start blocked the prefix first, and refuses', async () => {
    const t = setUp(undefined);
    const refused = t.limits.consumeSms(PHONE, '203.0.113.1', {}, DESTINATION);
    await expect(refused).rejects.toMatchObject({ code: 'SMS_PREFIX_BLOCKED', retryAfterSeconds: 3600 });
    expect(t.store.refund).toHaveBeenCalledWith([{ key: expect.any(String), resetsAt: 'window-end' }], undefined);
  });

  it('sends the SMS that blocks the prefix, warns once with the prefix only, and keeps the prefix for a refund', async () => {
    const t = setUp({ guard: 'blocked_now', prefix: '+7967', sent: 30, retryAfter: 3600, windowStart: 'w' });
    const allowance = await t.limits.consumeSms(PHONE, '203.0.113.1', {}, DESTINATION);
    expect(allowance.prefix).toEqual({ prefix: '+7967', windowStart: 'w' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^SMS to \+7967… blocked for 3600 s by the fraud guard/);
    expect(warnings[0]).not.toContain('0311122');
    // The alarm metric, once, with the prefix only.
    expect(t.telemetry.prefixBlocked).toHaveBeenCalledTimes(1);
    expect(t.telemetry.prefixBlocked).toHaveBeenCalledWith('+7967');
    await t.limits.refund(allowance);
    expect(t.store.refund).toHaveBeenCalledWith(allowance.counted, { prefix: '+7967', windowStart: 'w' });
  });

  it('passes the guard to the statement only on an SMS send, and only when it is on', async () => {
    const t = setUp({ guard: 'counted', prefix: '+7967', sent: 3, retryAfter: 3600, windowStart: 'w' });
    await t.limits.countStart(PHONE, 'call', '203.0.113.1', {}, undefined);
    expect(t.store.count.mock.calls.map(([p]) => p.prefix)).toEqual([undefined]);
    await t.limits.countStart(PHONE, 'sms', '203.0.113.1', {}, DESTINATION);
    expect(t.store.count.mock.calls.at(-1)![0].prefix).toEqual({ prefix: '+7967', country: 'RU', guard: t.guard });
    expect(warnings).toEqual([]);
  });
});

describe('smsPrefixOf', () => {
  it.each([
    ['+7 967 031-11-22', 3, '+7967'],
    ['+1 212 555 0100', 3, '+1212'],
    ['+44 20 7946 0958', 4, '+442079'],
    ['+380 44 123 4567', 2, '+38044'],
  ])('%s with %i digits is %s', (number, digits, prefix) => {
    expect(smsPrefixOf(parsePhoneNumberWithError(number), digits)).toBe(prefix);
  });

  it('accepts only "+" and digits as an operator-named prefix, never a whole number', () => {
    expect(['+7967', '+44', '+1212555010', '+79670311'].every(isSmsPrefix)).toBe(true);
    const refused = ['7967', '+0967', '+7', '+79-67', "+7967' OR 1=1", '', '+79670311122', '+12125550100'];
    expect(refused.filter(isSmsPrefix)).toEqual([]);
  });
});
