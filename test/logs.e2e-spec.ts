import { CapturingLogger } from './support/capturing-logger.js';
import { PREFIX, TEST_CALLBACK_SECRET, useTestApp } from './support/test-app.js';

describe('logs of a full flow', () => {
  const logger = new CapturingLogger();
  const t = useTestApp({ logger });

  it('hold no secret, no token and no unmasked phone number', async () => {
    const { platform } = t;
    const started = await t.request('POST', `${PREFIX}/verifications`, { phone: '+7 967 031-11-22' });
    const { id, secret } = started.body;
    await platform.placeCall({ from: '+7 (905) 123-45-67' });
    await platform.placeCall({ from: '79670311122' });
    const issued = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
    expect(issued.status).toBe(200);
    await t.request('GET', '/me', undefined, { authorization: `Bearer ${issued.body.accessToken}` });
    await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret: 'wrong' });
    await t.request('GET', `${PREFIX}/callback/not-the-secret?phone=79670311122`);
    platform.failNext('7', 'balance too low');
    await t.request('POST', `${PREFIX}/verifications`, { phone: '+79161234567' });

    const all = logger.lines.join('\n');
    // The flow did log: the checks below are not passing on an empty log.
    expect(all).toContain('+7967***1122');
    expect(all).toContain('matched');
    for (const forbidden of [
      secret,
      issued.body.accessToken,
      issued.body.accessToken.split('.')[2],
      TEST_CALLBACK_SECRET,
      platform.apiKey,
    ]) {
      expect(all).not.toContain(forbidden);
    }
    // None of the numbers of the flow unmasked, in any notation (digits with separators between).
    for (const digits of ['9670311122', '9051234567', '9161234567']) {
      expect(all).not.toMatch(new RegExp(digits.split('').join('[\\s()-]*')));
    }
  });
});
