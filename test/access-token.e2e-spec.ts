import jwt from 'jsonwebtoken';
import { b64url, forge } from './support/jwt-forge.js';
import { messageOf } from './support/messages.js';
import { nextPhone } from './support/phones.js';
import { TEST_JWT_SECRET, type TestResponse, useTestApp } from './support/test-app.js';
import { AUDIENCE, ISSUER, validClaims } from './support/tokens.js';
import { verificationHelpers } from './support/verifications.js';

/*
 * Access tokens under the default key configuration (one HS256 secret): what the module issues,
 * and what the JWT guard of a @PhoneCallAuth() route refuses. Other key configurations (RS256,
 * ES256, rotation) and refresh tokens: jwt.e2e-spec.ts.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const t = useTestApp();
const { issueToken } = verificationHelpers(t);

/** Replaces one character in the middle of a segment (not the last, whose low bits may be padding). */
function flipCharIn(segment: string): string {
  const at = Math.floor(segment.length / 2);
  const replacement = segment[at] === 'A' ? 'B' : 'A';
  return segment.slice(0, at) + replacement + segment.slice(at + 1);
}

function me(authorization?: string): Promise<TestResponse> {
  return t.request('GET', '/me', undefined, authorization === undefined ? {} : { authorization });
}

describe('GET /me (the JWT guard)', () => {
  const phone = nextPhone();

  it('lets a correctly forged token in, so each case below differs from it in one property only', async () => {
    const response = await me(`Bearer ${forge(validClaims(phone))}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sub: phone, phone });
  });

  it('refuses a request without a token', async () => {
    const response = await me();
    expect(response.status).toBe(401);
  });

  it('refuses Authorization: Basic', async () => {
    const basic = Buffer.from(`${phone}:${TEST_JWT_SECRET}`).toString('base64');
    expect((await me(`Basic ${basic}`)).status).toBe(401);
  });

  it('refuses a token given without the Bearer scheme', async () => {
    expect((await me(forge(validClaims(phone)))).status).toBe(401);
  });

  it('refuses a real token whose signature has one character changed', async () => {
    const token = await issueToken(nextPhone());
    expect((await me(`Bearer ${token}`)).status).toBe(200);
    const [header, payload, signature] = token.split('.');
    const tampered = `${header}.${payload}.${flipCharIn(signature)}`;
    expect(tampered).not.toBe(token);
    expect((await me(`Bearer ${tampered}`)).status).toBe(401);
  });

  it('refuses a real token whose payload was changed (another phone) under the old signature', async () => {
    const token = await issueToken(nextPhone());
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const victim = nextPhone();
    const tampered = `${header}.${b64url({ ...claims, sub: victim, phone_number: victim })}.${signature}`;
    const response = await me(`Bearer ${tampered}`);
    expect(response.status).toBe(401);
    expect(JSON.stringify(response.body)).not.toContain(victim);
  });

  it('refuses an expired token and says so', async () => {
    const now = Math.floor(Date.now() / 1000);
    const response = await me(`Bearer ${forge(validClaims(phone, { iat: now - 960, exp: now - 60 }))}`);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('ACCESS_TOKEN_EXPIRED');
    // In the default locale (ru) on the app's own route too, where no filter of the module answers.
    expect(messageOf(response)).toMatch(/истёк/);
  });

  it('refuses a token that is not valid yet (nbf in the future)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await me(`Bearer ${forge(validClaims(phone, { nbf: now + 600 }))}`)).status).toBe(401);
  });

  it('refuses a token for another audience', async () => {
    expect((await me(`Bearer ${forge(validClaims(phone, { aud: 'another-app' }))}`)).status).toBe(401);
  });

  it('refuses a token from another issuer', async () => {
    expect((await me(`Bearer ${forge(validClaims(phone, { iss: 'someone-else' }))}`)).status).toBe(401);
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(validClaims(phone))}.`;
    expect((await me(`Bearer ${unsigned}`)).status).toBe(401);
  });

  it('refuses a token signed with another key', async () => {
    const otherKey = 'another-secret-of-at-least-32-bytes-abcdefghij';
    expect((await me(`Bearer ${forge(validClaims(phone), otherKey)}`)).status).toBe(401);
  });

  it('refuses a token signed with the right key under another algorithm (HS512)', async () => {
    expect((await me(`Bearer ${forge(validClaims(phone), TEST_JWT_SECRET, 'HS512')}`)).status).toBe(401);
  });

  it.each([
    ['JWT', { typ: 'JWT' }],
    ['none', { typ: undefined }],
    ['a refresh-token type', { typ: 'rt+jwt' }],
  ])('refuses a token whose typ header is %s (not an access token)', async (_label, header) => {
    expect((await me(`Bearer ${forge(validClaims(phone), TEST_JWT_SECRET, 'HS256', header)}`)).status).toBe(401);
  });

  it('accepts typ in its media-type form (application/at+jwt), as RFC 9068 allows', async () => {
    const token = forge(validClaims(phone), TEST_JWT_SECRET, 'HS256', { typ: 'application/at+jwt' });
    expect((await me(`Bearer ${token}`)).status).toBe(200);
  });

  it('refuses a token with a crit header it does not understand', async () => {
    const token = forge(validClaims(phone), TEST_JWT_SECRET, 'HS256', { crit: ['exp'] });
    expect((await me(`Bearer ${token}`)).status).toBe(401);
  });

  it('refuses a token that names a kid, when the configured key has none', async () => {
    expect((await me(`Bearer ${forge(validClaims(phone), TEST_JWT_SECRET, 'HS256', { kid: 'k1' })}`)).status).toBe(401);
  });

  it('refuses a token that does not say the phone was verified', async () => {
    const claims = validClaims(phone, { phone_number_verified: false });
    expect((await me(`Bearer ${forge(claims)}`)).status).toBe(401);
  });
});

describe('the issued JWT', () => {
  it('carries the claims of a verified phone, signed HS256 with the configured key', async () => {
    const phone = nextPhone();
    const before = Math.floor(Date.now() / 1000);
    const token = await issueToken(phone);

    const decoded = jwt.decode(token, { complete: true });
    expect(decoded?.header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    const claims = decoded?.payload as Record<string, unknown>;
    expect(claims).toEqual({
      sub: phone,
      phone_number: phone,
      phone_number_verified: true,
      amr: ['tel'],
      auth_time: expect.any(Number),
      iss: ISSUER,
      aud: AUDIENCE,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(UUID),
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before - 1);
    expect(claims.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    // The proof (the call) came before the token, within this test.
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat as number);
    expect(() =>
      jwt.verify(token, TEST_JWT_SECRET, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }),
    ).not.toThrow();
  });

  it('gets a new random jti each time', async () => {
    const phone = nextPhone();
    const first = jwt.decode(await issueToken(phone)) as { jti: string };
    const second = jwt.decode(await issueToken(phone)) as { jti: string };
    expect(first.jti).not.toBe(second.jti);
  });
});
