import { SsmsProvider } from 'nestjs-phone-call-auth';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { CapturingLogger } from './support/capturing-logger.js';
import { freePort } from './support/global-setup.js';
import { nextPhone } from './support/phones.js';
import { bootTestApp, PREFIX, type TestApp, type TestResponse, useTestApp } from './support/test-app.js';
import { digits, verificationHelpers } from './support/verifications.js';

/*
 * When the telephony platform fails, a start answers with the failure and writes nothing. The
 * client gets plain words; the platform's text, code, URL and address go to the log, numbers masked.
 */

const logger = new CapturingLogger();
const t = useTestApp({ logger });
const { startRequest, countVerifications } = verificationHelpers(t);

/** The plain words, in the default locale (ru): "The telephony platform is unavailable; try again later." */
const PLAIN = 'Телефонная платформа недоступна; попробуйте позже.';

/** The answer is the plain one, and holds none of `secrets` (nor the number, in any notation). */
function expectPlain(response: TestResponse, status: 502 | 504, phone: string, secrets: string[]) {
  const error = status === 502 ? 'Bad Gateway' : 'Gateway Timeout';
  const code = status === 502 ? 'PLATFORM_UNAVAILABLE' : 'PLATFORM_TIMEOUT';
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { statusCode: status, error, code, message: PLAIN },
  });
  for (const secret of [...secrets, 'ssms', 'platformCode', '127.0.0.1', digits(phone).slice(1)]) {
    expect(response.text).not.toContain(secret);
  }
}

/** The log lines about a start for `phone` (masked as +7967***xxxx); no line holds the whole number. */
function logOf(phone: string): string {
  expect(logger.text).not.toContain(digits(phone).slice(1));
  return logger.lines.filter((line) => line.includes(`${phone.slice(0, 5)}***${phone.slice(-4)}`)).join('\n');
}

describe('platform failures leave nothing behind', () => {
  it('a platform error: 502 in plain words, the platform text and code only in the log', async () => {
    const phone = nextPhone();
    t.platform.failNext('7', 'Недостаточно средств');
    const response = await startRequest(phone);
    expectPlain(response, 502, phone, ['Недостаточно средств', '"7"', t.platform.url]);
    expect(await countVerifications(phone)).toBe(0);
    expect(logOf(phone)).toMatch(
      /ssms could not start a verification for .*: wait_call refused: error "7": "Недостаточно средств"/,
    );
  });

  it('a platform error that quotes the number: the log masks it', async () => {
    const phone = nextPhone();
    t.platform.failNext('4', `Номер ${digits(phone)} заблокирован`);
    expectPlain(await startRequest(phone), 502, phone, ['заблокирован']);
    expect(logOf(phone)).toMatch(/"Номер 7967\*\*\*\d{4} заблокирован"/);
  });

  it('a platform that does not answer within timeoutMs: 504 in plain words, no verification row', async () => {
    const phone = nextPhone();
    t.platform.stallNext();
    const startedAt = Date.now();
    const response = await startRequest(phone);
    expectPlain(response, 504, phone, ['1000 ms']);
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(await countVerifications(phone)).toBe(0);
    expect(logOf(phone)).toMatch(/it did not answer within 1000 ms/);
  });

  it('an HTML error page: 502 in plain words, the page only in the log', async () => {
    const phone = nextPhone();
    t.platform.respondNextWith(503, '<html>Bad gateway</html>');
    const response = await startRequest(phone);
    expectPlain(response, 502, phone, ['HTTP 503', '<html>', 'text/html']);
    expect(await countVerifications(phone)).toBe(0);
    expect(logOf(phone)).toMatch(
      /it answered HTTP 503 \(text\/html\) that is not its JSON API: "<html>Bad gateway<\/html>"/,
    );
  });

  it('the platform works again afterwards', async () => {
    const phone = nextPhone();
    expect((await startRequest(phone)).status).toBe(201);
    expect(await countVerifications(phone)).toBe(1);
  });

  describe('a platform that refuses the connection', () => {
    let unused: FakeSsmsPlatform;
    let refused: TestApp;
    let port: number;

    beforeAll(async () => {
      port = await freePort(); // released at once: nothing listens on it
      unused = await FakeSsmsPlatform.start(); // bootTestApp points its platform's callbackUrl at the app
      refused = await bootTestApp({
        databaseUrl: t.databaseUrl,
        platform: unused,
        logger,
        options: { providers: [new SsmsProvider({ apiKey: 'x', baseUrl: `http://127.0.0.1:${port}/` })] },
      });
    });
    afterAll(async () => {
      await refused?.close();
      await unused?.close();
    });

    it('answers 502 in plain words (no URL, no address) and writes no verification row', async () => {
      const phone = nextPhone();
      const response = await refused.request('POST', `${PREFIX}/verifications`, { phone });
      expectPlain(response, 502, phone, [String(port), 'ECONNREFUSED', 'could not reach']);
      expect(await countVerifications(phone)).toBe(0);
      expect(logOf(phone)).toContain(`wait_call could not reach http://127.0.0.1:${port} (ECONNREFUSED)`);
    });
  });
});
