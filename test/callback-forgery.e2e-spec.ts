import type { FakeWait } from 'nestjs-phone-call-auth/testing';
import { nextPhone } from './support/phones.js';
import { VERIFICATION_TABLE } from './support/tables.js';
import { TEST_CALLBACK_SECRET, useTestApp } from './support/test-app.js';
import { digits, verificationHelpers } from './support/verifications.js';

/*
 * Forged and stray calls: a callback without the right secret, and inbound calls from the wrong
 * caller, too late or with no usable caller ID, verify nothing (and are recorded as such).
 */

const t = useTestApp();
const { start, redeem, placeCall, verificationRow, recordedDuring, callbackGet } = verificationHelpers(t);

describe('the callback route', () => {
  const callQuery = (from: string, wait: FakeWait): string =>
    new URLSearchParams({ phone: from, call_to_number: wait.callTo, id_call: wait.idCall }).toString();

  it.each([
    ['another secret', 'an-entirely-different-secret-0123456789abcdef'],
    ['the secret with one character changed', `${TEST_CALLBACK_SECRET.slice(0, -1)}X`],
    ['the secret with a suffix', `${TEST_CALLBACK_SECRET}0`],
    ['a prefix of the secret', TEST_CALLBACK_SECRET.slice(0, 16)],
  ])('refuses %s with 403 and verifies nothing', async (_label, wrongSecret) => {
    const phone = nextPhone();
    const { id, secret, wait } = await start(phone);

    const rows = await recordedDuring(async () => {
      const response = await callbackGet(wrongSecret, callQuery(digits(phone), wait));
      expect(response.status).toBe(403);
      expect(response.body).not.toContain(TEST_CALLBACK_SECRET);
    });
    expect(rows).toEqual([]);
    expect((await verificationRow(id)).status).toBe('pending');
    expect((await redeem(id, secret)).status).toBe(202);
  });

  it('answers 200 "OK" with the right secret, and the call verifies', async () => {
    const phone = nextPhone();
    const { id, wait } = await start(phone);
    const response = await fetch(`${t.callbackUrl}?${callQuery(digits(phone), wait)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('OK');
    expect((await verificationRow(id)).status).toBe('verified');
  });
});

describe('inbound calls that must verify nothing', () => {
  it('a call from another number to the right number with the right wait id: no_match', async () => {
    const phone = nextPhone();
    const attacker = nextPhone();
    const { id, secret, wait } = await start(phone);

    const rows = await recordedDuring(() =>
      placeCall({ from: digits(attacker), to: wait.callTo, params: { id_call: wait.idCall } }),
    );
    expect(rows).toEqual([{ outcome: 'no_match', caller: attacker, verification_id: null }]);
    expect((await verificationRow(id)).status).toBe('pending');
    expect((await redeem(id, secret)).status).toBe(202);
  });

  it('a call after the window: late, and the token endpoint says 410 expired', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await t.dataSource.query(
      `UPDATE ${VERIFICATION_TABLE} SET expires_at = now() - interval '1 second', created_at = created_at - interval '1 minute' WHERE id = $1`,
      [id],
    );

    const rows = await recordedDuring(() => placeCall({ from: digits(phone) }));
    expect(rows).toEqual([{ outcome: 'late', caller: phone, verification_id: null }]);
    expect(await verificationRow(id)).toEqual({ status: 'pending', verified_at: null });

    const response = await redeem(id, secret);
    expect(response.status).toBe(410);
    expect(response.body.status).toBe('expired');
  });

  it.each([
    ['anonymous', 'anonymous'],
    ['restricted', 'restricted'],
    ['empty', ''],
    ['letters', 'abc'],
    ['a lone plus', '+'],
    ['200 characters', '7'.repeat(200)],
  ])(
    'a withheld or invalid caller ID (%s): no_caller_id, even with the right number and wait id',
    async (_label, from) => {
      const phone = nextPhone();
      const { id, wait } = await start(phone);

      const rows = await recordedDuring(() => placeCall({ from, to: wait.callTo, params: { id_call: wait.idCall } }));
      expect(rows).toEqual([{ outcome: 'no_caller_id', caller: null, verification_id: null }]);
      expect((await verificationRow(id)).status).toBe('pending');
    },
  );

  it('a caller ID with letters around the right number: never matches', async () => {
    const phone = nextPhone();
    const { id, wait } = await start(phone);

    const from = `anonymous ${digits(phone)}`;
    const rows = await recordedDuring(() => placeCall({ from, to: wait.callTo, params: { id_call: wait.idCall } }));
    expect(rows).toHaveLength(1);
    expect(rows[0].outcome).not.toBe('matched');
    expect((await verificationRow(id)).status).toBe('pending');
  });
});
