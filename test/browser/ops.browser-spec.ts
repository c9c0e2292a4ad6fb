import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.support.js';
import { type RunningSampleApp, startSampleApp } from './sample-app.support.js';

/** Committed screenshots, shown in docs/dashboard.md. */
const SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots');
const TOKEN = 'browser-test-ops-token-0123456789';

describe('the operator dashboard, in Chromium', () => {
  let sample: RunningSampleApp;
  let browser: Browser;
  let verificationId: string;
  /** Every URL the browser asked for: the page must load nothing from another origin. */
  const requested: string[] = [];

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${sample.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    sample = await startSampleApp({ simulator: true, env: { PHONE_CALL_OPS_TOKEN: TOKEN } });
    // Something to draw: two calls proven and redeemed, one left waiting, an SMS, refused numbers.
    for (const phone of ['+79670311122', '+79670311123']) {
      const started = await post('/auth/phone-call/verifications', { phone });
      expect(started.status).toBe(201);
      verificationId ??= started.body.id;
      await sample.fake!.placeCall({ from: phone.slice(1) });
      expect(
        (await post(`/auth/phone-call/verifications/${started.body.id}/token`, { secret: started.body.secret })).status,
      ).toBe(200);
    }
    expect((await post('/auth/phone-call/verifications', { phone: '+79670311124' })).status).toBe(201);
    expect((await post('/auth/phone-call/verifications', { phone: '+79670311125', channel: 'sms' })).status).toBe(201);
    for (const phone of ['+7 800 555-35-35', '+7 800 555-35-36', '+7 809 505-00-00', '12']) {
      expect((await post('/auth/phone-call/verifications', { phone })).status).toBe(400);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await sample?.close();
  });

  /** Whether a canvas has any pixel drawn. */
  const drawn = (page: Page, id: string) =>
    page.locator(`#${id}`).evaluate((element) => {
      // The page's own types (the test's tsconfig has no DOM library).
      const canvas = element as unknown as {
        width: number;
        height: number;
        getContext(kind: '2d'): {
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
        };
      };
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      return canvas.width > 0 && data.some((value, index) => index % 4 === 3 && value > 0);
    });

  it('asks for the token once, draws the charts and finds a verification’s history', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${sample.baseUrl}/ops`);
    await page.locator('body[data-ready="true"]').waitFor();

    // A wrong token is refused and asked again.
    await page.getByLabel('Operator token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByText('This token is not accepted.').waitFor();

    await page.getByLabel('Operator token').fill(TOKEN);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.locator('#dashboard:not([hidden])').waitFor();
    for (const id of [
      'chart-channel',
      'chart-country',
      'chart-provider',
      'chart-latency',
      'chart-sms',
      'chart-prefixes',
    ]) {
      expect(await drawn(page, id)).toBe(true);
    }
    expect(await page.locator('#platforms-table').textContent()).toMatch(/ssms\s*4\s*0\s*0%/);
    expect(await page.locator('#sms-text').textContent()).toContain('1 of');
    expect(await page.locator('#refusals-table').textContent()).toContain('NUMBER_TYPE_REFUSED');
    expect(await page.locator('#blocked-list').textContent()).toContain('None');
    await page.screenshot({ path: join(SCREENSHOTS, 'ops-dashboard.png'), fullPage: true });

    // The token stays for the tab: a reload asks nothing.
    await page.reload();
    await page.locator('#dashboard:not([hidden])').waitFor();

    await page.getByLabel('Verification id').fill(verificationId);
    await page.getByRole('button', { name: 'Find' }).click();
    const rows = page.locator('#history-table tbody tr');
    await rows.nth(4).waitFor();
    expect(await rows.allTextContents()).toEqual([
      expect.stringMatching(/platform answered\s*ok\s*ssms/),
      expect.stringMatching(/started/),
      expect.stringMatching(/call reported\s*matched\s*ssms\s*\+7967\*\*\*1122/),
      expect.stringMatching(/proven\s*call/),
      expect.stringMatching(/redeemed/),
    ]);
    expect(await page.locator('#history-result').textContent()).not.toContain('79670311122');
    await page.locator('#history-result').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'ops-history.png'), fullPage: true });

    // An unknown id: the server's message, in the page's language.
    await page.getByRole('button', { name: 'Русский' }).click();
    await page.getByLabel('Id проверки').fill('00000000-0000-4000-8000-000000000000');
    await page.getByRole('button', { name: 'Найти' }).click();
    await page.getByText('Проверки с таким id нет').waitFor();
    await context.close();

    const origin = new URL(sample.baseUrl).origin;
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
  });
});
