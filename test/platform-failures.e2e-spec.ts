import { SsmsProvider } from 'nestjs-phone-call-auth';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { freePort } from './support/global-setup.js';
import { messageOf } from './support/messages.js';
import { nextPhone } from './support/phones.js';
import { bootTestApp, PREFIX, type TestApp, useTestApp } from './support/test-app.js';
import { verificationHelpers } from './support/verifications.js';

/* When the telephony platform fails, a start answers with the failure and writes nothing. */

const t = useTestApp();
const { startRequest, countVerifications } = verificationHelpers(t);

describe('platform failures leave nothing behind', () => {
  it('a platform error: 502 with the platform text, no verification row', async () => {
    const phone = nextPhone();
    t.platform.failNext('7', 'Недостаточно средств');
    const response = await startRequest(phone);
    expect(response.status).toBe(502);
    expect(messageOf(response)).toContain('Недостаточно средств');
    expect(response.body.platformCode).toBe('7');
    expect(await countVerifications(phone)).toBe(0);
  });

  it('a platform that does not answer within timeoutMs: 504, no verification row', async () => {
    const phone = nextPhone();
    t.platform.stallNext();
    const startedAt = Date.now();
    const response = await startRequest(phone);
    // Status and message together, so a failure shows which error the module answered instead.
    expect({ status: response.status, message: messageOf(response) }).toEqual({
      status: 504,
      message: expect.stringMatching(/did not answer within 1000 ms/),
    });
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(await countVerifications(phone)).toBe(0);
  });

  it('an HTML error page: 502, no verification row', async () => {
    const phone = nextPhone();
    t.platform.respondNextWith(503, '<html>Bad gateway</html>');
    const response = await startRequest(phone);
    expect(response.status).toBe(502);
    expect(messageOf(response)).toMatch(/HTTP 503/);
    expect(await countVerifications(phone)).toBe(0);
  });

  it('the platform works again afterwards', async () => {
    const phone = nextPhone();
    expect((await startRequest(phone)).status).toBe(201);
    expect(await countVerifications(phone)).toBe(1);
  });

  describe('a platform that refuses the connection', () => {
    let unused: FakeSsmsPlatform;
    let refused: TestApp;

    beforeAll(async () => {
      const port = await freePort(); // released at once: nothing listens on it
      unused = await FakeSsmsPlatform.start(); // bootTestApp points its platform's callbackUrl at the app
      refused = await bootTestApp({
        databaseUrl: t.databaseUrl,
        platform: unused,
        options: { provider: new SsmsProvider({ apiKey: 'x', baseUrl: `http://127.0.0.1:${port}/` }) },
      });
    });
    afterAll(async () => {
      await refused?.close();
      await unused?.close();
    });

    it('answers 502 and writes no verification row', async () => {
      const phone = nextPhone();
      const response = await refused.request('POST', `${PREFIX}/verifications`, { phone });
      expect(response.status).toBe(502);
      expect(messageOf(response)).toMatch(/could not reach/);
      expect(await countVerifications(phone)).toBe(0);
    });
  });
});
