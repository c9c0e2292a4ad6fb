import { Controller, HttpCode, Post } from '@nestjs/common';
import { PhoneCallAuth, SameOriginOnly, VerifiedPhone } from 'nestjs-phone-call-auth';
import { nextPhone } from './support/phones.js';
import { REFRESH_TOKEN_TABLE, VERIFICATION_TABLE } from './support/tables.js';
import { PREFIX, TEST_JWT_SECRET, type TestAppHandle, useTestApp } from './support/test-app.js';
import { digits } from './support/verifications.js';

/*
 * Cookie mode (`jwt.cookie`): the routes that set or read the cookie (token, code, refresh,
 * sign-out) take JSON from the app's own pages only, so another site's page cannot sign a visitor's
 * browser in as the attacker (login CSRF) or out; refresh renews the cookies; the tokens stay out of
 * the body unless `jwt.tokensInBody`.
 */

const COOKIE = 'pc_token';
const REFRESH_COOKIE = 'pc_token_refresh';
const EVIL = 'https://evil.example';
const FORM = 'application/x-www-form-urlencoded';
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const REFRESH_TOKEN = /^[\w-]{43}$/;

const CROSS_SITE_EN =
  "This request came from another site's page and was refused: it is accepted only from this site's own pages (or from an origin in allowedOrigins).";
const JSON_ONLY_EN =
  'Send this request as JSON: Content-Type: application/json (the body {} will do when there is nothing to send).';

/** A route of the app that the cookie authenticates and that changes something. */
@Controller('profile')
class ProfileController {
  @Post()
  @HttpCode(200)
  @SameOriginOnly()
  @PhoneCallAuth()
  update(@VerifiedPhone('phone') phone: string) {
    return { phone };
  }
}

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  body: any;
  cookies: string[];
}

/** Exactly these headers and this body (a string, or bytes so that fetch adds no Content-Type). */
async function send(
  t: TestAppHandle,
  path: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${t.baseUrl}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    cookies: response.headers.getSetCookie(),
  };
}

/** What the app's own page sends: JSON, with the browser's headers of a same-origin request. */
function fromOwnPage(t: TestAppHandle, path: string, body: unknown, headers: Record<string, string> = {}) {
  return send(t, path, JSON.stringify(body), {
    'content-type': 'application/json',
    origin: t.baseUrl,
    'sec-fetch-site': 'same-origin',
    ...headers,
  });
}

/** A cookie's value in `Set-Cookie` headers. */
function cookieValue(cookies: string[], name: string): string | undefined {
  return cookies
    .find((cookie) => cookie.startsWith(`${name}=`))
    ?.split(';')[0]
    .slice(name.length + 1);
}

function helpers(t: TestAppHandle) {
  /** Starts a verification and places its call: the attacker's own, ready to redeem. */
  async function verified(phone = nextPhone()): Promise<{ id: string; secret: string; phone: string }> {
    const started = await t.request('POST', `${PREFIX}/verifications`, { phone });
    expect(started.status).toBe(201);
    expect(await t.platform.placeCall({ from: digits(phone) })).toEqual({ status: 200, body: 'OK' });
    return { id: started.body.id, secret: started.body.secret, phone };
  }
  const status = async (id: string): Promise<string> =>
    (await t.dataSource.query(`SELECT status FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id]))[0].status;
  const tokenPath = (id: string) => `${PREFIX}/verifications/${id}/token`;

  /** Signs in from the app's own page: the two cookies' values. */
  async function signIn(): Promise<{ phone: string; access: string; refresh: string }> {
    const { id, secret, phone } = await verified();
    const answer = await fromOwnPage(t, tokenPath(id), { secret });
    expect(answer.status).toBe(200);
    return {
      phone,
      access: cookieValue(answer.cookies, COOKIE)!,
      refresh: cookieValue(answer.cookies, REFRESH_COOKIE)!,
    };
  }
  return { verified, status, tokenPath, signIn };
}

describe('cookie mode (jwt.cookie): the routes that set or read the cookie', () => {
  const t = useTestApp({
    options: {
      jwt: { secret: TEST_JWT_SECRET, cookie: COOKIE, refreshTokens: {} },
      channels: ['call', 'sms', 'call_or_sms'],
    },
    controllers: [ProfileController],
  });
  const { verified, status, tokenPath, signIn } = helpers(t);

  describe('the token route (login CSRF)', () => {
    it.each<[string, (secret: string) => string, Record<string, string>]>([
      ['a form post from another site', (secret) => `secret=${secret}`, { 'content-type': FORM, origin: EVIL }],
      [
        'a form post with Sec-Fetch-Site: cross-site',
        (secret) => `secret=${secret}`,
        { 'content-type': FORM, origin: EVIL, 'sec-fetch-site': 'cross-site' },
      ],
      [
        'JSON sent as text/plain from another site',
        (secret) => JSON.stringify({ secret }),
        { 'content-type': 'text/plain', origin: EVIL },
      ],
      [
        'JSON from a sibling subdomain (same-site, not same-origin)',
        (secret) => JSON.stringify({ secret }),
        { 'content-type': 'application/json', origin: 'https://x.example', 'sec-fetch-site': 'same-site' },
      ],
    ])("%s, with the attacker's id and secret: 403, no cookie, nothing redeemed", async (_label, body, headers) => {
      const attacker = await verified();
      const answer = await send(t, tokenPath(attacker.id), body(attacker.secret), {
        ...headers,
        'accept-language': 'en',
      });
      expect({ status: answer.status, message: answer.body.message }).toEqual({ status: 403, message: CROSS_SITE_EN });
      expect(answer.body.code).toBe('CROSS_SITE_REFUSED');
      expect(answer.cookies).toEqual([]);
      expect(await status(attacker.id)).toBe('verified');
      // The attacker's own page (or curl) can still redeem it: the module only keeps it out of the victim's browser.
      expect((await fromOwnPage(t, tokenPath(attacker.id), { secret: attacker.secret })).status).toBe(200);
    });

    it('says so in Russian to a browser that asks for it', async () => {
      const attacker = await verified();
      const answer = await send(t, tokenPath(attacker.id), `secret=${attacker.secret}`, {
        'content-type': FORM,
        origin: EVIL,
        'accept-language': 'ru-RU,ru;q=0.9',
      });
      expect(answer.status).toBe(403);
      expect(answer.body.message).toBe(
        'Запрос пришёл со страницы другого сайта и отклонён: он принимается только со страниц этого сайта (или с адреса из allowedOrigins).',
      );
    });

    it.each<[string, (secret: string) => string | Uint8Array, Record<string, string>]>([
      ['a form post with no Origin (an old browser)', (secret) => `secret=${secret}`, { 'content-type': FORM }],
      ['a text/plain body', (secret) => JSON.stringify({ secret }), { 'content-type': 'text/plain;charset=UTF-8' }],
      ['a body with no Content-Type', (secret) => new TextEncoder().encode(JSON.stringify({ secret })), {}],
    ])('%s: 415 saying what to send, nothing redeemed', async (_label, body, headers) => {
      const attacker = await verified();
      const answer = await send(t, tokenPath(attacker.id), body(attacker.secret), {
        ...headers,
        'accept-language': 'en',
      });
      // Fastify itself refuses a body with no Content-Type, with its own 415.
      expect(answer.status).toBe(415);
      expect(answer.cookies).toEqual([]);
      expect(await status(attacker.id)).toBe('verified');
    });

    it('tells a form post what to send', async () => {
      const attacker = await verified();
      const answer = await send(t, tokenPath(attacker.id), `secret=${attacker.secret}`, {
        'content-type': FORM,
        'accept-language': 'en',
      });
      expect({ status: answer.status, message: answer.body.message }).toEqual({ status: 415, message: JSON_ONLY_EN });
      expect(answer.body.code).toBe('JSON_ONLY');
    });

    it('takes JSON from its own page: 200, the tokens in HttpOnly cookies only, {expiresIn} in the body', async () => {
      const { id, secret, phone } = await verified();
      const answer = await fromOwnPage(t, tokenPath(id), { secret });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ expiresIn: 900 });
      const access = cookieValue(answer.cookies, COOKIE)!;
      const refresh = cookieValue(answer.cookies, REFRESH_COOKIE)!;
      expect(access).toMatch(JWT);
      expect(refresh).toMatch(REFRESH_TOKEN);
      expect(answer.cookies).toEqual([
        `${COOKIE}=${access}; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax`,
        `${REFRESH_COOKIE}=${refresh}; Max-Age=604800; Path=${PREFIX}/token; HttpOnly; Secure; SameSite=Strict`,
      ]);
      const me = await t.request('GET', '/me', undefined, { cookie: `${COOKIE}=${access}` });
      expect(me.body).toEqual({ sub: phone, phone });
    });

    it('takes the secret in X-Verification-Secret with no body (no form can set a header), from a server too', async () => {
      const { id, secret } = await verified();
      const answer = await send(t, tokenPath(id), undefined, { 'x-verification-secret': secret });
      expect(answer.status).toBe(200);
      expect(cookieValue(answer.cookies, COOKIE)).toMatch(JWT);
    });
  });

  describe('the code route', () => {
    async function smsStarted() {
      const phone = nextPhone();
      const started = await t.request('POST', `${PREFIX}/verifications`, { phone, channel: 'sms' });
      expect(started.status).toBe(201);
      return {
        id: started.body.id as string,
        secret: started.body.secret as string,
        code: t.platform.lastCode(phone)!,
      };
    }
    const codePath = (id: string) => `${PREFIX}/verifications/${id}/code`;

    it('refuses a cross-site form post with the right code (403), spending nothing; its own page signs in', async () => {
      const { id, secret, code } = await smsStarted();
      const forged = await send(t, codePath(id), `secret=${secret}&code=${code}`, {
        'content-type': FORM,
        origin: EVIL,
      });
      expect(forged.status).toBe(403);
      expect(forged.cookies).toEqual([]);
      const [row] = await t.dataSource.query(`SELECT status, code_attempts FROM ${VERIFICATION_TABLE} WHERE id = $1`, [
        id,
      ]);
      expect(row).toEqual({ status: 'pending', code_attempts: 0 });

      const answer = await fromOwnPage(t, codePath(id), { secret, code });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ expiresIn: 900 });
      expect(cookieValue(answer.cookies, COOKIE)).toMatch(JWT);
      expect(cookieValue(answer.cookies, REFRESH_COOKIE)).toMatch(REFRESH_TOKEN);
    });

    it('refuses a form post without an Origin (415)', async () => {
      const { id, secret, code } = await smsStarted();
      expect((await send(t, codePath(id), `secret=${secret}&code=${code}`, { 'content-type': FORM })).status).toBe(415);
    });
  });

  describe('the refresh route', () => {
    const refreshPath = `${PREFIX}/token/refresh`;
    const withCookie = (refresh: string) => ({ cookie: `${REFRESH_COOKIE}=${refresh}` });

    it('renews both cookies from the refresh cookie alone: Set-Cookie, and no token in the body', async () => {
      const { phone, refresh } = await signIn();
      const answer = await fromOwnPage(t, refreshPath, {}, withCookie(refresh));
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ expiresIn: 900 });
      const access = cookieValue(answer.cookies, COOKIE)!;
      const next = cookieValue(answer.cookies, REFRESH_COOKIE)!;
      expect(answer.cookies).toEqual([
        `${COOKIE}=${access}; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax`,
        `${REFRESH_COOKIE}=${next}; Max-Age=604800; Path=${PREFIX}/token; HttpOnly; Secure; SameSite=Strict`,
      ]);
      expect(next).not.toBe(refresh);
      expect((await t.request('GET', '/me', undefined, { cookie: `${COOKIE}=${access}` })).body).toEqual({
        sub: phone,
        phone,
      });
      expect((await fromOwnPage(t, refreshPath, {}, withCookie(next))).status).toBe(200);
    });

    it.each<[string, string, Record<string, string>, number]>([
      ['JSON from another site', '{}', { 'content-type': 'application/json', origin: EVIL }, 403],
      [
        'a form post from another site',
        '',
        { 'content-type': FORM, origin: EVIL, 'sec-fetch-site': 'cross-site' },
        403,
      ],
      ['a form post with no Origin', '', { 'content-type': FORM }, 415],
    ])('refuses %s (%#): no cookie renewed, the refresh token unused', async (_label, body, headers, expected) => {
      const { refresh } = await signIn();
      const answer = await send(t, refreshPath, body, { ...headers, ...withCookie(refresh) });
      expect(answer.status).toBe(expected);
      expect(answer.cookies).toEqual([]);
      const [row] = await t.dataSource.query(
        `SELECT used_at FROM ${REFRESH_TOKEN_TABLE} WHERE token_hash = sha256($1::bytea)`,
        [Buffer.from(refresh)],
      );
      expect(row).toEqual({ used_at: null });
    });

    it('answers 400 when neither the body nor a cookie carries a refresh token, or there is no body', async () => {
      const answer = await fromOwnPage(t, refreshPath, {}, { 'accept-language': 'en' });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('INVALID_REQUEST');
      expect(answer.body.message).toMatch(/refreshToken is required/);
      expect((await send(t, refreshPath, undefined, { 'x-verification-secret': 'x' })).status).toBe(400);
    });
  });

  describe('the sign-out route', () => {
    const signOutPath = `${PREFIX}/token/sign-out`;

    it('expires both cookies and revokes the refresh token: 204', async () => {
      const { refresh } = await signIn();
      const answer = await fromOwnPage(t, signOutPath, {}, { cookie: `${REFRESH_COOKIE}=${refresh}` });
      expect(answer.status).toBe(204);
      expect(answer.cookies).toEqual([
        `${COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`,
        `${REFRESH_COOKIE}=; Max-Age=0; Path=${PREFIX}/token; HttpOnly; Secure; SameSite=Strict`,
      ]);
      const again = await fromOwnPage(t, `${PREFIX}/token/refresh`, { refreshToken: refresh });
      expect(again.status).toBe(401);
    });

    it('answers 204 with no refresh token at all, twice, and with no body', async () => {
      expect((await fromOwnPage(t, signOutPath, {})).status).toBe(204);
      expect((await fromOwnPage(t, signOutPath, {})).status).toBe(204);
      expect((await send(t, signOutPath, undefined, { 'x-verification-secret': 'x' })).status).toBe(204);
    });

    it("refuses another site's page (403): nothing revoked, no cookie expired", async () => {
      const { refresh } = await signIn();
      const forged = await send(t, signOutPath, '', {
        'content-type': FORM,
        origin: EVIL,
        cookie: `${REFRESH_COOKIE}=${refresh}`,
      });
      expect(forged.status).toBe(403);
      expect(forged.cookies).toEqual([]);
      expect((await fromOwnPage(t, `${PREFIX}/token/refresh`, { refreshToken: refresh })).status).toBe(200);
    });
  });

  describe("@SameOriginOnly() on the app's own route", () => {
    it('refuses another site (403) and a form (415); its own page gets through with the cookie', async () => {
      const { phone, access } = await signIn();
      const cookie = { cookie: `${COOKIE}=${access}` };
      expect(
        (await send(t, '/profile', '{}', { 'content-type': 'application/json', origin: EVIL, ...cookie })).status,
      ).toBe(403);
      expect((await send(t, '/profile', 'a=1', { 'content-type': FORM, ...cookie })).status).toBe(415);
      const own = await fromOwnPage(t, '/profile', {}, cookie);
      expect({ status: own.status, body: own.body }).toEqual({ status: 200, body: { phone } });
    });
  });
});

describe('cookie mode with jwt.tokensInBody: true', () => {
  const t = useTestApp({
    options: { jwt: { secret: TEST_JWT_SECRET, cookie: COOKIE, refreshTokens: {}, tokensInBody: true } },
  });
  const { verified, tokenPath } = helpers(t);

  it('answers with the tokens in the body as well as in the cookies', async () => {
    const { id, secret } = await verified();
    const answer = await fromOwnPage(t, tokenPath(id), { secret });
    expect(answer.body).toEqual({
      accessToken: cookieValue(answer.cookies, COOKIE),
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: cookieValue(answer.cookies, REFRESH_COOKIE),
    });
  });
});
