import { jest } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import {
  PhoneRefusedException,
  TelephonyPlatformException,
  TelephonyTimeoutException,
  type CallRequest,
  type CodeRequest,
  type PhoneCallAuthOptions,
  type TelephonyProvider,
} from 'nestjs-phone-call-auth';
import type { TokenService } from '../../lib/auth/token.service.js';
import { sha256 } from '../../lib/core/sha256.js';
import { resolvePhoneCallAuthOptions } from '../../lib/options/resolve-options.js';
import type { RateLimitService } from '../../lib/rate-limit/rate-limit.service.js';
import { PhoneCallAuthTelemetry } from '../../lib/telemetry/phone-call-auth.telemetry.js';
import { CancelService } from '../../lib/verification/cancel.service.js';
import { CodeCheckService } from '../../lib/verification/code-check.service.js';
import { InboundCallService } from '../../lib/verification/inbound-call.service.js';
import { RedeemService } from '../../lib/verification/redeem.service.js';
import { codeHash } from '../../lib/verification/sms-code.js';
import { StartVerificationService } from '../../lib/verification/start-verification.service.js';
import { RefusalTally } from '../../lib/ops/refusal-tally.service.js';
import { InMemoryInboundCallStore, InMemoryOpsEventStore, InMemoryVerificationStore } from './support/fake-stores.js';

/*
 * The use cases of lib/verification/ against in-memory stores: the orchestration (which provider,
 * what is given back, what each answer means), without a database. The statements themselves are
 * tested on Postgres by the e2e suite.
 */

const PHONE = '+79670311122';

/** A provider whose answers each test sets. */
function provider(name: string, channels: ('call' | 'sms' | 'call_or_sms')[] = ['call']) {
  let counter = 0;
  const fake = {
    name,
    channels,
    requestCall: jest.fn(async (_request: CallRequest) => ({ callTo: '+78005553535', waitId: `${name}-${++counter}` })),
    sendCode: jest.fn(async (_request: CodeRequest) => ({ waitId: `${name}-sms-${++counter}` })),
    parseInboundCall: () => [],
  };
  return fake satisfies TelephonyProvider;
}

function setUp(overrides: Partial<PhoneCallAuthOptions> = {}, providers = [provider('alpha'), provider('beta')]) {
  const options = resolvePhoneCallAuthOptions({
    providers,
    callbackSecret: 'c'.repeat(32),
    jwt: { secret: 's'.repeat(32) },
    ...overrides,
  } as PhoneCallAuthOptions);
  const store = new InMemoryVerificationStore();
  const events = new InMemoryOpsEventStore();
  const refusals = new RefusalTally(options.limits, events);
  const calls = new InMemoryInboundCallStore(store);
  const rateLimits = {
    countStart: jest.fn(async () => ({ counted: [{ key: 'k', resetsAt: 'r' }] })),
    giveBack: jest.fn(async () => undefined),
  };
  const tokens = {
    signAccessToken: jest.fn(async (phone: string) => ({
      accessToken: `token-of-${phone}`,
      tokenType: 'Bearer' as const,
      expiresIn: 900,
    })),
  };
  // No OpenTelemetry SDK here: every instrument is the API's no-op.
  const telemetry = new PhoneCallAuthTelemetry();
  return {
    providers,
    store,
    events,
    refusals,
    calls,
    rateLimits,
    tokens,
    start: new StartVerificationService(
      options.platforms,
      options.verification,
      options.texts,
      options.limits,
      store,
      rateLimits as unknown as RateLimitService,
      telemetry,
      events,
      refusals,
    ),
    inbound: new InboundCallService(options.verification, options.hooks, calls, store, telemetry),
    codes: new CodeCheckService(options.verification, options.limits, store, telemetry),
    redeem: new RedeemService(options.jwt, options.hooks, store, tokens as unknown as TokenService, telemetry),
    cancel: new CancelService(store),
  };
}

describe('StartVerificationService', () => {
  it('records a pending verification on the first provider, counted once', async () => {
    const t = setUp();
    const started = await t.start.start(PHONE, { ip: '203.0.113.1' });
    expect(started).toMatchObject({ channel: 'call', callTo: '+78005553535', locale: 'ru' });
    expect(t.store.rows.get(started.id)).toMatchObject({
      provider: 'alpha',
      status: 'pending',
      secretHash: sha256(started.secret),
    });
    expect(t.rateLimits.countStart).toHaveBeenCalledWith(PHONE, 'call', '203.0.113.1', expect.anything(), undefined);
    expect(t.providers[1].requestCall).not.toHaveBeenCalled();
  });

  it.each([
    ['a platform failure (502)', new TelephonyPlatformException('alpha', 'down')],
    ['a timeout (504)', new TelephonyTimeoutException('alpha', 10_000)],
    ['an adapter that throws anything else', new Error('bug')],
  ])('moves on to the next provider on %s', async (_, error) => {
    const t = setUp();
    t.providers[0].requestCall.mockRejectedValueOnce(error);
    const started = await t.start.start(PHONE);
    expect(t.store.rows.get(started.id)?.provider).toBe('beta');
    expect(t.rateLimits.giveBack).not.toHaveBeenCalled();
    // Both answers are recorded with the start, timed, the number reduced to its prefix.
    expect(t.store.rows.get(started.id)?.events).toEqual([
      expect.objectContaining({
        provider: 'alpha',
        outcome: error instanceof TelephonyTimeoutException ? 'timeout' : 'failed',
      }),
      expect.objectContaining({
        provider: 'beta',
        outcome: 'ok',
        verificationId: started.id,
        prefix: '+7967',
        country: 'RU',
      }),
    ]);
  });

  it('answers the last failure when every provider fails, records nothing and gives the start back', async () => {
    const t = setUp();
    for (const each of t.providers)
      each.requestCall.mockRejectedValueOnce(new TelephonyPlatformException(each.name, 'down'));
    await expect(t.start.start(PHONE)).rejects.toBeInstanceOf(TelephonyPlatformException);
    expect(t.store.rows.size).toBe(0);
    expect(t.rateLimits.giveBack).toHaveBeenCalledWith({ counted: [{ key: 'k', resetsAt: 'r' }] });
    expect(t.events.rows.map(({ provider, outcome, verificationId }) => [provider, outcome, verificationId])).toEqual([
      ['alpha', 'failed', null],
      ['beta', 'failed', null],
    ]);
  });

  it('does not move on for a client mistake the provider reports', async () => {
    const t = setUp();
    t.providers[0].requestCall.mockRejectedValueOnce(new BadRequestException('no'));
    await expect(t.start.start(PHONE)).rejects.toBeInstanceOf(BadRequestException);
    expect(t.providers[1].requestCall).not.toHaveBeenCalled();
  });

  it('refuses a number that is not valid before anything is counted', async () => {
    const t = setUp();
    await expect(t.start.start('12')).rejects.toMatchObject({ code: 'INVALID_PHONE' });
    await expect(t.start.start('12')).rejects.toBeInstanceOf(PhoneRefusedException);
    expect(t.rateLimits.countStart).not.toHaveBeenCalled();
    // Refusals are counted in memory, and written as one row with its count only when flushed.
    expect(t.events.rows).toEqual([]);
    await t.refusals.flush();
    expect(t.events.rows).toEqual([expect.objectContaining({ kind: 'refused', outcome: 'INVALID_PHONE', count: 2 })]);
  });

  it('takes a number to call that is not valid as the platform failing', async () => {
    const t = setUp({}, [provider('alpha')]);
    t.providers[0].requestCall.mockResolvedValueOnce({ callTo: 'nonsense', waitId: 'w' });
    await expect(t.start.start(PHONE)).rejects.toBeInstanceOf(TelephonyPlatformException);
    expect(t.rateLimits.giveBack).toHaveBeenCalled();
  });

  it('sends an SMS code on the sms channel, stored as its hash only', async () => {
    const sms = provider('alpha', ['call', 'sms']);
    const t = setUp({ channels: ['call', 'sms'] }, [sms]);
    const started = await t.start.start(PHONE, { channel: 'sms' });
    expect(started).toMatchObject({ channel: 'sms', codeSent: true, codeLength: 6 });
    const code = /(\d{6})/.exec(sms.sendCode.mock.calls[0][0].text)![1];
    expect(t.store.rows.get(started.id)?.codeHash).toEqual(codeHash(started.id, code));
  });
});

describe('InboundCallService', () => {
  it('verifies the pending verification of the caller and tells onVerified', async () => {
    const onVerified = jest.fn(async () => undefined);
    const t = setUp({ onVerified });
    const started = await t.start.start(PHONE);
    const result = await t.inbound.handle({ caller: PHONE, dialed: '+78005553535', callId: 'c1' }, 'alpha');
    expect(result).toEqual({ outcome: 'matched', verificationId: started.id });
    expect(onVerified).toHaveBeenCalledWith(expect.objectContaining({ verificationId: started.id, phone: PHONE }));
  });

  it('records a call without caller ID, and a refused one, without matching', async () => {
    const t = setUp();
    await t.start.start(PHONE);
    expect((await t.inbound.handle({ callId: 'c1' }, 'alpha')).outcome).toBe('no_caller_id');
    expect((await t.inbound.handle({ caller: PHONE, refused: true, callId: 'c2' }, 'alpha')).outcome).toBe('refused');
    expect([...t.store.rows.values()][0].status).toBe('pending');
  });

  it('records the call as refused when beforeVerify says no', async () => {
    const t = setUp({ beforeVerify: () => false });
    const started = await t.start.start(PHONE);
    expect(await t.inbound.handle({ caller: PHONE, callId: 'c1' }, 'alpha')).toEqual({
      outcome: 'refused',
      verificationId: started.id,
    });
  });

  it('expires the wait a platform reports, and ignores a wait id that is no id', async () => {
    const t = setUp();
    const started = await t.start.start(PHONE);
    const waitId = t.store.rows.get(started.id)!.waitId!;
    expect(await t.inbound.expireWait('alpha', 'x'.repeat(129))).toBe(false);
    expect(await t.inbound.expireWait('alpha', waitId)).toBe(true);
    expect(t.store.rows.get(started.id)?.status).toBe('expired');
  });
});

describe('CodeCheckService', () => {
  async function started() {
    const sms = provider('alpha', ['call', 'sms']);
    const t = setUp({ channels: ['call', 'sms'], sms: { maxAttempts: 2 } }, [sms]);
    const verification = await t.start.start(PHONE, { channel: 'sms' });
    const code = /(\d{6})/.exec(sms.sendCode.mock.calls[0][0].text)![1];
    return { t, verification, code, wrong: code === '000000' ? '111111' : '000000' };
  }

  it('verifies with the right code', async () => {
    const { t, verification, code } = await started();
    expect(await t.codes.verifyCode(verification.id, verification.secret, code)).toEqual({
      status: 'verified',
      phone: PHONE,
    });
  });

  it('counts wrong codes and fails the verification at the limit', async () => {
    const { t, verification, code, wrong } = await started();
    expect(await t.codes.verifyCode(verification.id, verification.secret, wrong)).toEqual({
      status: 'wrong',
      attemptsLeft: 1,
    });
    expect(await t.codes.verifyCode(verification.id, verification.secret, wrong)).toEqual({
      status: 'failed',
      reason: 'too_many_attempts',
    });
    expect(await t.codes.verifyCode(verification.id, verification.secret, code)).toEqual({
      status: 'failed',
      reason: 'too_many_attempts',
    });
  });

  it('answers unauthorized for a wrong secret or an id that is no UUID', async () => {
    const { t, verification, code } = await started();
    expect(await t.codes.verifyCode(verification.id, 'wrong', code)).toEqual({ status: 'unauthorized' });
    expect(await t.codes.verifyCode('nope', verification.secret, code)).toEqual({ status: 'unauthorized' });
  });
});

describe('RedeemService and CancelService', () => {
  async function verified(overrides: Partial<PhoneCallAuthOptions> = {}) {
    const t = setUp(overrides);
    const verification = await t.start.start(PHONE);
    await t.inbound.handle({ caller: PHONE, callId: 'c1' }, 'alpha');
    return { t, verification };
  }

  it('issues a token once; the next redeem finds it consumed', async () => {
    const { t, verification } = await verified();
    expect(await t.redeem.redeem(verification.id, verification.secret)).toMatchObject({
      status: 'issued',
      phone: PHONE,
      token: { accessToken: `token-of-${PHONE}` },
    });
    expect(await t.redeem.redeem(verification.id, verification.secret)).toEqual({ status: 'consumed' });
  });

  it('stores the refresh token with the take, by its hash', async () => {
    const { t, verification } = await verified({ jwt: { secret: 's'.repeat(32), refreshTokens: {} } });
    const result = await t.redeem.redeem(verification.id, verification.secret);
    if (result.status !== 'issued') throw new Error(result.status);
    expect(t.store.rows.get(verification.id)?.takenWithRefreshToken).toEqual(sha256(result.token.refreshToken!));
  });

  it('leaves the verification redeemable when the app’s resolveSubject fails', async () => {
    const { t, verification } = await verified({ resolveSubject: () => ({ sub: 'u' }) });
    t.tokens.signAccessToken.mockRejectedValueOnce(new Error('hook down'));
    await expect(t.redeem.redeem(verification.id, verification.secret)).rejects.toThrow('hook down');
    expect(t.store.rows.get(verification.id)?.status).toBe('verified');
    expect((await t.redeem.redeem(verification.id, verification.secret)).status).toBe('issued');
  });

  it('answers pending with the window, and unauthorized for a wrong secret', async () => {
    const t = setUp();
    const verification = await t.start.start(PHONE);
    expect(await t.redeem.consume(verification.id, verification.secret)).toEqual({
      status: 'pending',
      expiresAt: verification.expiresAt,
    });
    expect(await t.redeem.consume(verification.id, 'wrong')).toEqual({ status: 'unauthorized' });
    expect(await t.redeem.authenticate(verification.id, 'wrong')).toBeNull();
  });

  it('consumes without a token', async () => {
    const { t, verification } = await verified();
    expect(await t.redeem.consume(verification.id, verification.secret)).toEqual({
      status: 'verified',
      phone: PHONE,
      verificationId: verification.id,
      verifiedAt: expect.any(Date),
    });
    expect(t.tokens.signAccessToken).not.toHaveBeenCalled();
  });

  it('cancels with the right secret only, and says true again for a canceled one', async () => {
    const t = setUp();
    const verification = await t.start.start(PHONE);
    expect(await t.cancel.cancel(verification.id, 'wrong')).toBe(false);
    expect(await t.cancel.cancel(verification.id, verification.secret)).toBe(true);
    expect(await t.cancel.cancel(verification.id, verification.secret)).toBe(true);
    expect(await t.redeem.consume(verification.id, verification.secret)).toEqual({ status: 'canceled' });
  });
});
