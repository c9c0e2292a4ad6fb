import { PHONE_CALL_AUTH_DEFAULTS, PhoneCallAuthFraudGuard } from 'nestjs-phone-call-auth';
import type { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { CapturingLogger } from './support/capturing-logger.js';
import { countStatements } from './support/statement-counter.js';
import { messageOf } from './support/messages.js';
import { PREFIX, type TestApp, useTestDatabase } from './support/test-app.js';
import { VERIFICATION_TABLE } from './support/tables.js';
import { digits } from './support/verifications.js';

/*
 * The SMS fraud guard against SMS pumping: two app instances on one database, the guard at its
 * defaults (30 sends over the window with under 20% of codes entered block a prefix), every other
 * limit off so that only the guard stops a flood.
 */

const GUARD = PHONE_CALL_AUTH_DEFAULTS.limits.fraudGuard;
const ENGLISH = { 'accept-language': 'en' };

/** The `index`-th number of a prefix (`+7967`: Russian mobile ranges, 7 digits after the prefix). */
const numberIn = (prefix: string, index: number) => `${prefix}${String(index).padStart(7, '0')}`;

/** Runs `work` over `items`, `concurrency` at a time. */
async function inParallel<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

describe('the SMS fraud guard', () => {
  const database = useTestDatabase();
  const loggers = [new CapturingLogger(), new CapturingLogger()];
  let platform: FakeSsmsPlatform;
  let apps: TestApp[];
  const guardOf = (app: TestApp) => app.app.get(PhoneCallAuthFraudGuard);
  const start = (app: TestApp, phone: string, channel: string) =>
    app.request('POST', `${PREFIX}/verifications`, { phone, channel }, ENGLISH);
  const smsTo = (prefix: string) => platform.messages.filter((sms) => sms.phone.startsWith(prefix.slice(1))).length;

  beforeAll(async () => {
    platform = await database.startPlatform();
    apps = [];
    for (const logger of loggers) {
      apps.push(
        await database.boot(platform, {
          logger,
          options: {
            channels: ['call', 'sms', 'call_or_sms'],
            // Only the guard (at its defaults) stands between a flood and the platform.
            limits: { sms: { perPhone: false, perAddress: false, global: false }, fraudGuard: {} },
          },
        }),
      );
    }
  });

  it('stops a pumping attack across two instances at the documented number of sends', async () => {
    // 300 SMS starts to 300 numbers of +7967, none of whose codes is ever entered, spread over both instances.
    const answers = await inParallel(
      Array.from({ length: 300 }, (_, index) => index),
      16,
      (index) => start(apps[index % 2], numberIn('+7967', index), 'sms'),
    );
    const sent = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(sent).toHaveLength(GUARD.minSends);
    expect(refused).toHaveLength(300 - GUARD.minSends);
    expect(smsTo('+7967')).toBe(GUARD.minSends);
    for (const answer of refused) {
      expect(answer.body).toMatchObject({ statusCode: 429, code: 'SMS_PREFIX_BLOCKED' });
      expect(answer.body.retryAfter).toBeGreaterThan(GUARD.blockSeconds - 60);
      // Rounded up: a second over when the block began within the refusing statement's second.
      expect(answer.body.retryAfter).toBeLessThanOrEqual(GUARD.blockSeconds + 1);
      expect(Number(answer.headers.get('retry-after'))).toBe(answer.body.retryAfter);
    }
    expect(messageOf(refused[0])).toBe(
      'Codes by SMS cannot be sent to numbers like this one right now; verify the number by a call instead (channel call).',
    );
    // Each instance refuses it now: the block is in the database.
    for (const app of apps) expect((await start(app, numberIn('+7967', 999), 'sms')).status).toBe(429);
    const russian = await apps[0].request('POST', `${PREFIX}/verifications`, {
      phone: numberIn('+7967', 998),
      channel: 'sms',
    });
    expect(russian.body).toMatchObject({ code: 'SMS_PREFIX_BLOCKED' });
    expect(messageOf(russian)).toBe(
      'Сейчас нельзя отправить код по SMS на номера вроде этого; подтвердите номер звонком (способ call).',
    );

    // The alarm: one warning for the one block, naming the prefix and no number.
    const logs = loggers.map((logger) => logger.text).join('\n');
    expect(logs.match(/SMS to \+7967… blocked for \d+ s by the fraud guard/g)).toHaveLength(1);
    expect(logs).not.toMatch(/7967\d{7}/);
  });

  it('shows the block to the operator, with the counts', async () => {
    const [blocked] = await guardOf(apps[1]).prefixes({ blockedOnly: true });
    expect(blocked).toEqual({
      prefix: '+7967',
      country: 'RU',
      sent: GUARD.minSends,
      entered: 0,
      blocked: true,
      blockedAt: expect.any(Date),
      blockedUntil: expect.any(Date),
      allowedUntil: null,
    });
    expect(blocked.blockedUntil!.getTime() - blocked.blockedAt!.getTime()).toBe(GUARD.blockSeconds * 1000);
    expect(guardOf(apps[0]).prefixOf('+7 967 031-11-22')).toBe('+7967');
  });

  it('keeps SMS to other prefixes, and calls to the blocked one, working', async () => {
    const other = await start(apps[0], numberIn('+7916', 1), 'sms');
    expect(other.status).toBe(201);
    expect(other.body).toMatchObject({ channel: 'sms', codeSent: true });

    const call = await start(apps[1], numberIn('+7967', 1001), 'call');
    expect(call.status).toBe(201);
    expect(call.body).toMatchObject({ channel: 'call', callTo: expect.any(String) });

    // call_or_sms is offered as the call alone: no SMS leaves for the blocked prefix.
    const sentBefore = smsTo('+7967');
    const either = await start(apps[0], numberIn('+7967', 1002), 'call_or_sms');
    expect(either.status).toBe(201);
    expect(either.body).toMatchObject({ channel: 'call', callTo: expect.any(String) });
    expect(either.body.codeSent).toBeUndefined();
    expect(smsTo('+7967')).toBe(sentBefore);
    expect(platform.waitFor(digits(numberIn('+7967', 1002)))).toBeDefined();
  });

  it('lets an operator allow the prefix again, on every instance', async () => {
    const allowed = await guardOf(apps[0]).allow('+7967', { seconds: 600 });
    expect(allowed).toMatchObject({ prefix: '+7967', blocked: false, sent: 0, entered: 0, blockedUntil: null });
    const again = await start(apps[1], numberIn('+7967', 2001), 'sms');
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ channel: 'sms', codeSent: true });
    expect(await guardOf(apps[1]).prefixes({ blockedOnly: true })).toEqual([]);
    await expect(guardOf(apps[1]).allow('7967')).rejects.toThrow(RangeError);

    // And block it by hand.
    await guardOf(apps[1]).block('+7967', { seconds: 60 });
    const refused = await start(apps[0], numberIn('+7967', 2002), 'sms');
    expect(refused.body).toMatchObject({ code: 'SMS_PREFIX_BLOCKED' });
    expect(refused.body.retryAfter).toBeLessThanOrEqual(60);
  });

  it('never blocks a prefix whose codes are entered', async () => {
    // Twice the volume that blocks a pumped prefix; two codes of three entered, in parallel.
    const count = GUARD.minSends * 2;
    const answers = await inParallel(
      Array.from({ length: count }, (_, index) => index),
      6,
      async (index) => {
        const phone = numberIn('+7925', index);
        const started = await start(apps[index % 2], phone, 'sms');
        if (started.status !== 201 || index % 3 === 2) return started.status;
        const entered = await apps[(index + 1) % 2].request('POST', `${PREFIX}/verifications/${started.body.id}/code`, {
          secret: started.body.secret,
          code: platform.lastCode(phone),
        });
        expect(entered.status).toBe(200);
        return started.status;
      },
    );
    expect(answers.every((status) => status === 201)).toBe(true);
    const [state] = (await guardOf(apps[0]).prefixes()).filter((each) => each.prefix === '+7925');
    expect(state).toMatchObject({ sent: count, entered: (count * 2) / 3, blocked: false, blockedAt: null });
    // The verification keeps its prefix, not its number, for the count.
    const [row] = await apps[0].dataSource.query(
      `SELECT DISTINCT sms_prefix FROM ${VERIFICATION_TABLE} WHERE phone LIKE '+7925%'`,
    );
    expect(row).toEqual({ sms_prefix: '+7925' });
  });

  it('gives a send back when the platform fails', async () => {
    platform.failNext('1', 'platform down');
    const failed = await start(apps[0], numberIn('+7903', 1), 'sms');
    expect(failed.status).toBe(502);
    expect((await start(apps[0], numberIn('+7903', 2), 'sms')).status).toBe(201);
    const [state] = (await guardOf(apps[0]).prefixes()).filter((each) => each.prefix === '+7903');
    expect(state).toMatchObject({ sent: 1, entered: 0 });
  });

  it('folds into the SMS limits statement and the code check: a start costs 2, a code entry 2 (check, take)', async () => {
    const statements = countStatements(apps[0].dataSource);
    // Warm up: every pool connection the steps below may borrow has been handed out once.
    for (let i = 0; i < 3; i++) await start(apps[0], numberIn('+7926', i), 'sms');
    statements.take();
    const phone = numberIn('+7926', 10);
    const started = await start(apps[0], phone, 'sms');
    expect(started.status).toBe(201);
    // The SMS limits' statement (all of them off here, the guard alone) and the insert.
    expect(statements.names).toEqual(['phone_call_auth_count', 'phone_call_auth_insert']);
    expect(statements.take()).toBe(2);
    const entered = await apps[0].request('POST', `${PREFIX}/verifications/${started.body.id}/code`, {
      secret: started.body.secret,
      code: platform.lastCode(phone),
    });
    expect(entered.status).toBe(200);
    // The check (with the entry) and the take of the token.
    expect(statements.take()).toBe(2);
    const [state] = (await guardOf(apps[0]).prefixes()).filter((each) => each.prefix === '+7926');
    expect(state).toMatchObject({ sent: 4, entered: 1 });
  });
});
