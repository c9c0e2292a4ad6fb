import { Controller, HttpCode, Post } from '@nestjs/common';
import { type NumberChange, PhoneCallAuth, VerificationService, VerifiedPhone } from 'nestjs-phone-call-auth';
import { forge } from './support/jwt-forge.js';
import { nextPhone } from './support/phones.js';
import { REFRESH_TOKEN_TABLE, VERIFICATION_TABLE } from './support/tables.js';
import { PREFIX, TEST_JWT_SECRET, type TestResponse, useTestApp } from './support/test-app.js';
import { validClaims } from './support/tokens.js';
import { digits } from './support/verifications.js';

/*
 * A verification bound to a signed-in subject (step-up, change of number), `auth_time` in the
 * tokens, and `@PhoneCallAuth({ maxAge })` with RFC 9470's challenge.
 */

const MAX_AGE = 60;
const CHALLENGE =
  'Bearer error="insufficient_user_authentication", ' +
  'error_description="A more recent proof of the phone number is required", max_age="60"';

/** A route that needs a proof from the last minute. */
@Controller('payments')
class PaymentController {
  @Post()
  @HttpCode(200)
  @PhoneCallAuth({ maxAge: MAX_AGE })
  pay(@VerifiedPhone('sub') sub: string) {
    return { paidBy: sub };
  }
}

/** The app's users: number -> account id (`resolveSubject`), moved by `onNumberChange` when the test says so. */
const accounts = new Map<string, string>();
const changes: NumberChange[] = [];
/** What `onNumberChange` does: nothing (no token), move the account (a token), or claim a token without moving it. */
let onChange: 'keep' | 'move' | 'claim' = 'keep';

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('a verification bound to a signed-in subject: step-up and change of number', () => {
  const t = useTestApp({
    options: {
      jwt: { secret: TEST_JWT_SECRET, refreshTokens: {} },
      channels: ['call', 'sms', 'call_or_sms'],
      resolveSubject: (phone) => ({ sub: accounts.get(phone) ?? `user:${phone}` }),
      onNumberChange: (change) => {
        changes.push(change);
        if (onChange === 'keep') return false;
        if (onChange === 'move') {
          accounts.delete(change.previousPhone);
          accounts.set(change.phone, change.sub);
        }
        return true;
      },
    },
    controllers: [PaymentController],
  });

  /** Starts a verification (of anyone, or bound to the token's subject) and places the call from `phone`. */
  async function proven(phone: string, token?: string, body: Record<string, unknown> = { phone }) {
    const started = token
      ? await t.request('POST', `${PREFIX}/account/verifications`, body, bearer(token))
      : await t.request('POST', `${PREFIX}/verifications`, { phone });
    expect(started.status).toBe(201);
    expect(await t.platform.placeCall({ from: digits(phone) })).toEqual({ status: 200, body: 'OK' });
    return { id: started.body.id as string, secret: started.body.secret as string };
  }

  /** Signs in with `phone`, the proof `agedSeconds` old (its `verified_at` moved back before the redeem). */
  async function signIn(phone = nextPhone(), agedSeconds = 0) {
    const { id, secret } = await proven(phone);
    if (agedSeconds > 0) {
      await t.dataSource.query(
        `UPDATE ${VERIFICATION_TABLE} SET verified_at = verified_at - make_interval(secs => $2) WHERE id = $1`,
        [id, agedSeconds],
      );
    }
    const answer = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
    expect(answer.status).toBe(200);
    return { phone, id, access: answer.body.accessToken as string, refresh: answer.body.refreshToken as string };
  }

  const redeemFor = (id: string, secret: string, token?: string): Promise<TestResponse> =>
    t.request('POST', `${PREFIX}/account/verifications/${id}/token`, { secret }, token ? bearer(token) : {});
  const pay = (token: string) => t.request('POST', '/payments', {}, bearer(token));

  describe('auth_time', () => {
    it("is the proof's time, and a refresh keeps it", async () => {
      const session = await signIn();
      const [row] = await t.dataSource.query(`SELECT verified_at FROM ${VERIFICATION_TABLE} WHERE id = $1`, [
        session.id,
      ]);
      const authTime = claimsOf(session.access).auth_time;
      expect(authTime).toBe(Math.floor(row.verified_at.getTime() / 1000));

      const refreshed = await t.request('POST', `${PREFIX}/token/refresh`, { refreshToken: session.refresh });
      expect(refreshed.status).toBe(200);
      expect(claimsOf(refreshed.body.accessToken).auth_time).toBe(authTime);
      const again = await t.request('POST', `${PREFIX}/token/refresh`, { refreshToken: refreshed.body.refreshToken });
      expect(claimsOf(again.body.accessToken).auth_time).toBe(authTime);
      const stored = await t.dataSource.query(
        `SELECT DISTINCT auth_time FROM ${REFRESH_TOKEN_TABLE} WHERE verification_id = $1`,
        [session.id],
      );
      expect(stored).toEqual([{ auth_time: row.verified_at }]);
    });
  });

  describe('@PhoneCallAuth({ maxAge })', () => {
    it('passes a fresh proof', async () => {
      const session = await signIn();
      expect(await pay(session.access)).toMatchObject({ status: 200, body: { paidBy: `user:${session.phone}` } });
    });

    it("refuses an older proof with RFC 9470's challenge and the module's error body", async () => {
      const session = await signIn(nextPhone(), MAX_AGE + 30);
      const refused = await pay(session.access);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(CHALLENGE);
      expect(refused.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        code: 'INSUFFICIENT_USER_AUTHENTICATION',
        message:
          'Для этого действия номер нужно подтвердить не раньше чем 60 сек. назад: подтвердите его снова (звонком или кодом) и повторите.',
        maxAge: MAX_AGE,
      });
      const english = await t.request('POST', '/payments', {}, { ...bearer(session.access), 'accept-language': 'en' });
      expect(english.body.message).toBe(
        'This action needs your number proven within the last 60 seconds: prove it again (a call or a code), then retry.',
      );
      // A refresh is not a new proof.
      const refreshed = await t.request('POST', `${PREFIX}/token/refresh`, { refreshToken: session.refresh });
      expect((await pay(refreshed.body.accessToken)).status).toBe(401);
    });

    it('counts a token without auth_time (issued before the module kept it) as too old', async () => {
      const old = forge(validClaims(nextPhone()));
      expect((await t.request('GET', '/me', undefined, bearer(old))).status).toBe(200);
      const refused = await pay(old);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(CHALLENGE);
      // A token without any is refused as before, with no challenge.
      const none = await t.request('POST', '/payments', {});
      expect(none.body.code).toBe('ACCESS_TOKEN_MISSING');
      expect(none.headers.get('www-authenticate')).toBeNull();
    });
  });

  describe('step-up: the same number proven again, without signing out', () => {
    it('answers a new access token with a fresh auth_time, and the session goes on', async () => {
      const session = await signIn(nextPhone(), MAX_AGE + 30);
      expect((await pay(session.access)).status).toBe(401);

      // No phone: the token's own number.
      const { id, secret } = await proven(session.phone, session.access, {});
      const stepped = await redeemFor(id, secret, session.access);
      expect(stepped.status).toBe(200);
      expect(stepped.body).toMatchObject({ status: 'stepped_up', tokenType: 'Bearer' });
      expect(stepped.body.refreshToken).toBeUndefined();
      const claims = claimsOf(stepped.body.accessToken);
      expect(claims.sub).toBe(claimsOf(session.access).sub);
      expect(claims.phone_number).toBe(session.phone);
      expect(nowSeconds() - claims.auth_time).toBeLessThanOrEqual(2);
      expect(await pay(stepped.body.accessToken)).toMatchObject({ status: 200 });
      // Redeemed once only.
      expect((await redeemFor(id, secret, session.access)).body.code).toBe('ALREADY_REDEEMED');
      // The session's refresh token still works.
      const refreshed = await t.request('POST', `${PREFIX}/token/refresh`, { refreshToken: session.refresh });
      expect(refreshed.status).toBe(200);
    });

    it('works with the SMS code: the code route verifies, the account route redeems', async () => {
      const session = await signIn(nextPhone(), MAX_AGE + 30);
      const started = await t.request(
        'POST',
        `${PREFIX}/account/verifications`,
        { channel: 'sms' },
        bearer(session.access),
      );
      expect(started.status).toBe(201);
      const { id, secret } = started.body;
      const coded = await t.request('POST', `${PREFIX}/verifications/${id}/code`, {
        secret,
        code: t.platform.lastCode(session.phone),
      });
      expect(coded).toMatchObject({ status: 200, body: { status: 'verified' } });
      const stepped = await redeemFor(id, secret, session.access);
      expect(stepped.body.status).toBe('stepped_up');
      expect((await pay(stepped.body.accessToken)).status).toBe(200);
    });
  });

  describe('binding', () => {
    it('refuses a bound verification to another subject, to none and at the plain token route; its subject redeems it', async () => {
      const owner = await signIn(nextPhone(), MAX_AGE + 30);
      const stranger = await signIn();
      const { id, secret } = await proven(owner.phone, owner.access, {});

      const byStranger = await redeemFor(id, secret, stranger.access);
      expect(byStranger).toMatchObject({ status: 403, body: { code: 'SUBJECT_MISMATCH' } });
      expect(byStranger.body.message).toBe(
        'Эта проверка начата для другого вошедшего пользователя (или без входа): завершите её с токеном доступа того, кто её начал.',
      );
      const inEnglish = await t.request(
        'POST',
        `${PREFIX}/account/verifications/${id}/token`,
        { secret },
        { ...bearer(stranger.access), 'accept-language': 'en' },
      );
      expect(inEnglish.body.message).toBe(
        'This verification was started for another signed-in person (or without signing in): redeem it with the access token of the person who started it.',
      );
      expect((await redeemFor(id, secret)).body.code).toBe('ACCESS_TOKEN_MISSING');
      const plain = await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret });
      expect(plain).toMatchObject({ status: 403, body: { code: 'SUBJECT_MISMATCH' } });
      // The wrong secret is still the one answer for unknown verifications, bound or not.
      expect((await redeemFor(id, 'wrong', owner.access)).body.code).toBe('UNAUTHORIZED');

      const redeemed = await redeemFor(id, secret, owner.access);
      expect(redeemed.body.status).toBe('stepped_up');
      expect(claimsOf(redeemed.body.accessToken).sub).toBe(claimsOf(owner.access).sub);
    });

    it('refuses an ordinary (unbound) verification at the account route', async () => {
      const session = await signIn();
      const { id, secret } = await proven(session.phone);
      expect((await redeemFor(id, secret, session.access)).body.code).toBe('SUBJECT_MISMATCH');
      // It stays an ordinary sign-in.
      expect((await t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret })).status).toBe(200);
    });

    it('binds and checks a subject through the service (apps with their own session: consume)', async () => {
      const verifications = t.app.get(VerificationService);
      const phone = nextPhone();
      const started = await verifications.start(phone, { ip: '127.0.0.1', subject: 'session-user-7' });
      await t.platform.placeCall({ from: digits(phone) });
      expect(await verifications.consume(started.id, started.secret)).toEqual({ status: 'subject_mismatch' });
      expect(await verifications.consume(started.id, started.secret, 'session-user-8')).toEqual({
        status: 'subject_mismatch',
      });
      expect(await verifications.consume(started.id, started.secret, 'session-user-7')).toMatchObject({
        status: 'verified',
        phone,
        subject: 'session-user-7',
      });
    });
  });

  describe('change of number', () => {
    it('names the subject and both numbers, and gives no token unless onNumberChange says so', async () => {
      const oldPhone = nextPhone();
      accounts.set(oldPhone, 'account-1');
      const session = await signIn(oldPhone);
      const newPhone = nextPhone();
      const { id, secret } = await proven(newPhone, session.access);
      const changed = await redeemFor(id, secret, session.access);
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({
        status: 'number_changed',
        sub: 'account-1',
        previousPhone: oldPhone,
        phone: newPhone,
      });
      expect(changes.at(-1)).toMatchObject({ sub: 'account-1', previousPhone: oldPhone, phone: newPhone });
    });

    it('moves the account and answers tokens for the new number to the same subject when onNumberChange returns true', async () => {
      onChange = 'move';
      try {
        const oldPhone = nextPhone();
        accounts.set(oldPhone, 'account-2');
        const session = await signIn(oldPhone);
        const newPhone = nextPhone();
        const { id, secret } = await proven(newPhone, session.access);
        const changed = await redeemFor(id, secret, session.access);
        expect(changed.body).toMatchObject({
          status: 'number_changed',
          sub: 'account-2',
          previousPhone: oldPhone,
          phone: newPhone,
        });
        const claims = claimsOf(changed.body.accessToken);
        expect(claims).toMatchObject({ sub: 'account-2', phone_number: newPhone });
        expect(nowSeconds() - claims.auth_time).toBeLessThanOrEqual(2);
        const me = await t.request('GET', '/me', undefined, bearer(changed.body.accessToken));
        expect(me.body).toMatchObject({ sub: 'account-2', phone: newPhone });
        const refreshed = await t.request('POST', `${PREFIX}/token/refresh`, {
          refreshToken: changed.body.refreshToken,
        });
        expect(claimsOf(refreshed.body.accessToken)).toMatchObject({ sub: 'account-2', phone_number: newPhone });
      } finally {
        onChange = 'keep';
      }
    });

    it('refuses a new number that belongs to another account (nothing taken)', async () => {
      onChange = 'claim';
      try {
        const session = await signIn();
        const taken = nextPhone();
        accounts.set(taken, 'someone-else');
        // The hook asks for a token, but resolveSubject still maps the number to someone else.
        const { id, secret } = await proven(taken, session.access);
        const refused = await t.request(
          'POST',
          `${PREFIX}/account/verifications/${id}/token`,
          { secret },
          { ...bearer(session.access), 'accept-language': 'en' },
        );
        expect(refused).toMatchObject({
          status: 403,
          body: { code: 'SUBJECT_MISMATCH', message: 'This number belongs to another account.' },
        });
        const [row] = await t.dataSource.query(`SELECT status FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id]);
        expect(row.status).toBe('verified');
      } finally {
        onChange = 'keep';
      }
    });
  });
});

describe('step-up in cookie mode', () => {
  const COOKIE = 'pc_token';
  const t = useTestApp({
    options: { jwt: { secret: TEST_JWT_SECRET, cookie: COOKIE, refreshTokens: {} } },
    controllers: [PaymentController],
  });
  /** What the app's own page sends: JSON, with a same-origin browser's headers and the cookies it holds. */
  const fromPage = (path: string, body: unknown, cookie: string) =>
    t.request('POST', path, body, { origin: t.baseUrl, 'sec-fetch-site': 'same-origin', cookie });
  const accessCookie = (response: TestResponse) =>
    response.headers
      .getSetCookie()
      .find((cookie) => cookie.startsWith(`${COOKIE}=`))
      ?.split(';')[0];

  it('reads the cookie, and sets the new access token as the cookie only (the refresh cookie stays)', async () => {
    const phone = nextPhone();
    const started = await t.request('POST', `${PREFIX}/verifications`, { phone });
    await t.platform.placeCall({ from: digits(phone) });
    await t.dataSource.query(
      `UPDATE ${VERIFICATION_TABLE} SET verified_at = verified_at - make_interval(secs => 120) WHERE id = $1`,
      [started.body.id],
    );
    const signedIn = await fromPage(
      `${PREFIX}/verifications/${started.body.id}/token`,
      { secret: started.body.secret },
      '',
    );
    const cookie = accessCookie(signedIn)!;
    expect((await fromPage('/payments', {}, cookie)).status).toBe(401);

    const again = await fromPage(`${PREFIX}/account/verifications`, {}, cookie);
    expect(again.status).toBe(201);
    await t.platform.placeCall({ from: digits(phone) });
    const tokenPath = `${PREFIX}/account/verifications/${again.body.id}/token`;
    // Another site's form cannot redeem it into the visitor's cookie.
    const crossSite = await t.request(
      'POST',
      tokenPath,
      { secret: again.body.secret },
      { origin: 'https://evil.example', cookie },
    );
    expect(crossSite).toMatchObject({ status: 403, body: { code: 'CROSS_SITE_REFUSED' } });

    const stepped = await fromPage(tokenPath, { secret: again.body.secret }, cookie);
    expect(stepped.status).toBe(200);
    expect(stepped.body).toEqual({ status: 'stepped_up', expiresIn: 900 });
    expect(stepped.headers.getSetCookie()).toHaveLength(1);
    const fresh = accessCookie(stepped)!;
    expect(await fromPage('/payments', {}, fresh)).toMatchObject({ status: 200 });
  });
});
