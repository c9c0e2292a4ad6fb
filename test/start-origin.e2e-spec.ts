import type { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { nextPhone } from './support/phones.js';
import { PREFIX, type TestApp, type UseTestAppOptions, useTestDatabase } from './support/test-app.js';
import { VERIFICATION_TABLE } from './support/tables.js';

/*
 * The start route takes JSON only (415 otherwise), and refuses a browser request from another
 * site's page (403) unless its origin is in `allowedOrigins`: a page elsewhere must not make its
 * visitors' browsers start verifications. Requests without browser headers (servers, curl) pass.
 */

const db = useTestDatabase();
let t: TestApp & { platform: FakeSsmsPlatform };
let allowing: TestApp;
let proxied: TestApp;

beforeAll(async () => {
  const boot = async (options: UseTestAppOptions = {}) => db.boot(await db.startPlatform(), options);
  t = await boot();
  allowing = await boot({ options: { allowedOrigins: ['https://app.example.com'], siteName: 'example.com' } });
  proxied = await boot({ trustProxy: true });
});

/** Sends a start with exactly these headers and this body (fetch adds no Content-Type for bytes). */
async function rawStart(app: TestApp, body: string | Uint8Array, headers: Record<string, string>) {
  const response = await fetch(`${app.baseUrl}${PREFIX}/verifications`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as { statusCode: number; message: string } };
}

const json = (phone: string) => JSON.stringify({ phone });
/** Verifications stored for a phone (E.164). */
async function countFor(phone: string): Promise<number> {
  const [row] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ${VERIFICATION_TABLE} WHERE phone = $1`, [
    phone,
  ]);
  return row.n;
}

describe('JSON only', () => {
  it.each([
    [
      'a form-encoded body',
      'application/x-www-form-urlencoded',
      (phone: string) => `phone=${encodeURIComponent(phone)}`,
    ],
    ['JSON sent as text/plain', 'text/plain;charset=UTF-8', json],
    ['JSON sent as multipart', 'multipart/form-data; boundary=x', json],
    ['JSON under another JSON-like type', 'application/merge-patch+json', json],
  ])('%s: 415 saying what to send, and nothing started', async (_label, type, body) => {
    const phone = nextPhone();
    const asked = t.platform.requests.length;
    const response = await rawStart(t, body(phone), { 'content-type': type });
    // Fastify itself refuses a type it has no parser for (multipart, +json) with its own 415.
    expect({ status: response.status, statusCode: response.body.statusCode }).toEqual({ status: 415, statusCode: 415 });
    expect(t.platform.requests.length).toBe(asked);
    expect(await countFor(phone)).toBe(0);
  });

  it('a form post is told what to send, in the language it asks for', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const response = await rawStart(t, 'phone=%2B79670311122', { ...form, 'accept-language': 'en' });
    expect(response.body.message).toBe(
      'Send the start as JSON: Content-Type: application/json, with a body such as {"phone": "+7 967 031-11-22"}.',
    );
    const russian = await rawStart(t, 'phone=%2B79670311122', { ...form, 'accept-language': 'ru' });
    expect(russian.body.message).toBe(
      'Отправьте запрос в формате JSON: Content-Type: application/json, с телом вида {"phone": "+7 967 031-11-22"}.',
    );
  });

  it('a body with no Content-Type: 415', async () => {
    const phone = nextPhone();
    expect((await rawStart(t, new TextEncoder().encode(json(phone)), {})).status).toBe(415);
    expect(await countFor(phone)).toBe(0);
  });

  it('application/json with a charset: 201', async () => {
    const response = await rawStart(t, json(nextPhone()), { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(response.status).toBe(201);
  });
});

describe('same origin only, unless allowed', () => {
  const post = (app: TestApp, headers: Record<string, string>, phone = nextPhone()) =>
    app.request('POST', `${PREFIX}/verifications`, { phone }, headers);

  it.each([
    ['an Origin of another site', { origin: 'https://evil.example' }],
    ['an Origin of another port of this host', { origin: 'http://127.0.0.1:1' }],
    ['an Origin of another scheme and port', { origin: 'https://127.0.0.1' }],
    ['Origin: null (a sandboxed frame, a file)', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site', origin: 'https://x.example' }],
    ['Sec-Fetch-Site: cross-site without an Origin', { 'sec-fetch-site': 'cross-site' }],
  ])('%s: 403, and the platform is not asked', async (_label, headers) => {
    const phone = nextPhone();
    const asked = t.platform.requests.length;
    const response = await post(t, { ...headers, 'accept-language': 'en' }, phone);
    expect({ status: response.status, message: response.body.message }).toEqual({
      status: 403,
      message: "Verifications can be started only from this site's own pages (or from an origin in allowedOrigins).",
    });
    expect(t.platform.requests.length).toBe(asked);
    expect(await countFor(phone)).toBe(0);
  });

  it('says so in Russian by default (defaultLocale)', async () => {
    const response = await post(t, { origin: 'https://evil.example' });
    expect(response.body.message).toBe(
      'Начать проверку можно только со страниц этого сайта (или с адреса из allowedOrigins).',
    );
  });

  it('a cross-site form post is refused for its origin first', async () => {
    const response = await rawStart(t, 'phone=1', {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(response.status).toBe(403);
  });

  it.each([
    ['no Origin and no Sec-Fetch-Site (a server, curl)', () => ({})],
    ['its own Origin', () => ({ origin: t.baseUrl })],
    ['its own Origin, in capitals', () => ({ origin: t.baseUrl.toUpperCase() })],
    ['Sec-Fetch-Site: same-origin', () => ({ 'sec-fetch-site': 'same-origin', origin: t.baseUrl })],
    ['Sec-Fetch-Site: none (typed by the user)', () => ({ 'sec-fetch-site': 'none' })],
  ])('%s: 201', async (_label, headers) => {
    expect((await post(t, headers())).status).toBe(201);
  });

  it('an origin in allowedOrigins may start, cross-site; others may not', async () => {
    const cross = { 'sec-fetch-site': 'cross-site' };
    expect((await post(allowing, { ...cross, origin: 'https://app.example.com' })).status).toBe(201);
    expect((await post(allowing, { origin: 'https://app.example.com' })).status).toBe(201);
    expect((await post(allowing, { ...cross, origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(allowing, { ...cross, origin: 'http://app.example.com' })).status).toBe(403);
  });

  it('behind a trusted proxy, the public host (X-Forwarded-Host) is the own origin', async () => {
    const forwarded = { 'x-forwarded-host': 'public.example.com', 'x-forwarded-proto': 'https' };
    expect((await post(proxied, { ...forwarded, origin: 'https://public.example.com' })).status).toBe(201);
    expect((await post(proxied, { ...forwarded, origin: 'https://evil.example' })).status).toBe(403);
  });
});

describe('the start message', () => {
  it('tells the person to call only if they started the sign-in, on the site named by siteName', async () => {
    const en = { 'accept-language': 'en' };
    const plain = await t.request('POST', `${PREFIX}/verifications`, { phone: '+7 967 031-11-22' }, en);
    expect(plain.body.message).toBe(
      `Call ${plain.body.callToDisplay} from +7 967 031 11 22 within 120 seconds. The call is free: wait for the busy ` +
        'signal, then hang up (or the call ends by itself). Call only if you started this sign-in yourself.',
    );
    const named = await allowing.request('POST', `${PREFIX}/verifications`, { phone: nextPhone() }, en);
    expect(named.body.message).toMatch(/ Call only if you started signing in on example\.com\.$/);
    const russian = await allowing.request('POST', `${PREFIX}/verifications`, { phone: nextPhone(), locale: 'ru' });
    expect(russian.body.message).toMatch(/ Звоните, только если вы сами начали вход на example\.com\.$/);
  });
});
