import { messageOf } from './support/messages.js';
import { nextPhone } from './support/phones.js';
import { PREFIX, TEST_CALLBACK_SECRET, useTestApp } from './support/test-app.js';
import { digits, verificationHelpers } from './support/verifications.js';

/* Malformed, oversized and hostile input: a 4xx, never a 5xx, and nothing written or verified. */

const t = useTestApp();
const { startRequest, start, verificationRow, countVerifications, recordedDuring, callbackGet } =
  verificationHelpers(t);

describe('bad input', () => {
  it.each(['12345', '+1 000', 'not a phone', '+7 000 000-00-00'])(
    'an invalid phone %j: 400 INVALID_PHONE with a message about the phone',
    async (phone) => {
      const response = await t.request('POST', `${PREFIX}/verifications`, { phone }, { 'accept-language': 'en' });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_PHONE');
      expect(messageOf(response)).toMatch(/phone/);
    },
  );

  it('an unknown extra body field: 400 naming it', async () => {
    const response = await t.request('POST', `${PREFIX}/verifications`, { phone: nextPhone(), admin: true });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_REQUEST');
    expect(messageOf(response)).toMatch(/admin/);
  });

  it.each([
    ['a number', '{"phone": 79670311122}'],
    ['an array', '{"phone": ["+79670311122"]}'],
    ['an object', '{"phone": {"$ne": ""}}'],
    ['a top-level array', '[]'],
    ['a top-level string', '"x"'],
    ['null', 'null'],
    ['broken JSON', '{"phone": '],
  ])('JSON of the wrong type (%s): 4xx, never 5xx, and nothing written', async (_label, raw) => {
    const before = await countVerifications();
    const response = await t.request('POST', `${PREFIX}/verifications`, raw);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await countVerifications()).toBe(before);
  });

  it('a 10 kB phone string: 400', async () => {
    const response = await startRequest(`+7${'9'.repeat(10_240)}`);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_REQUEST');
    expect(messageOf(response)).toMatch(/phone/);
  });

  it.each([
    ['inside the number', '+7967\u00000311122'],
    ['after a valid number', '+79670311122\u0000'],
  ])('a null byte %s: 400 and nothing written', async (_label, phone) => {
    const before = await countVerifications();
    const response = await startRequest(phone);
    expect(response.status).toBe(400);
    expect(await countVerifications()).toBe(before);
  });

  it('an SQL fragment after a valid number: 400 and nothing written', async () => {
    const before = await countVerifications();
    const response = await startRequest(`+79670311122'; DROP TABLE phone_call_verification; --`);
    expect(response.status).toBe(400);
    expect(await countVerifications()).toBe(before);
  });

  it('a repeated callback parameter (?phone=1&phone=2): 200, recorded, nothing verified', async () => {
    const phone = nextPhone();
    const { id, wait } = await start(phone);
    const query = `phone=${digits(phone)}&phone=${digits(phone)}&call_to_number=${wait.callTo}&id_call=${wait.idCall}`;

    const rows = await recordedDuring(async () => {
      expect(await callbackGet(TEST_CALLBACK_SECRET, query)).toEqual({ status: 200, body: 'OK' });
    });
    expect(rows).toEqual([{ outcome: 'no_caller_id', caller: null, verification_id: null }]);
    expect((await verificationRow(id)).status).toBe('pending');
  });

  it('a callback with ?phone=1&phone=2 exactly: 200 and recorded', async () => {
    const rows = await recordedDuring(async () => {
      expect(await callbackGet(TEST_CALLBACK_SECRET, 'phone=1&phone=2')).toEqual({ status: 200, body: 'OK' });
    });
    expect(rows).toEqual([{ outcome: 'no_caller_id', caller: null, verification_id: null }]);
  });
});
