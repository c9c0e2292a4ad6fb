import type { Algorithm } from 'jsonwebtoken';
import jwt from 'jsonwebtoken';
import { SsmsProvider } from 'nestjs-phone-call-auth';
import { FakeSsmsPlatform, type FakeCall, type FakeWait } from 'nestjs-phone-call-auth/testing';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import {
  bootTestApp,
  createTestDatabase,
  PREFIX,
  TEST_CALLBACK_SECRET,
  TEST_JWT_SECRET,
  type TestApp,
  type TestResponse,
} from './support/test-app.js';
import { AUDIENCE, ISSUER, validClaims } from './support/tokens.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Started {
  id: string;
  secret: string;
  callTo: string;
}

interface InboundRow {
  outcome: string;
  caller: string | null;
  verification_id: string | null;
}

let platform: FakeSsmsPlatform;
let db: { url: string; drop(): Promise<void> };
let t: TestApp;

beforeAll(async () => {
  platform = await FakeSsmsPlatform.start();
  db = await createTestDatabase();
  t = await bootTestApp({ databaseUrl: db.url, platform, registration: 'forRoot' });
});
afterAll(async () => {
  await t?.close();
  await platform?.close();
  await db?.drop();
});

// ---------------------------------------------------------------------------------------------
// Helpers

let phoneCounter = 0;
/** A fresh valid Russian mobile number per call, so tests never see each other's verifications. */
function nextPhone(): string {
  phoneCounter += 1;
  return `+7967031${String(1000 + phoneCounter).padStart(4, '0')}`;
}

const digits = (phone: string): string => phone.replace(/^\+/, '');

function startRequest(phone: unknown): Promise<TestResponse> {
  return t.request('POST', `${PREFIX}/verifications`, { phone });
}

async function start(phone: string): Promise<Started & { wait: FakeWait }> {
  const response = await startRequest(phone);
  expect(response.status).toBe(201);
  return { ...(response.body as Started), wait: platform.waitFor(phone)! };
}

function redeem(id: string, secret?: string, headers?: Record<string, string>): Promise<TestResponse> {
  return t.request('POST', `${PREFIX}/verifications/${id}/token`, secret === undefined ? {} : { secret }, headers);
}

/** Starts a verification, places the matching call and redeems it: a real token from the module. */
async function issueToken(phone: string): Promise<string> {
  const { id, secret } = await start(phone);
  expect(await platform.placeCall({ from: digits(phone) })).toEqual({ status: 200, body: 'OK' });
  const issued = await redeem(id, secret);
  expect(issued.status).toBe(200);
  return issued.body.accessToken as string;
}

async function verificationRow(id: string): Promise<{ status: string; verified_at: Date | null }> {
  const [row] = await t.dataSource.query(`SELECT status, verified_at FROM phone_call_verification WHERE id = $1`, [id]);
  return row;
}

async function countVerifications(phone?: string): Promise<number> {
  const [row] = phone
    ? await t.dataSource.query(`SELECT count(*)::int AS n FROM phone_call_verification WHERE phone = $1`, [phone])
    : await t.dataSource.query(`SELECT count(*)::int AS n FROM phone_call_verification`);
  return row.n;
}

/** Runs `action` and returns the inbound-call records written meanwhile. */
async function recordedDuring(action: () => Promise<unknown>): Promise<InboundRow[]> {
  const [{ last }] = await t.dataSource.query(`SELECT coalesce(max(id), 0) AS last FROM phone_call_inbound_call`);
  await action();
  return t.dataSource.query(
    `SELECT outcome, caller, verification_id FROM phone_call_inbound_call WHERE id > $1 ORDER BY id`,
    [last],
  );
}

/** Places a call through the fake platform and expects the callback's calm answer. */
async function placeCall(call: FakeCall): Promise<void> {
  expect(await platform.placeCall(call)).toEqual({ status: 200, body: 'OK' });
}

/** A raw GET to the callback route, with any secret and any query string. */
async function callbackGet(secret: string, query: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${t.baseUrl}${PREFIX}/callback/${secret}?${query}`);
  return { status: response.status, body: await response.text() };
}

/** The text of a Nest error body, whose `message` is a string or (for validation) a list. */
const messageOf = (response: TestResponse): string => [response.body?.message].flat().join(' ');

// JWT forging ----------------------------------------------------------------------------------

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs like the module does (`typ: at+jwt`); `header` overrides header fields, e.g. `{ typ: 'JWT' }`. */
function forge(
  claims: Record<string, unknown>,
  secret = TEST_JWT_SECRET,
  algorithm: Algorithm = 'HS256',
  header: Record<string, unknown> = {},
): string {
  return jwt.sign(claims, secret, { algorithm, header: { alg: algorithm, typ: 'at+jwt', ...header } });
}

/** Replaces one character in the middle of a segment (not the last, whose low bits may be padding). */
function flipCharIn(segment: string): string {
  const at = Math.floor(segment.length / 2);
  const replacement = segment[at] === 'A' ? 'B' : 'A';
  return segment.slice(0, at) + replacement + segment.slice(at + 1);
}

function me(authorization?: string): Promise<TestResponse> {
  return t.request('GET', '/me', undefined, authorization === undefined ? {} : { authorization });
}

// ---------------------------------------------------------------------------------------------

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
    expect(messageOf(response)).toMatch(/expired/);
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
      iss: ISSUER,
      aud: AUDIENCE,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(UUID),
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before - 1);
    expect(claims.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
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

describe('POST /verifications/:id/token (redeeming)', () => {
  it('issues the token once: a second redeem is 410 consumed', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await placeCall({ from: digits(phone) });
    expect((await redeem(id, secret)).status).toBe(200);

    const again = await redeem(id, secret);
    expect(again.status).toBe(410);
    expect(again.body.status).toBe('consumed');
    expect(again.body.accessToken).toBeUndefined();
  });

  it('answers an unknown id and a wrong secret identically with 401', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await placeCall({ from: digits(phone) });

    const unknownId = await redeem(randomUUID(), secret);
    const wrongSecret = await redeem(id, `${secret.slice(0, -2)}xx`);
    expect(unknownId.status).toBe(401);
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toEqual(unknownId.body);
    expect(wrongSecret.text).not.toContain(id);

    // The failed attempts left the verification redeemable by its holder.
    expect((await redeem(id, secret)).status).toBe(200);
  });

  it.each(['not-a-uuid', '12345', `${randomUUID()}x`])('answers a malformed id %j with 400', async (badId) => {
    const response = await redeem(badId, 'some-secret');
    expect(response.status).toBe(400);
  });

  it('answers a missing secret with 400, and an empty one too', async () => {
    const { id } = await start(nextPhone());
    const missing = await redeem(id);
    expect(missing.status).toBe(400);
    expect(messageOf(missing)).toMatch(/secret/);
    expect((await redeem(id, '')).status).toBe(400);
  });

  it('takes the secret from the X-Verification-Secret header instead of the body', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await placeCall({ from: digits(phone) });

    const wrong = await t.request('POST', `${PREFIX}/verifications/${id}/token`, undefined, {
      'x-verification-secret': 'wrong',
    });
    expect(wrong.status).toBe(401);

    const issued = await t.request('POST', `${PREFIX}/verifications/${id}/token`, undefined, {
      'x-verification-secret': secret,
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
  });
});

describe('the callback route', () => {
  const callQuery = (from: string, wait: FakeWait): string =>
    new URLSearchParams({ phone: from, call_to_number: wait.callTo, id_call: wait.idCall }).toString();

  it.each([
    ['another secret', 'an-entirely-different-secret-0123456789abcdef'],
    ['the secret with one character changed', `${TEST_CALLBACK_SECRET.slice(0, -1)}X`],
    ['the secret with a suffix', `${TEST_CALLBACK_SECRET}0`],
    ['a prefix of the secret', TEST_CALLBACK_SECRET.slice(0, 16)],
  ])('refuses %s with 403 and verifies nothing', async (_label, wrongSecret) => {
    const phone = nextPhone();
    const { id, secret, wait } = await start(phone);

    const rows = await recordedDuring(async () => {
      const response = await callbackGet(wrongSecret, callQuery(digits(phone), wait));
      expect(response.status).toBe(403);
      expect(response.body).not.toContain(TEST_CALLBACK_SECRET);
    });
    expect(rows).toEqual([]);
    expect((await verificationRow(id)).status).toBe('pending');
    expect((await redeem(id, secret)).status).toBe(202);
  });

  it('answers 200 "OK" with the right secret, and the call verifies', async () => {
    const phone = nextPhone();
    const { id, wait } = await start(phone);
    const response = await fetch(`${t.callbackUrl}?${callQuery(digits(phone), wait)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('OK');
    expect((await verificationRow(id)).status).toBe('verified');
  });
});

describe('inbound calls that must verify nothing', () => {
  it('a call from another number to the right number with the right wait id: no_match', async () => {
    const phone = nextPhone();
    const attacker = nextPhone();
    const { id, secret, wait } = await start(phone);

    const rows = await recordedDuring(() =>
      placeCall({ from: digits(attacker), to: wait.callTo, params: { id_call: wait.idCall } }),
    );
    expect(rows).toEqual([{ outcome: 'no_match', caller: attacker, verification_id: null }]);
    expect((await verificationRow(id)).status).toBe('pending');
    expect((await redeem(id, secret)).status).toBe(202);
  });

  it('a call after the window: late, and the token endpoint says 410 expired', async () => {
    const phone = nextPhone();
    const { id, secret } = await start(phone);
    await t.dataSource.query(
      `UPDATE phone_call_verification SET expires_at = now() - interval '1 second', created_at = created_at - interval '1 minute' WHERE id = $1`,
      [id],
    );

    const rows = await recordedDuring(() => placeCall({ from: digits(phone) }));
    expect(rows).toEqual([{ outcome: 'late', caller: phone, verification_id: null }]);
    expect(await verificationRow(id)).toEqual({ status: 'pending', verified_at: null });

    const response = await redeem(id, secret);
    expect(response.status).toBe(410);
    expect(response.body.status).toBe('expired');
  });

  it.each([
    ['anonymous', 'anonymous'],
    ['restricted', 'restricted'],
    ['empty', ''],
    ['letters', 'abc'],
    ['a lone plus', '+'],
    ['200 characters', '7'.repeat(200)],
  ])(
    'a withheld or invalid caller ID (%s): no_caller_id, even with the right number and wait id',
    async (_label, from) => {
      const phone = nextPhone();
      const { id, wait } = await start(phone);

      const rows = await recordedDuring(() => placeCall({ from, to: wait.callTo, params: { id_call: wait.idCall } }));
      expect(rows).toEqual([{ outcome: 'no_caller_id', caller: null, verification_id: null }]);
      expect((await verificationRow(id)).status).toBe('pending');
    },
  );

  it('a caller ID with letters around the right number: never matches', async () => {
    const phone = nextPhone();
    const { id, wait } = await start(phone);

    const from = `anonymous ${digits(phone)}`;
    const rows = await recordedDuring(() => placeCall({ from, to: wait.callTo, params: { id_call: wait.idCall } }));
    expect(rows).toHaveLength(1);
    expect(rows[0].outcome).not.toBe('matched');
    expect((await verificationRow(id)).status).toBe('pending');
  });

  it('a second start for one phone supersedes the first: 410 for the first, the call verifies the second', async () => {
    const phone = nextPhone();
    const first = await start(phone);
    const second = await start(phone);

    const [superseded] = await t.dataSource.query(
      `SELECT status, cancel_reason FROM phone_call_verification WHERE id = $1`,
      [first.id],
    );
    expect(superseded).toEqual({ status: 'canceled', cancel_reason: 'superseded' });
    const gone = await redeem(first.id, first.secret);
    expect(gone.status).toBe(410);
    expect(gone.body.status).toBe('canceled');

    // The number handed out for the second tells the call apart from the first.
    expect(second.wait.callTo).not.toBe(first.wait.callTo);
    const rows = await recordedDuring(() =>
      placeCall({ from: digits(phone), to: second.wait.callTo, withWaitId: false }),
    );
    expect(rows).toEqual([{ outcome: 'matched', caller: phone, verification_id: second.id }]);
    expect((await verificationRow(first.id)).status).toBe('canceled');
    expect((await redeem(second.id, second.secret)).status).toBe(200);
  });

  it('remote phishing: when nothing tells a superseded verification from the new one, the call verifies neither', async () => {
    // The victim starts and is shown a number; a stranger then starts for the victim's phone.
    const phone = nextPhone();
    const victim = await start(phone);
    const stranger = await start(phone);

    // The victim's call, reported with the caller only: it fits both, so it must verify neither.
    const rows = await recordedDuring(async () => {
      expect(await callbackGet(TEST_CALLBACK_SECRET, `phone=${digits(phone)}`)).toEqual({ status: 200, body: 'OK' });
    });
    expect(rows).toEqual([{ outcome: 'ambiguous', caller: phone, verification_id: null }]);
    expect((await verificationRow(victim.id)).status).toBe('canceled');
    expect((await verificationRow(stranger.id)).status).toBe('pending');
    expect((await redeem(stranger.id, stranger.secret)).status).toBe(202);
  });

  it('a call that names a superseded verification by its wait id verifies nothing', async () => {
    const phone = nextPhone();
    const first = await start(phone);
    const second = await start(phone);

    const rows = await recordedDuring(() =>
      placeCall({ from: digits(phone), to: first.wait.callTo, params: { id_call: first.wait.idCall } }),
    );
    expect(rows).toEqual([{ outcome: 'no_match', caller: phone, verification_id: null }]);
    expect((await verificationRow(first.id)).status).toBe('canceled');
    expect((await verificationRow(second.id)).status).toBe('pending');
  });

  it('the database refuses a second pending verification for one phone, so a call can never fit two', async () => {
    const phone = nextPhone();
    const { id } = await start(phone);
    await expect(
      t.dataSource.query(
        `INSERT INTO phone_call_verification (phone, call_to, provider, status, secret_hash, expires_at)
         SELECT phone, call_to, provider, 'pending', secret_hash, expires_at FROM phone_call_verification WHERE id = $1`,
        [id],
      ),
    ).rejects.toThrow(/phone_call_verification_one_pending_idx/);
  });
});

describe('platform failures leave nothing behind', () => {
  it('a platform error: 502 with the platform text, no verification row', async () => {
    const phone = nextPhone();
    platform.failNext('7', 'Недостаточно средств');
    const response = await startRequest(phone);
    expect(response.status).toBe(502);
    expect(messageOf(response)).toContain('Недостаточно средств');
    expect(response.body.platformCode).toBe('7');
    expect(await countVerifications(phone)).toBe(0);
  });

  it('a platform that does not answer within timeoutMs: 504, no verification row', async () => {
    const phone = nextPhone();
    platform.stallNext();
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
    platform.respondNextWith(503, '<html>Bad gateway</html>');
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
      const port = await closedPort();
      unused = await FakeSsmsPlatform.start(); // bootTestApp points its platform's callbackUrl at the app
      refused = await bootTestApp({
        databaseUrl: db.url,
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

describe('bad input', () => {
  it.each(['12345', '+1 000', 'not a phone', '+7 000 000-00-00'])(
    'an invalid phone %j: 400 with a message about the phone',
    async (phone) => {
      const response = await startRequest(phone);
      expect(response.status).toBe(400);
      expect(messageOf(response)).toMatch(/phone/);
    },
  );

  it('an unknown extra body field: 400 naming it', async () => {
    const response = await t.request('POST', `${PREFIX}/verifications`, { phone: nextPhone(), admin: true });
    expect(response.status).toBe(400);
    expect(messageOf(response)).toMatch(/admin/);
  });

  it.each([
    ['a number', '{"phone": 79670311122}'],
    ['an array', '{"phone": ["+79670311122"]}'],
    ['an object', '{"phone": {"$ne": ""}}'],
    ['a top-level array', '[]'],
    ['a top-level string', '"x"'],
    ['null', 'null'],
    ['broken JSON', '{"phone": '],
  ])('JSON of the wrong type (%s): 4xx, never 5xx, and nothing written', async (_label, raw) => {
    const before = await countVerifications();
    const response = await t.request('POST', `${PREFIX}/verifications`, raw);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await countVerifications()).toBe(before);
  });

  it('a 10 kB phone string: 400', async () => {
    const response = await startRequest(`+7${'9'.repeat(10_240)}`);
    expect(response.status).toBe(400);
    expect(messageOf(response)).toMatch(/phone/);
  });

  it.each([
    ['inside the number', '+7967\u00000311122'],
    ['after a valid number', '+79670311122\u0000'],
  ])('a null byte %s: 400 and nothing written', async (_label, phone) => {
    const before = await countVerifications();
    const response = await startRequest(phone);
    expect(response.status).toBe(400);
    expect(await countVerifications()).toBe(before);
  });

  it('an SQL fragment after a valid number: 400 and nothing written', async () => {
    const before = await countVerifications();
    const response = await startRequest(`+79670311122'; DROP TABLE phone_call_verification; --`);
    expect(response.status).toBe(400);
    expect(await countVerifications()).toBe(before);
  });

  it('a repeated callback parameter (?phone=1&phone=2): 200, recorded, nothing verified', async () => {
    const phone = nextPhone();
    const { id, wait } = await start(phone);
    const query = `phone=${digits(phone)}&phone=${digits(phone)}&call_to_number=${wait.callTo}&id_call=${wait.idCall}`;

    const rows = await recordedDuring(async () => {
      expect(await callbackGet(TEST_CALLBACK_SECRET, query)).toEqual({ status: 200, body: 'OK' });
    });
    expect(rows).toEqual([{ outcome: 'no_caller_id', caller: null, verification_id: null }]);
    expect((await verificationRow(id)).status).toBe('pending');
  });

  it('a callback with ?phone=1&phone=2 exactly: 200 and recorded', async () => {
    const rows = await recordedDuring(async () => {
      expect(await callbackGet(TEST_CALLBACK_SECRET, 'phone=1&phone=2')).toEqual({ status: 200, body: 'OK' });
    });
    expect(rows).toEqual([{ outcome: 'no_caller_id', caller: null, verification_id: null }]);
  });
});

/** A port on 127.0.0.1 that nothing listens on: bound by the kernel, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
