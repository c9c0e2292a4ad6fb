import { randomUUID } from 'node:crypto';
import { messageOf } from './support/messages.js';
import { nextPhone } from './support/phones.js';
import { PREFIX, useTestApp } from './support/test-app.js';
import { digits, verificationHelpers } from './support/verifications.js';

/* Redeeming a verification for its token: once only, and only with its secret. */

const t = useTestApp();
const { start, redeem, placeCall } = verificationHelpers(t);

describe('POST /verifications/:id/token (redeeming)', () => {
  it('issues the token once: a second redeem is 410 consumed', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await placeCall({ from: digits(phone) });
    expect((await redeem(id, secret)).status).toBe(200);

    const again = await redeem(id, secret);
    expect(again.status).toBe(410);
    expect(again.body.status).toBe('consumed');
    expect(again.body.accessToken).toBeUndefined();
  });

  it('answers an unknown id and a wrong secret identically with 401', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await placeCall({ from: digits(phone) });

    const unknownId = await redeem(randomUUID(), secret);
    const wrongSecret = await redeem(id, `${secret.slice(0, -2)}xx`);
    expect(unknownId.status).toBe(401);
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toEqual(unknownId.body);
    expect(wrongSecret.text).not.toContain(id);

    // The failed attempts left the verification redeemable by its holder.
    expect((await redeem(id, secret)).status).toBe(200);
  });

  it.each(['not-a-uuid', '12345', `${randomUUID()}x`])('answers a malformed id %j with 400', async (badId) => {
    const response = await redeem(badId, 'some-secret');
    expect(response.status).toBe(400);
  });

  it('answers a missing secret with 400, and an empty one too', async () => {
    const { id } = await start(nextPhone());
    const missing = await redeem(id);
    expect(missing.status).toBe(400);
    expect(messageOf(missing)).toMatch(/secret/);
    expect((await redeem(id, '')).status).toBe(400);
  });

  it('takes the secret from the X-Verification-Secret header instead of the body', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await placeCall({ from: digits(phone) });

    const wrong = await t.request('POST', `${PREFIX}/verifications/${id}/token`, undefined, {
      'x-verification-secret': 'wrong',
    });
    expect(wrong.status).toBe(401);

    const issued = await t.request('POST', `${PREFIX}/verifications/${id}/token`, undefined, {
      'x-verification-secret': secret,
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
  });
});
