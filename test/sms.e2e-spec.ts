import { Body, Controller, Post } from '@nestjs/common';
import { type TelephonyProvider, VerificationService } from 'nestjs-phone-call-auth';
import { CapturingLogger } from './support/capturing-logger.js';
import { messageOf } from './support/messages.js';
import { nextPhone } from './support/phones.js';
import { INBOUND_CALL_TABLE, RATE_LIMIT_TABLE, VERIFICATION_TABLE } from './support/tables.js';
import { bootTestApp, createTestDatabase, PREFIX, type TestAppHandle, useTestApp } from './support/test-app.js';
import { digits } from './support/verifications.js';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';

const ALL_CHANNELS = { channels: ['call', 'sms', 'call_or_sms'] as const };

/** Asks for the English texts (the module's default locale is Russian). */
const ENGLISH = { 'accept-language': 'en' };

function smsHelpers(t: TestAppHandle) {
  async function start(channel: string, phone = nextPhone(), headers?: Record<string, string>, extra = {}) {
    const response = await t.request('POST', `${PREFIX}/verifications`, { phone, channel, ...extra }, headers);
    expect(response.status).toBe(201);
    return { ...response.body, phone, code: t.platform.lastCode(phone) } as {
      id: string;
      secret: string;
      phone: string;
      code: string;
      callTo?: string;
      message: string;
      locale: string;
    };
  }
  const enter = (id: string, secret: string, code: string, headers?: Record<string, string>) =>
    t.request('POST', `${PREFIX}/verifications/${id}/code`, { secret, code }, headers);
  const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const row = async (id: string) =>
    (
      await t.dataSource.query(
        `SELECT status, channel, code_attempts, verified_by, fail_reason, code_hash FROM ${VERIFICATION_TABLE} WHERE id = $1`,
        [id],
      )
    )[0];
  return { start, enter, wrongCode, row };
}

describe('SMS codes and the call_or_sms channel', () => {
  const logger = new CapturingLogger();
  // Budgets off: 50 parallel guesses from one address are the point of one test here.
  const t = useTestApp({
    options: {
      channels: [...ALL_CHANNELS.channels],
      limits: { budgets: false, starts: { perAddress: false }, sms: { perAddress: false } },
    },
    logger,
  });
  const { start, enter, wrongCode, row } = smsHelpers(t);
  const codes: string[] = [];
  afterAll(() => {
    // Not one code the platform delivered appears in any log line, at any level.
    const all = logger.lines.join('\n');
    expect(all).toContain('by SMS code');
    expect(codes.length).toBeGreaterThan(3);
    for (const code of codes) expect(all).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
  });

  it('an sms verification completes by its code: the token, once', async () => {
    const started = await start('sms');
    codes.push(started.code);
    expect(started).toMatchObject({ channel: 'sms', codeSent: true, codeLength: 6 });
    expect(started.callTo).toBeUndefined();
    expect(started.code).toMatch(/^\d{6}$/);
    const request = t.platform.requests.at(-1)!;
    expect(request.params).toMatchObject({ method: 'push_msg', phone: digits(started.phone) });
    expect(request.params.call_protection).toBeUndefined();
    expect(request.params.text).toContain(started.code);
    // Stored as a hash only.
    expect((await row(started.id)).code_hash.toString('hex')).not.toContain(started.code);

    const issued = await enter(started.id, started.secret, started.code);
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(issued.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    const me = await t.request('GET', '/me', undefined, { authorization: `Bearer ${issued.body.accessToken}` });
    expect(me.body).toEqual({ sub: started.phone, phone: started.phone });
    expect(await row(started.id)).toMatchObject({ status: 'consumed', verified_by: 'code', code_attempts: 0 });

    const again = await enter(started.id, started.secret, started.code);
    expect(again.status).toBe(410);
    expect(
      (await t.request('POST', `${PREFIX}/verifications/${started.id}/token`, { secret: started.secret })).status,
    ).toBe(410);
  });

  it('an sms verification is not verified by a call from the phone', async () => {
    const started = await start('sms');
    codes.push(started.code);
    const call = await t.platform.placeCall({ from: digits(started.phone), to: '74993990001' });
    expect(call).toEqual({ status: 200, body: 'OK' });
    expect((await row(started.id)).status).toBe('pending');
  });

  it('sends SSMS push_msg with phone, a text holding the code, and call_protection for call_or_sms', async () => {
    const started = await start('call_or_sms');
    codes.push(started.code);
    expect(started).toMatchObject({ channel: 'call_or_sms', codeSent: true, codeLength: 6 });
    const sms = t.platform.lastSms(started.phone)!;
    expect(started.callTo).toBe(`+${sms.callTo}`);
    expect(t.platform.requests.at(-1)).toEqual({
      httpMethod: 'POST',
      params: {
        method: 'push_msg',
        format: 'json',
        // As SSMS's own client (ssms_su.php) sends it with every push_msg.
        api_v: '2.0',
        key: t.platform.apiKey,
        phone: digits(started.phone),
        text: expect.stringContaining(started.code),
        call_protection: '120',
      },
    });
  });

  it('call_or_sms completes by call; then the code is refused (410)', async () => {
    const started = await start('call_or_sms');
    codes.push(started.code);
    expect(await t.platform.placeCall({ from: digits(started.phone) })).toEqual({ status: 200, body: 'OK' });
    expect(await row(started.id)).toMatchObject({ status: 'verified', verified_by: 'call' });
    const refused = await enter(started.id, started.secret, started.code);
    expect(refused.status).toBe(410);
    expect(refused.body).toMatchObject({ status: 'verified' });
    const issued = await t.request('POST', `${PREFIX}/verifications/${started.id}/token`, { secret: started.secret });
    expect(issued.status).toBe(200);
  });

  it('call_or_sms completes by code; then the call verifies nothing', async () => {
    const started = await start('call_or_sms');
    codes.push(started.code);
    const issued = await enter(started.id, started.secret, started.code);
    expect(issued.status).toBe(200);
    expect(issued.body.accessToken).toEqual(expect.any(String));
    expect(await t.platform.placeCall({ from: digits(started.phone) })).toEqual({ status: 200, body: 'OK' });
    const [record] = await t.dataSource.query(
      `SELECT outcome FROM ${INBOUND_CALL_TABLE} WHERE caller = $1 ORDER BY id DESC LIMIT 1`,
      [started.phone],
    );
    expect(record.outcome).toBe('duplicate');
    expect(await row(started.id)).toMatchObject({ status: 'consumed', verified_by: 'code' });
  });

  it('counts wrong codes down and fails the verification at the 5th', async () => {
    const started = await start('sms');
    codes.push(started.code);
    const wrong = wrongCode(started.code);
    for (const left of [4, 3, 2, 1]) {
      const answer = await enter(started.id, started.secret, wrong, ENGLISH);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('WRONG_CODE');
      expect(answer.body.attemptsLeft).toBe(left);
      expect(messageOf(answer)).toContain(`${left} tr`);
    }
    const fifth = await enter(started.id, started.secret, wrong);
    expect(fifth.status).toBe(410);
    expect(fifth.body).toMatchObject({
      code: 'TOO_MANY_ATTEMPTS',
      status: 'failed',
      reason: 'too_many_attempts',
      attemptsLeft: 0,
    });
    // The right code is no use now, and nothing is redeemable.
    const right = await enter(started.id, started.secret, started.code);
    expect(right.status).toBe(410);
    expect(right.body).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', status: 'failed', reason: 'too_many_attempts' });
    const token = await t.request('POST', `${PREFIX}/verifications/${started.id}/token`, { secret: started.secret });
    expect(token.status).toBe(410);
    expect(token.body.status).toBe('failed');
    expect(token.body.code).toBe('TOO_MANY_ATTEMPTS');
    expect(await row(started.id)).toMatchObject({
      status: 'failed',
      fail_reason: 'too_many_attempts',
      code_attempts: 5,
    });
  });

  it('50 concurrent wrong guesses use up the 5 tries, never more', async () => {
    const started = await start('sms');
    codes.push(started.code);
    const wrong = wrongCode(started.code);
    const answers = await Promise.all(Array.from({ length: 50 }, () => enter(started.id, started.secret, wrong)));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 400)).toHaveLength(4);
    expect(statuses.filter((status) => status === 410)).toHaveLength(46);
    expect(answers.filter((answer) => answer.status === 500)).toHaveLength(0);
    expect(await row(started.id)).toMatchObject({ status: 'failed', code_attempts: 5 });
    expect((await enter(started.id, started.secret, started.code)).status).toBe(410);
  });

  it('a wrong secret gets 401, a code on a call verification 400, a malformed code 400', async () => {
    const sms = await start('sms');
    codes.push(sms.code);
    const unknown = await enter(sms.id, 'wrong-secret', sms.code);
    expect(unknown.status).toBe(401);
    expect(unknown.body.code).toBe('UNAUTHORIZED');
    const call = await start('call');
    const refused = await enter(call.id, call.secret, '123456', ENGLISH);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CODE_NOT_SENT');
    expect(messageOf(refused)).toContain('No code was sent');
    for (const code of ['12', '123456789', 'abcdef', 123456]) {
      const bad = await t.request('POST', `${PREFIX}/verifications/${sms.id}/code`, { secret: sms.secret, code });
      expect(bad.status).toBe(400);
    }
    expect((await row(sms.id)).code_attempts).toBe(0);
  });

  it('speaks Russian with Accept-Language: ru, English with en, and a body locale wins', async () => {
    const ru = await start('sms', nextPhone(), { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' });
    codes.push(ru.code);
    expect(ru.locale).toBe('ru');
    expect(ru.message).toContain('Мы отправили код в SMS');
    expect(t.platform.lastSms(ru.phone)!.text).toBe(`Ваш код: ${ru.code}. Никому его не сообщайте.`);

    const en = await start('call_or_sms', nextPhone(), { 'accept-language': 'en-GB, ru;q=0.2' });
    codes.push(en.code);
    expect(en.locale).toBe('en');
    expect(en.message).toMatch(/^Call \+7 /);
    expect(t.platform.lastSms(en.phone)!.text).toContain('Your code');

    const chosen = await start('call', nextPhone(), { 'accept-language': 'en' }, { locale: 'ru' });
    expect(chosen.locale).toBe('ru');
    expect(chosen.message).toMatch(/^Позвоните на \+7 /);

    const fallback = await start('call', nextPhone(), { 'accept-language': 'de' });
    expect(fallback.locale).toBe('ru');
  });

  it('refuses an unknown channel or locale with 400', async () => {
    for (const body of [{ channel: 'fax' }, { locale: 'de' }]) {
      const refused = await t.request('POST', `${PREFIX}/verifications`, { phone: nextPhone(), ...body });
      expect(refused.status).toBe(400);
    }
  });
});

describe('SMS text templates and the sender name', () => {
  const t = useTestApp({
    options: {
      channels: ['sms'],
      defaultLocale: 'en',
      siteName: 'example.com',
      sms: { codeLength: 4, senderName: 'Example' },
      messages: { en: { smsText: '{code} is your {site} code' } },
    },
  });
  const { start } = smsHelpers(t);

  it('fills the template, sends sender_name and a code of codeLength digits; sms is the default channel', async () => {
    const phone = nextPhone();
    const response = await t.request('POST', `${PREFIX}/verifications`, { phone });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ channel: 'sms', codeLength: 4, locale: 'en' });
    const params = t.platform.requests.at(-1)!.params;
    expect(params.sender_name).toBe('Example');
    expect(params.text).toMatch(/^\d{4} is your example\.com code$/);
    const refused = await t.request('POST', `${PREFIX}/verifications`, { phone: nextPhone(), channel: 'call' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CHANNEL_NOT_OFFERED');
    expect(messageOf(refused)).toBe('channel call is not offered here; ask for sms.');
    await start('sms');
  });
});

describe('the hard SMS limits', () => {
  const t = useTestApp({
    options: {
      ...ALL_CHANNELS,
      channels: [...ALL_CHANNELS.channels],
      limits: {
        sms: {
          perPhone: { limit: 2, windowSeconds: 600 },
          perAddress: false,
          global: { limit: 4, windowSeconds: 600 },
        },
      },
    },
  });

  it('refuses a third SMS to one phone, then any SMS once the global budget is spent; calls go on', async () => {
    const phone = nextPhone();
    const ask = (channel: string, to = phone) =>
      t.request('POST', `${PREFIX}/verifications`, { phone: to, channel }, ENGLISH);
    expect((await ask('sms')).status).toBe(201);
    expect((await ask('call_or_sms')).status).toBe(201);
    const third = await ask('sms');
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('RATE_LIMITED');
    expect(messageOf(third)).toContain('by SMS for this phone number');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);

    const sent = t.platform.messages.length;
    expect((await ask('sms', nextPhone())).status).toBe(201);
    expect((await ask('sms', nextPhone())).status).toBe(201);
    const spent = await ask('sms', nextPhone());
    expect(spent.status).toBe(429);
    expect(messageOf(spent)).toContain('by SMS right now');
    // Refused starts sent nothing.
    expect(t.platform.messages.length).toBe(sent + 2);
    expect((await ask('call', nextPhone())).status).toBe(201);
  });
});

describe('SMS allowances: given back when the platform fails, never spent by a 400', () => {
  // Every limit at 1: a start after the failures gets through only if each failure gave back every counter.
  const one = { limit: 1, windowSeconds: 3600 };
  const t = useTestApp((platform) => {
    const full = platform.provider({ timeoutMs: 1000 });
    const callOnly: TelephonyProvider = {
      name: 'call-only',
      requestCall: (request) => full.requestCall(request),
      parseInboundCall: (request) => full.parseInboundCall(request),
    };
    return {
      options: {
        providers: [full, callOnly],
        // British numbers go to a provider that cannot send SMS.
        routing: { byCountry: { GB: ['call-only'] }, default: ['ssms'] },
        channels: [...ALL_CHANNELS.channels],
        limits: {
          starts: { perPhone: one, perAddress: one, perNetwork: one, global: { ...one, mode: 'wall' } },
          sms: { perPhone: one, perAddress: one, global: one },
        },
      },
    };
  });
  const counters = async (): Promise<{ key: string; count: number }[]> =>
    t.dataSource.query(`SELECT key, count FROM ${RATE_LIMIT_TABLE} WHERE count > 0 ORDER BY key`);
  const ask = (phone: string, channel: string, headers?: Record<string, string>) =>
    t.request('POST', `${PREFIX}/verifications`, { phone, channel }, headers);
  beforeEach(() => t.dataSource.query(`DELETE FROM ${RATE_LIMIT_TABLE}`));

  it('three SMS starts that got 502, 504 and 502 leave the SMS allowances whole', async () => {
    const phone = nextPhone();
    t.platform.failNext('7', 'Недостаточно средств');
    expect((await ask(phone, 'sms')).status).toBe(502);
    t.platform.stallNext();
    expect((await ask(phone, 'call_or_sms')).status).toBe(504);
    t.platform.respondNextWith(503, '<html>Bad gateway</html>');
    expect((await ask(phone, 'sms')).status).toBe(502);
    expect(await counters()).toEqual([]);

    // The one SMS of this phone, this address and the whole app is still there; then it is spent.
    expect((await ask(phone, 'sms')).status).toBe(201);
    expect(await counters()).toHaveLength(7);
    const spent = await ask(phone, 'sms');
    expect(spent.status).toBe(429);
  });

  it('an SMS start for a number whose provider cannot send SMS (400) counts nothing', async () => {
    const refused = await ask('+44 7400 123456', 'sms', ENGLISH);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CHANNEL_NOT_SERVED');
    expect(messageOf(refused)).toBe('channel sms is not served for this number: use channel call.');
    expect(await counters()).toEqual([]);
    // So the app's one SMS is still there for a number that can have it.
    expect((await ask(nextPhone(), 'sms')).status).toBe(201);
  });

  it('an SMS start the phone policy refuses (400) counts nothing', async () => {
    expect((await ask('+7 800 555 3535', 'sms')).status).toBe(400);
    expect(await counters()).toEqual([]);
  });
});

@Controller()
class SessionController {
  constructor(private readonly verifications: VerificationService) {}

  @Post('session')
  session(@Body() body: { id: string; secret: string }) {
    return this.verifications.consume(body.id, body.secret);
  }
}

describe('the code route with routes: { token: false }', () => {
  const t = useTestApp({
    options: { channels: ['call', 'sms', 'call_or_sms'] },
    extras: { routes: { token: false } },
    controllers: [SessionController],
  });
  const { start, enter } = smsHelpers(t);

  it('answers verified, the events stream says verified, and consume() takes it once', async () => {
    const started = await start('sms');
    const events = await fetch(`${t.baseUrl}${PREFIX}/verifications/${started.id}/events`, {
      headers: { 'x-verification-secret': started.secret },
    });
    const reader = events.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"status":"pending"');

    const verified = await enter(started.id, started.secret, started.code);
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ status: 'verified' });
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toContain('"status":"verified"');

    const session = await t.request('POST', '/session', { id: started.id, secret: started.secret });
    expect(session.body).toEqual({
      status: 'verified',
      phone: started.phone,
      verificationId: started.id,
      verifiedAt: expect.any(String),
    });
    expect((await t.request('POST', '/session', { id: started.id, secret: started.secret })).body).toEqual({
      status: 'consumed',
    });
  });
});

describe('a provider that cannot send SMS', () => {
  it('is refused at startup when channels ask for SMS, and an sms start is a clear 400', async () => {
    const platform = await FakeSsmsPlatform.start();
    const database = await createTestDatabase();
    const full = platform.provider();
    const callOnly: TelephonyProvider = {
      name: 'call-only',
      requestCall: (request) => full.requestCall(request),
      parseInboundCall: (request) => full.parseInboundCall(request),
    };
    try {
      await expect(
        bootTestApp({
          databaseUrl: database.url,
          platform,
          options: { providers: [callOnly], channels: ['call', 'sms'] },
          connect: false,
        }),
      ).rejects.toThrow(/no provider can serve/);
      const app = await bootTestApp({ databaseUrl: database.url, platform, options: { providers: [callOnly] } });
      try {
        const refused = await app.request(
          'POST',
          `${PREFIX}/verifications`,
          { phone: nextPhone(), channel: 'sms' },
          ENGLISH,
        );
        expect(refused.status).toBe(400);
        expect(refused.body.code).toBe('CHANNEL_NOT_OFFERED');
        expect(messageOf(refused)).toContain('cannot send SMS');
        expect(platform.requests).toHaveLength(0);
      } finally {
        await app.close();
      }
    } finally {
      await platform.close();
      await database.drop();
    }
  });
});
