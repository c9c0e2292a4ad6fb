import { PhoneCallAuthOps, type SupportHistoryEntry, VerificationNotFoundException } from 'nestjs-phone-call-auth';
import { nextPhone } from './support/phones.js';
import { PREFIX, useTestApp } from './support/test-app.js';
import { digits } from './support/verifications.js';

/*
 * The operator dashboard's numbers and the support history (PhoneCallAuthOps), from a few flows on
 * one database of their own: every number exact, no phone number whole.
 */
describe('PhoneCallAuthOps: the dashboard summary and the support history', () => {
  const t = useTestApp({ options: { channels: ['call', 'sms', 'call_or_sms'] } });
  const ops = () => t.app.get(PhoneCallAuthOps);
  const start = (phone: string, channel = 'call') => t.request('POST', `${PREFIX}/verifications`, { phone, channel });
  const calm = (entries: SupportHistoryEntry[]) =>
    entries.map(({ what, outcome, provider, number }) => ({ what, outcome, provider, number }));

  const callPhone = nextPhone();
  const smsPhone = nextPhone();
  const ids: { call?: string; sms?: string } = {};

  beforeAll(async () => {
    // A call proven and redeemed.
    const call = await start(callPhone);
    expect(call.status).toBe(201);
    ids.call = call.body.id;
    expect(await t.platform.placeCall({ from: digits(callPhone) })).toEqual({ status: 200, body: 'OK' });
    const issued = await t.request('POST', `${PREFIX}/verifications/${call.body.id}/token`, {
      secret: call.body.secret,
    });
    expect(issued.status).toBe(200);

    // A call that never comes: started only.
    expect((await start(nextPhone())).status).toBe(201);

    // An SMS code, wrong once, then right (the code route redeems it).
    const sms = await start(smsPhone, 'sms');
    expect(sms.status).toBe(201);
    ids.sms = sms.body.id;
    const code = t.platform.lastCode(smsPhone)!;
    const enter = (entered: string) =>
      t.request('POST', `${PREFIX}/verifications/${sms.body.id}/code`, { secret: sms.body.secret, code: entered });
    expect((await enter(code === '000000' ? '000001' : '000000')).status).toBe(400);
    expect((await enter(code)).status).toBe(200);

    // The platform fails one start; three are refused before any statement (counted in memory).
    t.platform.failNext('7', 'Недостаточно средств');
    expect((await start(nextPhone())).status).toBe(502);
    expect((await start('12')).body.code).toBe('INVALID_PHONE');
    expect((await start('+7 800 555-35-35')).body.code).toBe('NUMBER_TYPE_REFUSED');
    expect((await start('+7 800 555-35-36')).body.code).toBe('NUMBER_TYPE_REFUSED');
  });

  it('sums the funnel, the platform, SMS and refusals for the last hour and day', async () => {
    const summary = await ops().summary();
    const funnel = (window: string, dimension: string) =>
      summary.funnel
        .filter((row) => row.window === window && row.dimension === dimension)
        .map(({ key, started, proven, redeemed }) => ({ key, started, proven, redeemed }));
    for (const window of ['1h', '24h']) {
      expect(funnel(window, 'channel')).toEqual([
        { key: 'call', started: 2, proven: 1, redeemed: 1 },
        { key: 'sms', started: 1, proven: 1, redeemed: 1 },
      ]);
      expect(funnel(window, 'country')).toEqual([{ key: 'RU', started: 3, proven: 2, redeemed: 2 }]);
      expect(funnel(window, 'provider')).toEqual([{ key: 'ssms', started: 3, proven: 2, redeemed: 2 }]);
    }
    const [platform] = summary.platforms.filter((row) => row.window === '1h');
    expect(platform).toEqual({
      window: '1h',
      provider: 'ssms',
      requests: 4,
      errors: 1,
      errorRate: 1 / 4,
      p50Ms: expect.any(Number),
      p95Ms: expect.any(Number),
    });
    expect(platform.p95Ms!).toBeGreaterThanOrEqual(platform.p50Ms!);
    expect(summary.sms).toEqual({
      lastHour: 1,
      lastDay: 1,
      budget: { limit: 100, windowSeconds: 3600 },
      inBudgetWindow: 1,
    });
    expect(summary.refusals).toEqual([
      { reason: 'NUMBER_TYPE_REFUSED', lastHour: 2, lastDay: 2 },
      { reason: 'INVALID_PHONE', lastHour: 1, lastDay: 1 },
    ]);
    expect(summary.refusedPrefixes).toEqual([{ prefix: '+7800', count: 2 }]);
    // Written once: a second summary counts the same.
    expect((await ops().summary()).refusals).toEqual(summary.refusals);
  });

  it('tells the story of a verification in order, numbers masked', async () => {
    const call = await ops().history(ids.call!);
    expect(call).toMatchObject({ verificationId: ids.call, channel: 'call', provider: 'ssms', status: 'consumed' });
    expect(call.phone).toBe(`${callPhone.slice(0, 5)}***${callPhone.slice(-4)}`);
    expect(calm(call.entries)).toEqual([
      { what: 'platform', outcome: 'ok', provider: 'ssms', number: null },
      { what: 'started', outcome: null, provider: 'ssms', number: expect.stringMatching(/^\+7\d{3}\*\*\*\d{4}$/) },
      { what: 'call', outcome: 'matched', provider: 'ssms', number: call.phone },
      { what: 'verified', outcome: 'call', provider: null, number: null },
      { what: 'redeemed', outcome: null, provider: null, number: null },
    ]);
    expect(call.entries[0].durationMs).toEqual(expect.any(Number));

    const sms = await ops().history(ids.sms!);
    expect(sms.status).toBe('consumed');
    expect(calm(sms.entries).map(({ what, outcome }) => [what, outcome])).toEqual([
      ['platform', 'ok'],
      ['started', null],
      ['code', 'wrong'],
      ['code', 'right'],
      ['verified', 'code'],
      ['redeemed', null],
    ]);
    // No run of a number's digits outside the ids (a UUID may hold eight digits in a row by chance).
    const text = JSON.stringify([call, sms]).replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      'id',
    );
    expect(text).not.toMatch(/\d{8}/);
  });

  it('answers an id it does not keep with VERIFICATION_NOT_FOUND (404)', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      const refused = await ops()
        .history(id)
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(VerificationNotFoundException);
      expect((refused as VerificationNotFoundException).getStatus()).toBe(404);
      expect((refused as VerificationNotFoundException).code).toBe('VERIFICATION_NOT_FOUND');
    }
  });
});
