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

  async function open(viewport: { width: number; height: number }, baseUrl = sample.baseUrl): Promise<Page> {
    context = await browser.newContext({ viewport, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
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
    expect((await page.request.post(`${sample.baseUrl}/sign-out`)).status()).toBe(404); // cookie mode only
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
    // The module's default limit: 3 starts per number (and client) in 10 minutes.
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
    context = await browser.newContext({ viewport: DESKTOP });
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
