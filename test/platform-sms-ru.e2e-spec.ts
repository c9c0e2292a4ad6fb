import { setTimeout as delay } from 'node:timers/promises';
import { StatusPollerService } from 'nestjs-phone-call-auth';
import { FakeSmsRuPlatform, smsRuWebhookHash } from 'nestjs-phone-call-auth/testing';
import { nextPhone } from './support/phones.js';
import { bootWithProviders, providerCallbackUrl, redeemAndOpenMe, rowOf, startOn } from './support/platforms.js';
import { TEST_CALLBACK_SECRET, type TestApp, useTestDatabase } from './support/test-app.js';
import { VERIFICATION_TABLE } from './support/tables.js';

/* sms.ru callcheck: callcheck/add, the signed data[n] webhook answered 100, and the status poller. */

const db = useTestDatabase();
let smsRu: FakeSmsRuPlatform;
let app: TestApp;
let second: TestApp;
/** An instance with a pool of one connection (and so one admission slot). */
let narrow: TestApp;
/** Created with rawBody: true, as docs/platforms.md advises. */
let raw: TestApp;

beforeAll(async () => {
  smsRu = await FakeSmsRuPlatform.start();
  const options = { providers: [smsRu.provider({ timeoutMs: 2000 })], statusPolling: false as const };
  app = await bootWithProviders(db, options);
  second = await bootWithProviders(db, options);
  // A long timeout: the poll below waits for the test, not for the provider to give up.
  narrow = await bootWithProviders(
    db,
    { ...options, providers: [smsRu.provider({ timeoutMs: 30_000 })] },
    { poolSize: 1 },
  );
  raw = await bootWithProviders(db, options, { rawBody: true });
  smsRu.callbackUrl = providerCallbackUrl(app, 'sms-ru');
}, 40_000); // boots fakes and apps: slow on busy cores
afterAll(() => smsRu.close());

/** Waits (by looking again, not by sleeping blindly) until a condition holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 1000 && !condition(); tries++) await delay(5);
  expect(condition()).toBe(true);
}

/** Waits (by polling the row, not by sleeping blindly) until a verification reaches a status. */
async function statusBecomes(id: string, status: string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if ((await rowOf(app, id)).status === status) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect((await rowOf(app, id)).status).toBe(status);
}

describe('the sms.ru provider', () => {
  it('runs the flow: callcheck/add, the webhook answered 100, a token, /me', async () => {
    const phone = nextPhone();
    const started = await startOn(app, phone);
    const check = smsRu.checkFor(phone)!;
    expect(started.callTo).toBe(`+${check.callPhone}`);
    expect(smsRu.requests.at(-1)!.params).toEqual({ api_id: smsRu.apiId, phone: phone.slice(1), json: '1' });
    expect(await smsRu.placeCall({ from: phone })).toEqual({
      status: 200,
      body: '100',
      contentType: expect.stringMatching(/^text\/plain/),
    });
    expect(await rowOf(app, started.id)).toEqual({ status: 'verified', provider: 'sms-ru' });
    await redeemAndOpenMe(app, started, phone);
  });

  it('asks for the 300-second window sms.ru has', async () => {
    const started = await startOn(app, nextPhone());
    const response = await app.request('POST', `/auth/phone-call/verifications/${started.id}/token`, {
      secret: started.secret,
    });
    expect(response.status).toBe(202);
    const left = (new Date(response.body.expiresAt).getTime() - Date.now()) / 1000;
    expect(left).toBeGreaterThan(290);
    expect(left).toBeLessThanOrEqual(301);
  });

  it('handles every record: 401 verifies, 402 expires, heartbeats and other kinds skipped', async () => {
    const [a, b] = [nextPhone(), nextPhone()];
    const first = await startOn(app, a);
    const other = await startOn(app, b);
    const [checkA, checkB] = [smsRu.checkFor(a)!, smsRu.checkFor(b)!];
    const answer = await smsRu.sendWebhook([
      `sms_status\n000000-1\n103\n${Math.floor(Date.now() / 1000)}`,
      `callcheck_status\n${checkA.checkId}\n401\n${Math.floor(Date.now() / 1000)}`,
      `callcheck_status\n${checkB.checkId}\n402\n${Math.floor(Date.now() / 1000)}`,
    ]);
    expect(answer.body).toBe('100');
    expect((await rowOf(app, first.id)).status).toBe('verified');
    expect((await rowOf(app, other.id)).status).toBe('expired');
  });

  it.each([
    ['a wrong hash', (phone: string) => smsRu.placeCall({ from: phone, signWith: 'not-the-api-id' })],
    [
      'a wrong path secret',
      async (phone: string) => {
        smsRu.callbackUrl = providerCallbackUrl(app, 'sms-ru', `${TEST_CALLBACK_SECRET}x`);
        try {
          return await smsRu.placeCall({ from: phone });
        } finally {
          smsRu.callbackUrl = providerCallbackUrl(app, 'sms-ru');
        }
      },
    ],
  ])(
    'refuses %s, answered 100 as sms.ru needs (else it retries for days), and changes nothing',
    async (_label, forge) => {
      const phone = nextPhone();
      const started = await startOn(app, phone);
      expect(await forge(phone)).toMatchObject({ status: 200, body: '100' });
      expect((await rowOf(app, started.id)).status).toBe('pending');
    },
  );

  describe('on an app created with rawBody: true', () => {
    /** Posts a form to the raw app's sms.ru callback, as sms.ru (or an attacker) would. */
    const post = async (body: string) => {
      const response = await fetch(providerCallbackUrl(raw, 'sms-ru'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      return { status: response.status, body: await response.text() };
    };

    it('runs the flow: the genuine webhook is read from the raw body', async () => {
      const phone = nextPhone();
      const started = await startOn(raw, phone);
      smsRu.callbackUrl = providerCallbackUrl(raw, 'sms-ru');
      try {
        expect((await smsRu.placeCall({ from: phone }))!.body).toBe('100');
      } finally {
        smsRu.callbackUrl = providerCallbackUrl(app, 'sms-ru');
      }
      expect((await rowOf(raw, started.id)).status).toBe('verified');
    });

    // Found by an attacker: the hash was checked over the raw body, where `data[]` is no record,
    // and the records read from Express's parse, which folds `data[]` into `data`: a captured
    // heartbeat with a callcheck_status record appended verified the check.
    it('reads nothing appended to a captured heartbeat: the verification stays pending, no token', async () => {
      const phone = nextPhone();
      const started = await startOn(raw, phone);
      const heartbeat = [`test\n${Math.floor(Date.now() / 1000)}`];
      const captured = new URLSearchParams({ 'data[0]': heartbeat[0], hash: smsRuWebhookHash(smsRu.apiId, heartbeat) });
      const record = `callcheck_status\n${smsRu.checkFor(phone)!.checkId}\n401\n${Math.floor(Date.now() / 1000)}`;
      expect(await post(`${captured}&data[]=${encodeURIComponent(record)}`)).toEqual({ status: 200, body: '100' });
      expect((await rowOf(raw, started.id)).status).toBe('pending');
      const token = await raw.request('POST', `/auth/phone-call/verifications/${started.id}/token`, {
        secret: started.secret,
      });
      expect(token.status).toBe(202);
    });

    it('refuses a webhook with a repeated record (answered 100) and changes nothing', async () => {
      const phone = nextPhone();
      const started = await startOn(raw, phone);
      const records = [`test\n1`, `callcheck_status\n${smsRu.checkFor(phone)!.checkId}\n401\n1`];
      const form = new URLSearchParams({ 'data[0]': records[0], 'data[1]': records[1] });
      form.set('hash', smsRuWebhookHash(smsRu.apiId, records));
      expect(await post(`${form}&data[1]=${encodeURIComponent(records[1])}`)).toMatchObject({
        status: 200,
        body: '100',
      });
      expect((await rowOf(raw, started.id)).status).toBe('pending');
    });
  });

  it('settles a missed webhook by polling callcheck/status, and a late webhook is a calm duplicate', async () => {
    const phone = nextPhone();
    const started = await startOn(app, phone);
    await smsRu.placeCall({ from: phone, webhook: false });
    // Earlier tests' forged webhooks left their checks confirmed on the platform: those settle too.
    const result = await app.app.get(StatusPollerService).poll();
    expect(result.ran).toBe(true);
    expect(result.settled).toBeGreaterThanOrEqual(1);
    expect((await rowOf(app, started.id)).status).toBe('verified');
    await redeemAndOpenMe(app, started, phone);
    expect((await smsRu.sendWebhook([`callcheck_status\n${smsRu.checkFor(phone)!.checkId}\n401\n1`])).body).toBe('100');
  });

  it('ends a wait the status poll says expired (402)', async () => {
    const phone = nextPhone();
    const started = await startOn(app, phone);
    smsRu.checkFor(phone)!.status = 402;
    await app.app.get(StatusPollerService).poll();
    await statusBecomes(started.id, 'expired');
  });

  it('lets one instance poll at a time: two instances never ask about one verification at once', async () => {
    const phones = [nextPhone(), nextPhone(), nextPhone()];
    const started = await Promise.all(phones.map((phone) => startOn(app, phone)));
    for (const phone of phones) await smsRu.placeCall({ from: phone, webhook: false });
    smsRu.statusDelayMs = 50;
    smsRu.maxConcurrentStatusPerCheck = 0;
    try {
      const results = await Promise.all([
        app.app.get(StatusPollerService).poll(),
        second.app.get(StatusPollerService).poll(),
        app.app.get(StatusPollerService).poll(),
        second.app.get(StatusPollerService).poll(),
      ]);
      expect(results.filter((result) => result.ran).length).toBeGreaterThanOrEqual(1);
      expect(smsRu.maxConcurrentStatusPerCheck).toBe(1);
    } finally {
      smsRu.statusDelayMs = 0;
    }
    for (const { id } of started) expect((await rowOf(app, id)).status).toBe('verified');
  });

  it('holds no connection while the platform answers a status poll: the one connection serves a client meanwhile', async () => {
    const phone = nextPhone();
    const started = await startOn(narrow, phone);
    let answer!: () => void;
    smsRu.statusGate = new Promise<void>((resolve) => (answer = resolve));
    try {
      let done = false;
      const round = narrow.app.get(StatusPollerService).poll();
      void round.finally(() => (done = true));
      await until(() => smsRu.statusInFlight > 0);
      // The poll waits on the platform; a client of the same instance gets the pool's one connection.
      const token = await narrow.request('POST', `/auth/phone-call/verifications/${started.id}/token`, {
        secret: started.secret,
      });
      expect(token.status).toBe(202);
      expect(done).toBe(false);
      answer();
      expect((await round).ran).toBe(true);
    } finally {
      answer();
      smsRu.statusGate = undefined;
    }
  });

  it('asks about a wait at most once per interval, on any instance', async () => {
    const phone = nextPhone();
    const started = await startOn(app, phone);
    const asked = () =>
      smsRu.requests.filter(
        (request) => request.path === '/callcheck/status' && request.params.check_id === smsRu.checkFor(phone)!.checkId,
      ).length;
    await app.app.get(StatusPollerService).poll();
    expect(asked()).toBe(1);
    // Polled a moment ago: neither instance asks again before the interval has passed.
    await app.app.get(StatusPollerService).poll();
    await second.app.get(StatusPollerService).poll();
    expect(asked()).toBe(1);
    const [row] = await app.dataSource.query(
      `SELECT poll_after > now() AS resting, poll_after < now() + interval '16 seconds' AS "withinInterval"
       FROM ${VERIFICATION_TABLE} WHERE id = $1`,
      [started.id],
    );
    expect(row).toEqual({ resting: true, withinInterval: true });
    expect((await rowOf(app, started.id)).status).toBe('pending');
  });
});
