import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium.support.js';
import { type RunningSampleApp, startSampleApp } from './sample-app.support.js';

/** Committed screenshots, shown in the README. */
const SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

describe('the sign-in page, in Chromium', () => {
  let sample: RunningSampleApp;
  let browser: Browser;
  let context: BrowserContext | undefined;
  /** Every URL the browser asked for: the page must load nothing from another origin. */
  const requested: string[] = [];

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    // On the fake platform the sample app relaxes its limits for development; the 429 test needs the
    // module's per-number limit back.
    sample = await startSampleApp({ simulator: true, env: { PHONE_CALL_LIMIT_PER_PHONE: '3/600' } });
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await sample?.close();
  });

  async function open(viewport: { width: number; height: number }, baseUrl = sample.baseUrl): Promise<Page> {
    context = await browser.newContext({
      viewport,
      isMobile: viewport.width < 500,
      hasTouch: viewport.width < 500,
      locale: 'en-US',
    });
    const page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${baseUrl}/`);
    await page.locator('body[data-ready="true"]').waitFor();
    return page;
  }

  /** Types a number with the keyboard and presses Enter, as a person would. */
  async function start(page: Page, phone: string): Promise<void> {
    await page.getByLabel('Your phone number').focus();
    await page.keyboard.type(phone);
    await page.keyboard.press('Enter');
  }

  const countdownSeconds = (page: Page) =>
    page.locator('#countdown').evaluate((element) => {
      const [minutes, seconds] = (element.textContent ?? '').split(':').map(Number);
      return minutes * 60 + seconds;
    });

  it('verifies a number through the simulator panel, with a running countdown (desktop)', async () => {
    const page = await open(DESKTOP);
    const panel = page.getByRole('complementary', { name: /phone simulator/i });
    await panel.waitFor();
    expect(await panel.textContent()).toContain('fake telephony platform');
    await page.screenshot({ path: join(SCREENSHOTS, 'desktop-start.png') });

    await start(page, '+7 967 031-11-22');
    const heading = page.getByRole('heading', { name: 'Call this number' });
    await heading.waitFor();
    // Focus moves to the new step, so a screen reader reads it.
    expect(await page.locator(':focus').getAttribute('id')).toBe('call-title');
    const callTo = page.getByRole('link', { name: '+7 499 399 00 01' });
    expect(await callTo.getAttribute('href')).toBe('tel:+74993990001');
    expect(await page.locator('#call-view').textContent()).toMatch(/wait for the busy signal, then hang up/);
    expect(await page.getByRole('status').textContent()).toMatch(/Waiting for your call/);

    const first = await countdownSeconds(page);
    expect(first).toBeGreaterThan(100);
    expect(first).toBeLessThanOrEqual(120);
    // The countdown runs: wait until it shows another number, then check that it is smaller.
    const firstText = (await page.locator('#countdown').textContent())!;
    await page.locator('#countdown', { hasNotText: firstText }).waitFor();
    expect(await countdownSeconds(page)).toBeLessThan(first);
    await page.screenshot({ path: join(SCREENSHOTS, 'desktop-call.png') });

    await panel.getByRole('button', { name: 'Place the call' }).click();
    await page.getByRole('heading', { name: 'Your number is verified' }).waitFor();
    expect(await page.locator('#verified-phone').textContent()).toBe('+79670311122');
    expect(await page.getByRole('status').textContent()).toBe('Signed in.');
    // Without PHONE_CALL_JWT_COOKIE the page sends the token itself, and no cookie is set.
    expect(await page.locator('#cookie-note').isHidden()).toBe(true);
    expect(await context!.cookies()).toEqual([]);
    // The sample app has no sign-out route of its own (a form could post to it): the page uses the module's.
    expect((await page.request.post(`${sample.baseUrl}/sign-out`)).status()).toBe(404);
    await page.screenshot({ path: join(SCREENSHOTS, 'desktop-verified.png') });
  });

  it('explains a bad number in plain words next to the field (400)', async () => {
    const page = await open(PHONE);
    await page.getByRole('button', { name: 'Get a number to call' }).click();
    const error = page.locator('#phone-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('Enter your phone number, e.g. +7 967 031-11-22.');

    await start(page, '12345');
    await page.getByText('phone is not a valid phone number', { exact: false }).waitFor();
    expect(await error.textContent()).toMatch(/^phone is not a valid phone number: write digits/);
    expect(await page.getByLabel('Your phone number').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(':focus').getAttribute('id')).toBe('phone');
    await page.screenshot({ path: join(SCREENSHOTS, 'phone-error.png'), fullPage: true });
  });

  it('fits a phone-sized screen through the whole flow', async () => {
    const page = await open(PHONE);
    await start(page, '8 (916) 123-45-67');
    await page.getByRole('heading', { name: 'Call this number' }).waitFor();
    // Nothing is wider than the screen.
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(SCREENSHOTS, 'phone-call.png'), fullPage: true });

    await page.getByRole('button', { name: 'Place the call' }).click();
    await page.getByRole('heading', { name: 'Your number is verified' }).waitFor();
    expect(await page.locator('#verified-phone').textContent()).toBe('+79161234567');
    await page.screenshot({ path: join(SCREENSHOTS, 'phone-verified.png'), fullPage: true });
  });

  it('keeps waiting after a call from another number, and cancels', async () => {
    const page = await open(DESKTOP);
    await start(page, '+7 903 555-01-02');
    await page.getByRole('heading', { name: 'Call this number' }).waitFor();
    await page.getByRole('button', { name: 'Call from another number' }).click();
    await page.getByText('Call placed from another number (+79035550103)', { exact: false }).waitFor();
    // Two polls later (every 2 s), still waiting: the call did not verify anything.
    await page.waitForResponse((response) => response.url().endsWith('/token') && response.status() === 202);
    await page.waitForResponse((response) => response.url().endsWith('/token') && response.status() === 202);
    expect(await page.locator('#call-view').isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Sign in with your phone' }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe('Canceled. You can start again.');
  });

  it('offers to start again when the call comes too late', async () => {
    const page = await open(DESKTOP);
    await start(page, '+7 903 555-01-04');
    await page.getByRole('heading', { name: 'Call this number' }).waitFor();
    await page.getByRole('button', { name: 'Call too late' }).click();
    await page.getByRole('heading', { name: 'Time is up' }).waitFor();
    expect(await page.locator('#ended-text').textContent()).toMatch(/not verified/);
    await page.screenshot({ path: join(SCREENSHOTS, 'desktop-expired.png') });

    await page.getByRole('button', { name: 'Start again' }).click();
    await page.getByRole('heading', { name: 'Sign in with your phone' }).waitFor();
    expect(await page.locator(':focus').getAttribute('id')).toBe('phone');
  });

  it('says in plain words when the phone service fails (502)', async () => {
    const page = await open(DESKTOP);
    sample.fake!.failNext(100, 'fake: the platform is down');
    await start(page, '+7 903 555-01-06');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'The phone service could not start the check right now. Please try again in a minute.',
    );
  });

  it('tells how long to wait after too many attempts (429, Retry-After)', async () => {
    // The module's default per-number limit, set for this app: 3 starts per number (and client) in 10 minutes.
    const page = await open(PHONE);
    await start(page, '+7 903 555-01-08');
    for (let attempt = 1; attempt <= 3; attempt++) {
      await page.getByRole('heading', { name: 'Call this number' }).waitFor();
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('heading', { name: 'Sign in with your phone' }).waitFor();
      const answer = page.waitForResponse((response) => response.url().endsWith('/verifications'));
      await page.getByRole('button', { name: 'Get a number to call' }).click();
      if (attempt === 3) {
        const refused = await answer;
        expect(refused.status()).toBe(429);
        expect(Number(await refused.headerValue('retry-after'))).toBeGreaterThan(590);
      }
    }
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Too many attempts. Please try again in 10 minutes.');
  });

  it('loaded everything from the app itself', () => {
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(`${sample.baseUrl}/`) && !url.startsWith('data:'))).toEqual([]);
  });

  it('shows no simulator panel when the app runs on a real platform', async () => {
    const real = await startSampleApp({ simulator: false });
    try {
      const page = await open(DESKTOP, real.baseUrl);
      expect(await page.locator('#dev-panel').isHidden()).toBe(true);
      expect((await page.request.post(`${real.baseUrl}/dev/fake-calls`, { data: { from: '1' } })).status()).toBe(404);
    } finally {
      await context?.close();
      context = undefined;
      await real.close();
    }
  });
});

describe('the sign-in page in cookie mode (PHONE_CALL_JWT_COOKIE), in Chromium', () => {
  const COOKIE = 'phone_call_token';
  let sample: RunningSampleApp;
  let browser: Browser;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    sample = await startSampleApp({ simulator: true, cookie: COOKIE });
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await sample?.close();
  });

  interface SignedIn {
    page: Page;
    /** The headers of every request the page made to /me (all of them, the cookie included). */
    meRequests: Promise<Record<string, string>>[];
    /** The Set-Cookie header of every 200 from the token route. */
    tokenCookies: Promise<string | null>[];
  }

  /** Opens the page, starts a verification and places the call through the simulator panel. */
  async function signIn(phone: string): Promise<SignedIn> {
    context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const page = await context.newPage();
    const meRequests: SignedIn['meRequests'] = [];
    const tokenCookies: SignedIn['tokenCookies'] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/me') meRequests.push(request.allHeaders());
    });
    page.on('response', (response) => {
      if (response.url().endsWith('/token') && response.status() === 200) {
        tokenCookies.push(response.headerValue('set-cookie'));
      }
    });
    await page.goto(`${sample.baseUrl}/`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.getByLabel('Your phone number').fill(phone);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Call this number' }).waitFor();
    await page.getByRole('button', { name: 'Place the call' }).click();
    await page.getByRole('heading', { name: 'Your number is verified' }).waitFor();
    return { page, meRequests, tokenCookies };
  }

  it('signs in with an HttpOnly, Secure, SameSite=Lax cookie that the page never reads or sends itself', async () => {
    const { page, meRequests, tokenCookies } = await signIn('+7 967 031-11-22');
    expect(await page.locator('#verified-phone').textContent()).toBe('+79670311122');
    expect(await page.getByRole('status').textContent()).toBe('Signed in.');
    expect(await page.locator('#cookie-note').textContent()).toMatch(/^Signed in with an HttpOnly cookie/);
    expect(await page.locator('#cookie-note').isVisible()).toBe(true);

    // Chromium kept the Secure cookie on http://127.0.0.1 (a potentially trustworthy origin).
    const cookies = await context!.cookies();
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies;
    expect(cookie).toMatchObject({
      name: COOKIE,
      domain: '127.0.0.1',
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
    });
    expect(cookie.value).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // Max-Age=900: the cookie lives as long as the token.
    expect(cookie.expires - Date.now() / 1000).toBeGreaterThan(890);
    expect(cookie.expires - Date.now() / 1000).toBeLessThanOrEqual(900);
    expect(await Promise.all(tokenCookies)).toEqual([
      `${COOKIE}=${cookie.value}; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax`,
    ]);

    // HttpOnly: the page's script cannot see it.
    const visible = await page.evaluate<string>('document.cookie'); // the test's lib has no DOM types
    expect(visible).not.toContain(cookie.value);
    expect(visible).not.toContain(COOKIE);

    // /me was asked once, with the cookie and without an Authorization header.
    const sent = await Promise.all(meRequests);
    expect(sent).toHaveLength(1);
    expect(sent[0].authorization).toBeUndefined();
    expect(sent[0].cookie).toBe(`${COOKIE}=${cookie.value}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'desktop-cookie.png') });
  });

  it('signs out: the server expires the cookie, and /me no longer answers', async () => {
    const { page } = await signIn('+7 903 555-01-10');
    // page.request shares the browser context's cookies.
    expect((await page.request.get(`${sample.baseUrl}/me`)).status()).toBe(200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in with your phone' }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe('Signed out.');
    expect(await context!.cookies()).toEqual([]);
    expect((await page.request.get(`${sample.baseUrl}/me`)).status()).toBe(401);
  });
});

describe('the sign-in page with SMS codes, in Russian and English, in Chromium', () => {
  let sample: RunningSampleApp;
  let browser: Browser;
  let context: BrowserContext | undefined;

  // An app of its own: fresh rate limits (5 SMS per client address and hour), all three channels.
  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    sample = await startSampleApp({ simulator: true });
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await sample?.close();
  });

  /** Opens the page in a browser whose language is `locale` (navigator.languages, Accept-Language). */
  async function open(viewport: { width: number; height: number }, locale: string): Promise<Page> {
    const mobile = viewport.width < 500;
    context = await browser.newContext({ viewport, locale, isMobile: mobile, hasTouch: mobile });
    const page = await context.newPage();
    await page.goto(`${sample.baseUrl}/`);
    await page.locator('body[data-ready="true"]').waitFor();
    return page;
  }

  /** The start answer the page got, once it starts. */
  const startAnswer = (page: Page) =>
    page
      .waitForResponse((response) => response.url().endsWith('/verifications') && response.status() === 201)
      .then((response) => response.json() as Promise<Record<string, unknown>>);

  /** Latin words the visible page shows, beyond names that are the same in both languages. */
  const latinWords = (page: Page) =>
    page
      .locator('body')
      .innerText()
      .then((shown) =>
        (shown.match(/[A-Za-z]+/g) ?? []).filter(
          (word) => !['SMS', 'GET', 'me', 'API', 'OpenAPI', 'DEV', 'English', 'HttpOnly', 'cookie'].includes(word),
        ),
      );

  /** The code in the last SMS to `phone`, and a wrong one of the same length. */
  function codes(phone: string): { right: string; wrong: string } {
    const right = sample.fake!.lastCode(phone)!;
    expect(right).toMatch(/^\d{6}$/);
    return { right, wrong: String((Number(right[0]) + 1) % 10) + right.slice(1) };
  }

  it('offers the channels of the app, and the language of the browser (ru)', async () => {
    const page = await open(DESKTOP, 'ru-RU');
    expect(await page.request.get(`${sample.baseUrl}/page-config`).then((r) => r.json())).toMatchObject({
      channels: ['call', 'sms', 'call_or_sms'],
    });
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    expect(await page.title()).toBe('Вход по номеру телефона');
    await page.getByRole('heading', { name: 'Вход по номеру телефона' }).waitFor();
    const choice = page.getByRole('group', { name: 'Как подтвердить номер' });
    expect(await choice.getByRole('radio').count()).toBe(3);
    // The app's first channel is the default.
    expect(await page.getByLabel('Позвонить со своего телефона').isChecked()).toBe(true);
    expect(await page.getByRole('button', { name: 'Русский' }).getAttribute('aria-pressed')).toBe('true');
    expect(await latinWords(page)).toEqual([]);
  });

  it('signs in by a code from an SMS, in Russian: the simulator shows the SMS and fills the code', async () => {
    const page = await open(DESKTOP, 'ru-RU');
    const phone = '+7 903 555-02-01';
    await page.getByLabel('Получить код по SMS', { exact: true }).check();
    await page.getByLabel('Ваш номер телефона').fill(phone);
    const answer = startAnswer(page);
    await page.getByRole('button', { name: 'Прислать код' }).click();
    const started = await answer;
    // The page sent its language: the module's message and the SMS are Russian.
    expect(started).toMatchObject({ channel: 'sms', locale: 'ru', codeSent: true, codeLength: 6 });
    expect(started.callTo).toBeUndefined();
    expect(started.message).toMatch(/^Мы отправили код в SMS/);

    await page.getByRole('heading', { name: 'Введите код из SMS' }).waitFor();
    expect(await page.locator(':focus').getAttribute('id')).toBe('call-title');
    const code = page.getByRole('textbox', { name: 'Код из SMS' });
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await code.getAttribute('inputmode')).toBe('numeric');
    expect(await page.locator('#call-part').isHidden()).toBe(true);
    expect(await page.getByRole('status').textContent()).toMatch(/^Мы отправили код в SMS на \+7 903 555-02-01\./);

    // The simulator shows the SMS the fake platform delivered; there is no call to place.
    const panel = page.getByRole('complementary', { name: /Симулятор телефона/ });
    const sms = panel.locator('#dev-sms-text');
    await sms.filter({ hasText: /Ваш код: \d{6}/ }).waitFor();
    expect(await sms.textContent()).toBe(sample.fake!.lastSms(phone)!.text);
    expect(await panel.getByRole('button', { name: 'Позвонить' }).isHidden()).toBe(true);
    expect(await latinWords(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'desktop-sms-ru.png') });

    await panel.getByRole('button', { name: 'Вставить код' }).click();
    expect(await code.inputValue()).toBe(codes(phone).right);
    await page.getByRole('button', { name: 'Подтвердить' }).click();
    await page.getByRole('heading', { name: 'Ваш номер подтверждён' }).waitFor();
    expect(await page.locator('#verified-phone').textContent()).toBe('+79035550201');
    expect(await page.getByRole('status').textContent()).toBe('Вход выполнен.');
    expect(await latinWords(page)).toEqual([]);
  });

  it('shows both proofs for call_or_sms, in English, and signs in by the code', async () => {
    const page = await open(DESKTOP, 'en-US');
    const phone = '+7 903 555-02-03';
    await page.getByLabel('Call, or get a code by SMS').check();
    await page.getByLabel('Your phone number').fill(phone);
    const answer = startAnswer(page);
    await page.getByRole('button', { name: 'Continue' }).click();
    const started = await answer;
    expect(started).toMatchObject({ channel: 'call_or_sms', locale: 'en', codeSent: true });
    const callToDisplay = started.callToDisplay as string;
    expect(callToDisplay).toMatch(/^\+7 499 399 00 0\d$/);
    expect(started.message).toMatch(/^Call \+7 499 .* or enter the code we sent by SMS/);

    await page.getByRole('heading', { name: 'Call this number, or enter the code' }).waitFor();
    // Both proofs: the number to call and the code field.
    expect(await page.getByRole('link', { name: callToDisplay }).getAttribute('href')).toBe(`tel:${started.callTo}`);
    expect(await page.getByRole('textbox', { name: 'Code from the SMS' }).isVisible()).toBe(true);
    expect(await page.locator('#or').isVisible()).toBe(true);
    expect(await page.getByRole('status').textContent()).toBe(
      `Call ${callToDisplay}, or enter the code we sent by SMS to ${phone}, within 2 minutes.`,
    );
    const panel = page.getByRole('complementary', { name: /phone simulator/i });
    await panel
      .locator('#dev-sms-text')
      .filter({ hasText: /^Your code: \d{6}/ })
      .waitFor();
    expect(await panel.getByRole('button', { name: 'Place the call' }).isEnabled()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'desktop-call-or-sms-en.png') });

    // Typed, as a person reading the SMS would, and sent with Enter.
    await page.getByRole('textbox', { name: 'Code from the SMS' }).focus();
    await page.keyboard.type(codes(phone).right);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your number is verified' }).waitFor();
    expect(await page.locator('#verified-phone').textContent()).toBe('+79035550203');
  });

  it('re-renders the current step when the language is switched mid-flow', async () => {
    const page = await open(DESKTOP, 'en-US');
    const phone = '+7 903 555-02-05';
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByLabel('Get a code by SMS', { exact: true }).check();
    expect(await page.locator('#start-button').textContent()).toBe('Send me a code');
    // On the start step: the choice and the button follow the switch.
    await page.getByRole('button', { name: 'Русский' }).click();
    expect(await page.locator('#start-button').textContent()).toBe('Прислать код');
    expect(await page.getByLabel('Получить код по SMS', { exact: true }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'English' }).click();

    await page.getByLabel('Your phone number').fill(phone);
    const answer = startAnswer(page);
    await page.getByRole('button', { name: 'Send me a code' }).click();
    expect((await answer).locale).toBe('en');
    await page.getByRole('heading', { name: 'Enter the code from the SMS' }).waitFor();
    await page.getByRole('textbox', { name: 'Code from the SMS' }).fill(codes(phone).wrong);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#code-error', { hasText: 'Wrong code. 4 tries left.' }).waitFor();

    // Mid-flow: the heading, the labels, the status, the error and the panel change language; the
    // countdown keeps running, and the code typed stays.
    await page.getByRole('button', { name: 'Русский' }).click();
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    expect(await page.getByRole('heading', { level: 1, name: 'Введите код из SMS' }).isVisible()).toBe(true);
    expect(await page.locator('#code-error').textContent()).toBe('Неверный код. Осталось 4 попытки.');
    expect(await page.locator('#code-hint').textContent()).toMatch(/^Мы отправили 6-значный код в SMS на \+7 903/);
    expect(await page.getByRole('button', { name: 'Отменить' }).isVisible()).toBe(true);
    expect(await page.getByRole('complementary', { name: /Симулятор телефона/ }).isVisible()).toBe(true);
    expect(await page.getByRole('textbox', { name: 'Код из SMS' }).inputValue()).toBe(codes(phone).wrong);
    expect(await page.locator('#call-view').isVisible()).toBe(true);
    // The SMS stays as it arrived, in English: the only English words left.
    expect(await latinWords(page)).toEqual(['Your', 'code', 'Do', 'not', 'tell', 'it', 'to', 'anyone']);

    await page.getByRole('button', { name: 'Отменить' }).click();
    await page.getByRole('heading', { name: 'Вход по номеру телефона' }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe('Отменено. Можно начать заново.');
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getByRole('status').textContent()).toBe('Canceled. You can start again.');
    expect(await page.title()).toBe('Sign in with your phone');
  });

  it('says how many tries are left after a wrong code, and offers to start again after the last (phone, ru)', async () => {
    const page = await open(PHONE, 'ru-RU');
    const phone = '+7 903 555-02-07';
    await page.getByLabel('Получить код по SMS', { exact: true }).check();
    await page.getByLabel('Ваш номер телефона').fill(phone);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Введите код из SMS' }).waitFor();
    const code = page.getByRole('textbox', { name: 'Код из SMS' });
    const { wrong } = codes(phone);

    await code.fill(wrong);
    await code.press('Enter');
    const error = page.locator('#code-error');
    await error.filter({ hasText: 'Неверный код. Осталось 4 попытки.' }).waitFor();
    expect(await code.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(':focus').getAttribute('id')).toBe('code');
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(SCREENSHOTS, 'phone-code-ru.png'), fullPage: true });

    for (const left of ['Осталось 3 попытки', 'Осталось 2 попытки', 'Осталась 1 попытка']) {
      await code.fill(wrong);
      await code.press('Enter');
      await error.filter({ hasText: `Неверный код. ${left}.` }).waitFor();
    }
    // The fifth wrong code ends the check (410 failed).
    await code.fill(wrong);
    await code.press('Enter');
    await page.getByRole('heading', { name: 'Слишком много неверных кодов' }).waitFor();
    expect(await page.locator('#ended-text').textContent()).toMatch(/^Код введён неверно слишком много раз/);
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('#ended-title').textContent()).toBe('Too many wrong codes');
    await page.getByRole('button', { name: 'Start again' }).click();
    await page.getByRole('heading', { name: 'Sign in with your phone' }).waitFor();
    expect(await page.locator(':focus').getAttribute('id')).toBe('phone');
  });
});
