import type { Browser, BrowserContext, Page } from 'playwright-core';
import pg from 'pg';
import { VERIFICATION_TABLE } from '../support/tables.js';
import { launchChromium } from './chromium.support.js';
import { type RunningSampleApp, startSampleApp } from './sample-app.support.js';

/*
 * The signed-in person's flows on the sample page: a payment that needs a proof from the last
 * minute (PHONE_CALL_STEP_UP_MAX_AGE=60), met by proving the same number again without signing
 * out; and a change of number, in Russian.
 */

const MAX_AGE = 60;
const SIGN_IN_POLL = /\/auth\/phone-call\/verifications\/([^/]+)\/token$/;

describe('the signed-in page: step-up and change of number, in Chromium', () => {
  let sample: RunningSampleApp;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let database: pg.Client;

  beforeAll(async () => {
    browser = await launchChromium();
    sample = await startSampleApp({ simulator: true, env: { PHONE_CALL_STEP_UP_MAX_AGE: String(MAX_AGE) } });
    database = new pg.Client({ connectionString: sample.databaseUrl });
    await database.connect();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await database?.end();
    await browser?.close();
    await sample?.close();
  });

  async function open(locale: string): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
    const page = await context.newPage();
    await page.goto(`${sample.baseUrl}/`);
    await page.locator('body[data-ready="true"]').waitFor();
    return page;
  }

  /** Places the call from the simulator panel and waits for the fake platform's report to be answered. */
  async function placeCall(page: Page): Promise<void> {
    const reported = page.waitForResponse((response) => /\/dev\/verifications\/[^/]+\/calls$/.test(response.url()));
    await page.locator('[data-scenario="call"]').click();
    expect((await reported).status()).toBe(200);
  }

  /**
   * Signs in with `phone` by a call, its proof made `agedSeconds` old: the page's poll that redeems
   * it is held until the call is reported, and the verification's `verified_at` moved back first.
   */
  async function signIn(page: Page, phone: string, agedSeconds = 0): Promise<void> {
    let reported!: () => void;
    const called = new Promise<void>((resolve) => (reported = resolve));
    await page.route(SIGN_IN_POLL, async (route) => {
      await called;
      const id = SIGN_IN_POLL.exec(route.request().url())![1];
      await database.query(
        `UPDATE ${VERIFICATION_TABLE} SET verified_at = verified_at - make_interval(secs => $2) WHERE id = $1`,
        [id, agedSeconds],
      );
      await route.continue();
    });
    await page.locator('#phone').fill(phone);
    await page.locator('#start-button').click();
    await page.locator('#call-view:not([hidden])').waitFor();
    await placeCall(page);
    reported();
    await page.locator('#done-view:not([hidden])').waitFor();
    await page.unroute(SIGN_IN_POLL);
  }

  it('answers the challenge of a payment by proving the same number again, without signing out', async () => {
    const page = await open('en-US');
    await signIn(page, '+7 903 555-02-01', MAX_AGE + 60);
    expect(await page.locator('#verified-phone').textContent()).toBe('+79035550201');

    const refused = page.waitForResponse((response) => response.url().endsWith('/me/confirm-payment'));
    await page.getByRole('button', { name: 'Confirm a payment' }).click();
    const challenge = await refused;
    expect(challenge.status()).toBe(401);
    expect(await challenge.headerValue('www-authenticate')).toBe(
      'Bearer error="insufficient_user_authentication", ' +
        `error_description="A more recent proof of the phone number is required", max_age="${MAX_AGE}"`,
    );

    // The same number again: the call step, saying why.
    await page.getByRole('heading', { name: 'Call this number' }).waitFor();
    expect(await page.locator('#call-purpose').textContent()).toBe(
      'To confirm the payment, prove again that the number is yours: it was proven too long ago.',
    );
    const confirmed = page.waitForResponse(
      (response) => response.url().endsWith('/me/confirm-payment') && response.status() === 200,
    );
    await placeCall(page);
    await confirmed;
    await page.getByRole('heading', { name: 'Your number is verified' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Payment confirmed.' }).waitFor();
    // Still signed in, as the same account.
    expect(await page.locator('#verified-phone').textContent()).toBe('+79035550201');
    expect(await page.locator('#account-id').textContent()).toBe('+79035550201');
    // A second payment right away needs no new proof.
    const again = page.waitForResponse((response) => response.url().endsWith('/me/confirm-payment'));
    await page.getByRole('button', { name: 'Confirm a payment' }).click();
    expect((await again).status()).toBe(200);
  });

  it('changes the number of the account, in Russian', async () => {
    const page = await open('ru-RU');
    await signIn(page, '+7 903 555-02-02');
    await page.getByRole('button', { name: 'Сменить номер' }).click();
    await page.getByRole('heading', { name: 'Смена номера' }).waitFor();
    await page.getByLabel('Ваш новый номер телефона').fill('+7 903 555-02-03');
    await page.locator('#start-button').click();
    await page.getByRole('heading', { name: 'Позвоните на этот номер' }).waitFor();
    expect(await page.locator('#call-purpose').textContent()).toBe(
      'Подтвердите новый номер +7 903 555-02-03. Учётная запись останется прежней.',
    );
    await placeCall(page);
    await page.getByRole('status').filter({ hasText: 'Номер изменён на +79035550203.' }).waitFor();
    expect(await page.locator('#verified-phone').textContent()).toBe('+79035550203');
    // The same account, now with the new number.
    expect(await page.locator('#account-id').textContent()).toBe('+79035550202');

    // Back from the form without changing anything.
    await page.getByRole('button', { name: 'Сменить номер' }).click();
    await page.getByRole('button', { name: 'Назад' }).click();
    await page.getByRole('heading', { name: 'Ваш номер подтверждён' }).waitFor();
  });
});
