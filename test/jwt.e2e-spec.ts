import { ForbiddenException, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Algorithm } from 'jsonwebtoken';
import jwt from 'jsonwebtoken';
import {
  PHONE_CALL_AUTH_ENTITIES,
  PHONE_CALL_AUTH_MIGRATIONS,
  PhoneCallAuthConfigError,
  type PhoneCallAuthJwtOptions,
  PhoneCallAuthModule,
  type PhoneCallAuthOptions,
  PurgeService,
} from 'nestjs-phone-call-auth';
import { FakeSsmsPlatform } from 'nestjs-phone-call-auth/testing';
import { createHash, createHmac, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { DataSource } from 'typeorm';
import { b64url, forge } from './support/jwt-forge.js';
import { messageOf } from './support/messages.js';
import { nextPhone } from './support/phones.js';
import { withRowLocked } from './support/row-lock.js';
import { REFRESH_TOKEN_TABLE, VERIFICATION_TABLE } from './support/tables.js';
import {
  bootTestApp,
  createTestDatabase,
  PREFIX,
  TEST_CALLBACK_SECRET,
  TEST_JWT_SECRET,
  type TestApp,
  type TestDatabase,
  type TestResponse,
} from './support/test-app.js';
import { AUDIENCE, ISSUER, validClaims } from './support/tokens.js';

const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const CONCURRENT_REFRESHES = 20;
/** How many of the app's statements must be waiting on the held row lock before it is released. */
const MIN_WAITERS = 5;

function keyPair(type: 'rsa' | 'ec') {
  const { privateKey, publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateJwk: privateKey.export({ format: 'jwk' }) as JsonWebKey,
    publicJwk: publicKey.export({ format: 'jwk' }) as JsonWebKey,
  };
}

const rsa = keyPair('rsa');
const ec = keyPair('ec');
const attackerRsa = keyPair('rsa');

interface Ctx {
  t: TestApp;
  platform: FakeSsmsPlatform;
  close(): Promise<void>;
}

let db: TestDatabase;
const running = new Set<Ctx>();

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const ctx of running) await ctx.close();
  await db?.drop();
});

/**
 * Boots an app with these JWT options (and other overrides), with a fake platform of its own.
 * One app at a time: Passport keeps strategies in one registry per process, so the strategy of the
 * app booted last would check the tokens of every app still running.
 */
async function boot(jwtOptions: PhoneCallAuthJwtOptions, options: Partial<PhoneCallAuthOptions> = {}): Promise<Ctx> {
  expect(running.size).toBe(0);
  const platform = await FakeSsmsPlatform.start();
  const t = await bootTestApp({ databaseUrl: db.url, platform, options: { jwt: jwtOptions, ...options } });
  const ctx: Ctx = {
    t,
    platform,
    close: async () => {
      running.delete(ctx);
      await t.close();
      await platform.close();
    },
  };
  running.add(ctx);
  return ctx;
}

/** The whole flow over HTTP: start, the call, the token answer (expected 200). */
async function signIn(ctx: Ctx, phone = nextPhone()): Promise<TestResponse> {
  const started = await ctx.t.request('POST', `${PREFIX}/verifications`, { phone });
  expect(started.status).toBe(201);
  expect(await ctx.platform.placeCall({ from: phone.slice(1) })).toEqual({ status: 200, body: 'OK' });
  const issued = await ctx.t.request('POST', `${PREFIX}/verifications/${started.body.id}/token`, {
    secret: started.body.secret,
  });
  expect(issued.status).toBe(200);
  return issued;
}

function me(ctx: Ctx, token: string): Promise<TestResponse> {
  return ctx.t.request('GET', '/me', undefined, { authorization: `Bearer ${token}` });
}

/** An HS256 token whose HMAC key is `secret` (e.g. a public key's PEM), built by hand: no library refuses it. */
function hmacToken(claims: Record<string, unknown>, secret: string, header: Record<string, unknown> = {}): string {
  const signingInput = `${b64url({ alg: 'HS256', typ: 'at+jwt', ...header })}.${b64url(claims)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

// ---------------------------------------------------------------------------------------------

describe('access tokens pinned to the configured RS256 key', () => {
  let app: Ctx;
  const phone = nextPhone();
  const rs = (claims: Record<string, unknown>, header: Record<string, unknown> = { kid: 'rs-1' }) =>
    forge(claims, rsa.privateKey, 'RS256', header);

  beforeAll(async () => {
    app = await boot({ keys: [{ kid: 'rs-1', algorithm: 'RS256', privateKey: rsa.privatePem }] });
  });
  afterAll(() => app?.close());

  it('issues tokens with alg RS256, typ at+jwt and the configured kid; they open /me', async () => {
    const issued = await signIn(app, phone);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(issued.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    const token = issued.body.accessToken as string;
    expect(jwt.decode(token, { complete: true })?.header).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: 'rs-1' });
    expect(() =>
      jwt.verify(token, rsa.publicKey, { algorithms: ['RS256'], issuer: ISSUER, audience: AUDIENCE }),
    ).not.toThrow();
    expect((await me(app, token)).body).toEqual({ sub: phone, phone });
  });

  it('lets a correctly forged token in, so each case below differs from it in one property only', async () => {
    expect((await me(app, rs(validClaims(phone)))).status).toBe(200);
  });

  it('accepts a token without kid while one key is configured', async () => {
    expect((await me(app, rs(validClaims(phone), {}))).status).toBe(200);
  });

  it('refuses alg none', async () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'at+jwt', kid: 'rs-1' })}.${b64url(validClaims(phone))}.`;
    expect((await me(app, unsigned)).status).toBe(401);
  });

  it.each([
    ['with the kid', { kid: 'rs-1' }],
    ['without kid', {}],
  ])('refuses an HS256 token whose HMAC key is the RS256 public key (%s)', async (_label, header) => {
    for (const secret of [rsa.publicPem, rsa.publicPem.trim(), JSON.stringify(rsa.publicJwk)]) {
      expect((await me(app, hmacToken(validClaims(phone), secret, header))).status).toBe(401);
    }
  });

  it('refuses a token with an unknown kid, even when signed with the right key', async () => {
    expect((await me(app, rs(validClaims(phone), { kid: 'rs-2' }))).status).toBe(401);
    expect((await me(app, rs(validClaims(phone), { kid: 7 }))).status).toBe(401);
  });

  it('refuses a token that carries its own key (jwk header) with the configured kid', async () => {
    const token = forge(validClaims(phone), attackerRsa.privateKey, 'RS256', {
      kid: 'rs-1',
      jwk: attackerRsa.publicJwk,
    });
    expect((await me(app, token)).status).toBe(401);
  });

  describe('a token that points at keys elsewhere (jku, x5u)', () => {
    let keyServer: Server;
    let fetched = 0;
    let url: string;

    beforeAll(async () => {
      keyServer = createServer((_request, response) => {
        fetched += 1;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: [{ ...attackerRsa.publicJwk, kid: 'rs-1', alg: 'RS256', use: 'sig' }] }));
      });
      await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(keyServer.address() as { port: number }).port}/jwks.json`;
    });
    afterAll(async () => {
      await new Promise((resolve) => keyServer.close(resolve));
    });

    it('is refused, and the module never fetches the URL', async () => {
      for (const header of [
        { kid: 'rs-1', jku: url },
        { kid: 'rs-1', x5u: url },
        { jku: url, kid: 'attacker' },
      ]) {
        expect((await me(app, forge(validClaims(phone), attackerRsa.privateKey, 'RS256', header))).status).toBe(401);
      }
      expect(fetched).toBe(0);
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['another issuer', { iss: 'someone-else' }],
    ['another audience', { aud: 'another-app' }],
    ['an audience list without ours', { aud: ['another-app', 'a-third-app'] }],
  ])('refuses a token for %s', async (_label, overrides) => {
    expect((await me(app, rs(validClaims(phone, overrides)))).status).toBe(401);
  });

  it('refuses an expired token and says so', async () => {
    const now = Math.floor(Date.now() / 1000);
    const response = await me(app, rs(validClaims(phone, { iat: now - 960, exp: now - 60 })));
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('ACCESS_TOKEN_EXPIRED');
    expect(messageOf(response)).toMatch(/истёк/); // the default locale, ru
  });

  it('refuses a token that is not valid yet (nbf in the future)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await me(app, rs(validClaims(phone, { nbf: now + 600 })))).status).toBe(401);
  });

  it.each<[string, Record<string, unknown>]>([
    ['JWT', { kid: 'rs-1', typ: 'JWT' }],
    ['missing', { kid: 'rs-1', typ: undefined }],
    ['an ID-token-like type', { kid: 'rs-1', typ: 'id_token+jwt' }],
  ])('refuses a token whose typ is %s', async (_label, header) => {
    expect((await me(app, rs(validClaims(phone), header))).status).toBe(401);
  });

  it('refuses RS512 and PS256 signatures by the right key', async () => {
    for (const algorithm of ['RS512', 'PS256'] as const) {
      const token = forge(validClaims(phone), rsa.privateKey, algorithm, { kid: 'rs-1' });
      expect((await me(app, token)).status).toBe(401);
    }
  });

  it('has no refresh route while refresh tokens are off: 404, and the token answer has no refreshToken', async () => {
    const response = await app.t.request(
      'POST',
      `${PREFIX}/token/refresh`,
      { refreshToken: randomBytes(32).toString('base64url') },
      { 'accept-language': 'en' },
    );
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('REFRESH_TOKENS_OFF');
    expect(messageOf(response)).toMatch(/not enabled/);
  });
});

describe('RS256 and ES256 keys, PEM and JWK: full flows', () => {
  it.each<[string, PhoneCallAuthJwtOptions, Algorithm, string | undefined, KeyObject]>([
    [
      'RS256, PEM pair (shorthand)',
      { privateKey: rsa.privatePem, publicKey: rsa.publicPem },
      'RS256',
      undefined,
      rsa.publicKey,
    ],
    [
      'RS256, JWK pair',
      { keys: [{ kid: 'rs-jwk', algorithm: 'RS256', privateKey: rsa.privateJwk, publicKey: rsa.publicJwk }] },
      'RS256',
      'rs-jwk',
      rsa.publicKey,
    ],
    ['ES256, PEM private key only (shorthand)', { privateKey: ec.privatePem }, 'ES256', undefined, ec.publicKey],
    [
      'ES256, PEM pair',
      { keys: [{ kid: 'es-pem', algorithm: 'ES256', privateKey: ec.privatePem, publicKey: ec.publicPem }] },
      'ES256',
      'es-pem',
      ec.publicKey,
    ],
    [
      'ES256, JWK pair',
      { keys: [{ kid: 'es-jwk', algorithm: 'ES256', privateKey: ec.privateJwk, publicKey: ec.publicJwk }] },
      'ES256',
      'es-jwk',
      ec.publicKey,
    ],
  ])(
    '%s: issues a token that verifies with the public key and opens /me',
    async (_label, options, alg, kid, publicKey) => {
      const app = await boot(options);
      try {
        const phone = nextPhone();
        const token = (await signIn(app, phone)).body.accessToken as string;
        expect(jwt.decode(token, { complete: true })?.header).toEqual({ alg, typ: 'at+jwt', ...(kid && { kid }) });
        const claims = jwt.verify(token, publicKey, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE });
        expect(claims).toMatchObject({ sub: phone, phone_number: phone, phone_number_verified: true, amr: ['tel'] });
        expect((await me(app, token)).body).toEqual({ sub: phone, phone });
      } finally {
        await app.close();
      }
    },
  );
});

describe('key rotation: several keys verify, one signs', () => {
  const oldKey = { kid: 'hs-2025', algorithm: 'HS256' as const, secret: TEST_JWT_SECRET };
  const newKey = { kid: 'es-2026', algorithm: 'ES256' as const, privateKey: ec.privateJwk };
  const phone = nextPhone();
  let oldToken: string;
  let freshToken: string;

  // Each phase is a restart of the app with the next key configuration.
  beforeAll(async () => {
    const before = await boot({ keys: [oldKey] });
    try {
      oldToken = (await signIn(before, phone)).body.accessToken as string;
      expect(jwt.decode(oldToken, { complete: true })?.header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'hs-2025' });
      expect((await me(before, oldToken)).status).toBe(200);
    } finally {
      await before.close();
    }
  });

  describe('during: the new key signs, the old one still verifies', () => {
    let during: Ctx;
    beforeAll(async () => {
      during = await boot({ keys: [newKey, oldKey], signingKid: 'es-2026' });
    });
    afterAll(() => during?.close());

    it('accepts a token signed with the old key', async () => {
      expect((await me(during, oldToken)).body).toEqual({ sub: phone, phone });
    });

    it('signs new tokens with the signing key only', async () => {
      freshToken = (await signIn(during, phone)).body.accessToken as string;
      expect(jwt.decode(freshToken, { complete: true })?.header).toEqual({
        alg: 'ES256',
        typ: 'at+jwt',
        kid: 'es-2026',
      });
      expect((await me(during, freshToken)).status).toBe(200);
    });

    it('refuses a token without kid, even when its signature is right', async () => {
      expect((await me(during, forge(validClaims(phone), TEST_JWT_SECRET, 'HS256', { kid: 'hs-2025' }))).status).toBe(
        200,
      );
      expect((await me(during, forge(validClaims(phone), TEST_JWT_SECRET, 'HS256'))).status).toBe(401);
      expect((await me(during, forge(validClaims(phone), ec.privateKey, 'ES256'))).status).toBe(401);
    });

    it('refuses a token with a kid no key has', async () => {
      expect((await me(during, forge(validClaims(phone), ec.privateKey, 'ES256', { kid: 'es-2027' }))).status).toBe(
        401,
      );
    });

    it("pins each kid to its key's algorithm", async () => {
      // The HS key's kid on an ES256 token signed by the (real) ES key.
      expect((await me(during, forge(validClaims(phone), ec.privateKey, 'ES256', { kid: 'hs-2025' }))).status).toBe(
        401,
      );
      // The ES key's kid on an HS256 token, keyed with the ES public key or with the HS secret.
      expect((await me(during, hmacToken(validClaims(phone), ec.publicPem, { kid: 'es-2026' }))).status).toBe(401);
      expect((await me(during, hmacToken(validClaims(phone), TEST_JWT_SECRET, { kid: 'es-2026' }))).status).toBe(401);
    });
  });

  describe('after: the old key is removed', () => {
    let after: Ctx;
    beforeAll(async () => {
      after = await boot({
        keys: [{ kid: 'es-2026', algorithm: 'ES256', privateKey: ec.privateJwk, publicKey: ec.publicJwk }],
      });
    });
    afterAll(() => after?.close());

    it('refuses the token signed with the old key, and still accepts the new ones', async () => {
      expect((await me(after, oldToken)).status).toBe(401);
      expect((await me(after, freshToken)).status).toBe(200);
    });
  });
});

describe('startup refuses weak or mismatched keys', () => {
  /** Boots the module through Nest (forRoot or forRootAsync) and returns the error that stopped it. */
  async function startupError(registration: 'forRoot' | 'forRootAsync', jwtOptions: PhoneCallAuthJwtOptions) {
    const platform = await FakeSsmsPlatform.start();
    let dataSource: DataSource | undefined;
    const options = (): PhoneCallAuthOptions => ({
      providers: [platform.provider()],
      callbackSecret: TEST_CALLBACK_SECRET,
      jwt: jwtOptions,
    });
    @Module({
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ type: 'postgres', url: db.url, entities: [...PHONE_CALL_AUTH_ENTITIES] }),
          // Kept, to close it: a failed startup does not.
          dataSourceFactory: async (config) => (dataSource = await new DataSource(config!).initialize()),
        }),
        registration === 'forRoot'
          ? PhoneCallAuthModule.forRoot(options())
          : PhoneCallAuthModule.forRootAsync({ useFactory: async () => options() }),
      ],
    })
    class StartupModule {}
    try {
      await NestFactory.create(StartupModule, { logger: false, abortOnError: false });
      throw new Error('the app started');
    } catch (error) {
      return error as Error;
    } finally {
      await dataSource?.destroy();
      await platform.close();
    }
  }

  it.each<[string, PhoneCallAuthJwtOptions, RegExp]>([
    ['a 16-byte HS256 secret', { secret: 'x'.repeat(16) }, /jwt\.secret must be at least 32 bytes/],
    [
      'an RS key pair that does not match',
      { privateKey: rsa.privatePem, publicKey: attackerRsa.publicPem },
      /not a pair/,
    ],
    [
      'two keys and no signingKid',
      {
        keys: [
          { kid: 'a', algorithm: 'HS256', secret: TEST_JWT_SECRET },
          { kid: 'b', algorithm: 'ES256', privateKey: ec.privateJwk },
        ],
      },
      /signingKid is required/,
    ],
  ])('%s, with forRoot and with forRootAsync', async (_label, jwtOptions, message) => {
    for (const registration of ['forRoot', 'forRootAsync'] as const) {
      const error = await startupError(registration, jwtOptions);
      expect(error).toBeInstanceOf(PhoneCallAuthConfigError);
      expect(error.message).toMatch(message);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('refresh tokens', () => {
  let app: Ctx;
  let refuseSubject = false;

  beforeAll(async () => {
    app = await boot(
      { secret: TEST_JWT_SECRET, refreshTokens: {} },
      {
        resolveSubject: (phone) => {
          if (refuseSubject) throw new ForbiddenException('This number is blocked.');
          return { sub: phone };
        },
      },
    );
  });
  afterAll(() => app?.close());

  // In English (the module's default locale is Russian): the tests read the English texts.
  const refresh = (body: unknown): Promise<TestResponse> =>
    app.t.request('POST', `${PREFIX}/token/refresh`, body, { 'accept-language': 'en' });
  const hash = (token: string): Buffer => createHash('sha256').update(token).digest();

  async function rowOf(token: string): Promise<{ family_id: string; used_at: Date | null; revoked_at: Date | null }> {
    const [row] = await app.t.dataSource.query(
      `SELECT family_id, used_at, revoked_at FROM ${REFRESH_TOKEN_TABLE} WHERE token_hash = $1`,
      [hash(token)],
    );
    return row;
  }

  async function family(token: string): Promise<Array<{ used_at: Date | null; revoked_at: Date | null }>> {
    return app.t.dataSource.query(
      `SELECT used_at, revoked_at FROM ${REFRESH_TOKEN_TABLE}
       WHERE family_id = (SELECT family_id FROM ${REFRESH_TOKEN_TABLE} WHERE token_hash = $1) ORDER BY id`,
      [hash(token)],
    );
  }

  /** Moves a used token's use back by `interval` (a Postgres interval), past the grace, instead of waiting. */
  async function ageUse(token: string, interval: string): Promise<void> {
    await app.t.dataSource.query(
      `UPDATE ${REFRESH_TOKEN_TABLE} SET used_at = used_at - $2::interval WHERE token_hash = $1`,
      [hash(token), interval],
    );
  }

  /** Moves the family's start back by `interval` (a Postgres interval), instead of waiting. */
  async function ageFamily(token: string, interval: string): Promise<void> {
    await app.t.dataSource.query(
      `UPDATE ${REFRESH_TOKEN_TABLE} SET family_created_at = family_created_at - $2::interval
       WHERE family_id = (SELECT family_id FROM ${REFRESH_TOKEN_TABLE} WHERE token_hash = $1)`,
      [hash(token), interval],
    );
  }

  /** A token answer (of a sign-in or a refresh) while refresh tokens are on. */
  const TOKEN_ANSWER_WITH_REFRESH = {
    accessToken: expect.any(String),
    tokenType: 'Bearer',
    expiresIn: 900,
    refreshToken: expect.stringMatching(REFRESH_TOKEN),
  };

  async function firstRefreshToken(): Promise<string> {
    return (await signIn(app)).body.refreshToken as string;
  }

  it('the token answer carries a refresh token, stored only as its SHA-256 hash', async () => {
    const issued = await signIn(app);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(issued.body).toEqual(TOKEN_ANSWER_WITH_REFRESH);
    const token = issued.body.refreshToken as string;
    expect(await rowOf(token)).toMatchObject({ used_at: null, revoked_at: null });
    const [{ n }] = await app.t.dataSource.query(
      `SELECT count(*)::int AS n FROM ${REFRESH_TOKEN_TABLE} r WHERE row_to_json(r)::text LIKE '%' || $1 || '%'`,
      [token],
    );
    expect(n).toBe(0);
  });

  it('rotates on every use: each answer has a new access token and the next refresh token', async () => {
    const phone = nextPhone();
    const first = (await signIn(app, phone)).body.refreshToken as string;

    const second = await refresh({ refreshToken: first });
    expect(second.status).toBe(200);
    expect(second.headers.get('cache-control')).toBe('no-store');
    expect(second.body).toEqual(TOKEN_ANSWER_WITH_REFRESH);
    expect(second.body.refreshToken).not.toBe(first);
    expect(jwt.decode(second.body.accessToken, { complete: true })?.header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect((await me(app, second.body.accessToken)).body).toEqual({ sub: phone, phone });

    const third = await refresh({ refreshToken: second.body.refreshToken });
    expect(third.status).toBe(200);
    expect((await me(app, third.body.accessToken)).status).toBe(200);

    const rows = await family(first);
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => [!!row.used_at, !!row.revoked_at])).toEqual([
      [true, false],
      [true, false],
      [false, false],
    ]);
  });

  it('a used token presented again after its successor was used answers 401 and revokes the whole family, the newest token too', async () => {
    const first = await firstRefreshToken();
    const second = (await refresh({ refreshToken: first })).body.refreshToken as string;
    const third = (await refresh({ refreshToken: second })).body.refreshToken as string;
    const otherFamily = await firstRefreshToken();

    const replay = await refresh({ refreshToken: first });
    expect(replay.status).toBe(401);
    expect(replay.body.refreshToken).toBeUndefined();
    expect((await family(first)).every((row) => row.revoked_at !== null)).toBe(true);

    expect((await refresh({ refreshToken: third })).status).toBe(401);
    expect((await refresh({ refreshToken: second })).status).toBe(401);
    // Another sign-in's family is untouched.
    expect((await refresh({ refreshToken: otherFamily })).status).toBe(200);
  });

  it('a used token presented again past the grace (15 s) answers 401 and revokes the family, its unused successor too', async () => {
    const first = await firstRefreshToken();
    const second = (await refresh({ refreshToken: first })).body.refreshToken as string;
    await ageUse(first, '16 seconds');

    const replay = await refresh({ refreshToken: first });
    expect(replay.status).toBe(401);
    expect((await family(first)).every((row) => row.revoked_at !== null)).toBe(true);
    expect((await refresh({ refreshToken: second })).status).toBe(401);
  });

  describe('a double submit: the same token presented again within the grace, before any successor was used', () => {
    it('gets a successor of its own; the first answer stays good, and the family is not revoked', async () => {
      const phone = nextPhone();
      const first = (await signIn(app, phone)).body.refreshToken as string;
      const winner = await refresh({ refreshToken: first });
      await ageUse(first, '14 seconds');
      const loser = await refresh({ refreshToken: first });
      expect(loser.status).toBe(200);
      expect(loser.body).toEqual(TOKEN_ANSWER_WITH_REFRESH);
      expect(loser.body.refreshToken).not.toBe(winner.body.refreshToken);
      expect((await me(app, loser.body.accessToken)).body).toEqual({ sub: phone, phone });

      // Both successors live on, each once; the first token keeps its first use.
      const rows = await family(first);
      expect(rows.map((row) => [!!row.used_at, !!row.revoked_at])).toEqual([
        [true, false],
        [false, false],
        [false, false],
      ]);
      expect((await refresh({ refreshToken: winner.body.refreshToken })).status).toBe(200);
      expect((await refresh({ refreshToken: loser.body.refreshToken })).status).toBe(200);
      // Once a successor was used, the first token is spent for good: presenting it is reuse.
      expect((await refresh({ refreshToken: first })).status).toBe(401);
      expect((await family(first)).every((row) => row.revoked_at !== null)).toBe(true);
    });
  });

  it('answers unknown, used, revoked and expired tokens with one and the same 401', async () => {
    const used = await firstRefreshToken();
    await refresh({ refreshToken: used });
    await ageUse(used, '1 minute');
    const expired = await firstRefreshToken();
    await ageFamily(expired, '8 days');

    const answers = await Promise.all(
      [randomBytes(32).toString('base64url'), 'abc', used, expired].map((refreshToken) => refresh({ refreshToken })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
    for (const answer of answers) expect(answer.body).toEqual(answers[0].body);
    expect(answers[0].body.code).toBe('REFRESH_TOKEN_REFUSED');
    expect(messageOf(answers[0])).toMatch(/refresh token is not valid/);
  });

  it('a family lives 7 days from the sign-in, whatever the rotations', async () => {
    const first = await firstRefreshToken();
    await ageFamily(first, '7 days -1 minute');
    const second = await refresh({ refreshToken: first });
    expect(second.status).toBe(200);

    await ageFamily(first, '2 minutes');
    const late = await refresh({ refreshToken: second.body.refreshToken });
    expect(late.status).toBe(401);
    // Past its lifetime is not reuse: nothing was revoked.
    expect((await family(first)).map((row) => row.revoked_at)).toEqual([null, null]);
  });

  it('stores the first refresh token in the redeem transaction: if storing fails, the verification stays redeemable', async () => {
    const phone = nextPhone();
    const started = await app.t.request('POST', `${PREFIX}/verifications`, { phone });
    expect(await app.platform.placeCall({ from: phone.slice(1) })).toEqual({ status: 200, body: 'OK' });
    const redeem = () =>
      app.t.request('POST', `${PREFIX}/verifications/${started.body.id}/token`, { secret: started.body.secret });

    // A constraint that refuses this phone's refresh token makes the INSERT fail after the consuming UPDATE.
    await app.t.dataSource.query(
      `ALTER TABLE ${REFRESH_TOKEN_TABLE} ADD CONSTRAINT test_refuse_phone CHECK (phone <> '${phone}')`,
    );
    try {
      expect((await redeem()).status).toBe(500);
    } finally {
      await app.t.dataSource.query(`ALTER TABLE ${REFRESH_TOKEN_TABLE} DROP CONSTRAINT test_refuse_phone`);
    }
    const [row] = await app.t.dataSource.query(`SELECT status FROM ${VERIFICATION_TABLE} WHERE id = $1`, [
      started.body.id,
    ]);
    expect(row.status).toBe('verified');

    const issued = await redeem();
    expect(issued.status).toBe(200);
    expect((await refresh({ refreshToken: issued.body.refreshToken })).status).toBe(200);
  });

  it('redeems 20 verifications at once with refresh tokens on: all 200 (one connection per redeem, pool of 10)', async () => {
    const started = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const phone = nextPhone();
        const response = await app.t.request('POST', `${PREFIX}/verifications`, { phone });
        expect(await app.platform.placeCall({ from: phone.slice(1) })).toEqual({ status: 200, body: 'OK' });
        return response.body as { id: string; secret: string };
      }),
    );
    const answers = await Promise.all(
      started.map(({ id, secret }) => app.t.request('POST', `${PREFIX}/verifications/${id}/token`, { secret })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(started.map(() => 200));
    expect(answers.every((answer) => REFRESH_TOKEN.test(answer.body.refreshToken))).toBe(true);
  });

  it('runs resolveSubject again; when it refuses, the refresh token stays usable', async () => {
    const token = await firstRefreshToken();
    refuseSubject = true;
    try {
      const refused = await refresh({ refreshToken: token });
      expect(refused.status).toBe(403);
      expect(messageOf(refused)).toBe('This number is blocked.');
    } finally {
      refuseSubject = false;
    }
    expect(await rowOf(token)).toMatchObject({ used_at: null, revoked_at: null });
    expect((await family(token)).length).toBe(1);
    expect((await refresh({ refreshToken: token })).status).toBe(200);
  });

  it.each<[string, string | undefined]>([
    ['no body at all', undefined],
    ['no refreshToken', '{}'],
    ['an empty refreshToken', '{"refreshToken": ""}'],
    ['a number', '{"refreshToken": 12345}'],
    ['an array', '{"refreshToken": ["a", "b"]}'],
    ['an object', '{"refreshToken": {"$ne": ""}}'],
    ['null', '{"refreshToken": null}'],
    ['10 kB', JSON.stringify({ refreshToken: 'A'.repeat(10_240) })],
    ['broken JSON', '{"refreshToken": '],
    ['a top-level array', '[]'],
    ['a top-level string', '"x"'],
  ])('answers a malformed body (%s) with 400 and changes nothing', async (_label, raw) => {
    const [{ n: before }] = await app.t.dataSource.query(`SELECT count(*)::int AS n FROM ${REFRESH_TOKEN_TABLE}`);
    const response = await refresh(raw);
    expect(response.status).toBe(400);
    const [{ n: after }] = await app.t.dataSource.query(`SELECT count(*)::int AS n FROM ${REFRESH_TOKEN_TABLE}`);
    expect(after).toBe(before);
  });

  it('answers an unknown extra field with 400 naming it, and the token stays usable', async () => {
    const token = await firstRefreshToken();
    const response = await refresh({ refreshToken: token, scope: 'admin' });
    expect(response.status).toBe(400);
    expect(messageOf(response)).toMatch(/scope/);
    expect((await refresh({ refreshToken: token })).status).toBe(200);
  });

  describe('a verification deleted after redeem', () => {
    /** Signs in over HTTP and answers the verification's id with the first refresh token. */
    async function signInWithId(): Promise<{ id: string; refreshToken: string }> {
      const phone = nextPhone();
      const started = await app.t.request('POST', `${PREFIX}/verifications`, { phone });
      expect(await app.platform.placeCall({ from: phone.slice(1) })).toEqual({ status: 200, body: 'OK' });
      const issued = await app.t.request('POST', `${PREFIX}/verifications/${started.body.id}/token`, {
        secret: started.body.secret,
      });
      expect(issued.status).toBe(200);
      return { id: started.body.id as string, refreshToken: issued.body.refreshToken as string };
    }
    const deleteVerification = (id: string) =>
      app.t.dataSource.query(`DELETE FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id]);

    it('ends its family: the refresh tokens of that sign-in answer 401, however far rotated', async () => {
      const { id, refreshToken: first } = await signInWithId();
      const second = (await refresh({ refreshToken: first })).body.refreshToken as string;
      const { refreshToken: other } = await signInWithId();

      await deleteVerification(id);
      const refused = await refresh({ refreshToken: second });
      expect(refused.status).toBe(401);
      expect(messageOf(refused)).toMatch(/refresh token is not valid/);
      // Another sign-in's family is untouched.
      expect((await refresh({ refreshToken: other })).status).toBe(200);
    });

    it('the purge keeps a redeemed verification while its family lives, and deletes a family whose verification is gone', async () => {
      const purge = app.t.app.get(PurgeService);
      const { id, refreshToken } = await signInWithId();
      const { id: goneId, refreshToken: gone } = await signInWithId();
      // Both verifications are past the retention (24 h).
      await app.t.dataSource.query(
        `UPDATE ${VERIFICATION_TABLE} SET created_at = created_at - interval '2 days' WHERE id = ANY($1)`,
        [[id, goneId]],
      );
      await deleteVerification(goneId);
      await purge.purge();

      const [kept] = await app.t.dataSource.query(`SELECT status FROM ${VERIFICATION_TABLE} WHERE id = $1`, [id]);
      expect(kept).toEqual({ status: 'consumed' });
      expect(await family(gone)).toEqual([]);
      expect((await refresh({ refreshToken })).status).toBe(200);
    });
  });

  describe(`${CONCURRENT_REFRESHES} concurrent uses of one refresh token`, () => {
    const burst = (token: string) =>
      Promise.all(Array.from({ length: CONCURRENT_REFRESHES }, () => refresh({ refreshToken: token })));

    /** Fires `burst` while another connection holds the token's row, released once statements queue on it. */
    function withTokenRowLocked(token: string, fire: () => Promise<TestResponse[]>): Promise<TestResponse[]> {
      const lock = `SELECT 1 FROM ${REFRESH_TOKEN_TABLE} WHERE token_hash = $1 FOR UPDATE`;
      return withRowLocked(db.url, lock, [hash(token)], MIN_WAITERS, fire);
    }

    it.each([
      ['free-running', (token: string) => burst(token)],
      ['overlapping (all queued on the row lock)', (token: string) => withTokenRowLocked(token, () => burst(token))],
    ])(
      '%s: a double submit, not reuse: every answer 200 with a successor of its own, none revoked',
      async (_label, fire) => {
        const token = await firstRefreshToken();
        const answers = await fire(token);
        expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
        const successors = new Set(answers.map((answer) => answer.body.refreshToken as string));
        expect(successors.size).toBe(CONCURRENT_REFRESHES);

        const rows = await family(token);
        expect(rows).toHaveLength(CONCURRENT_REFRESHES + 1);
        expect(rows.every((row) => row.revoked_at === null)).toBe(true);
        // A successor works (the winner of the row lock is not punished for the others).
        const [winner] = answers;
        expect((await me(app, winner.body.accessToken)).status).toBe(200);
        expect((await refresh({ refreshToken: winner.body.refreshToken })).status).toBe(200);
      },
    );
  });
});

describe('refresh tokens without a grace (graceSeconds: 0)', () => {
  let app: Ctx;
  beforeAll(async () => {
    app = await boot({ secret: TEST_JWT_SECRET, refreshTokens: { graceSeconds: 0 } });
  });
  afterAll(() => app?.close());

  it('any second use of a token is reuse: 401, and the family is revoked', async () => {
    const first = (await signIn(app)).body.refreshToken as string;
    const refresh = (refreshToken: string) => app.t.request('POST', `${PREFIX}/token/refresh`, { refreshToken });
    const second = await refresh(first);
    expect(second.status).toBe(200);
    expect((await refresh(first)).status).toBe(401);
    expect((await refresh(second.body.refreshToken)).status).toBe(401);
  });
});

describe('upgrading a database to the refresh-token lineage (migration 1764150000005)', () => {
  const before = PHONE_CALL_AUTH_MIGRATIONS.filter(
    (migration) => migration.name !== 'PhoneCallAuthRefreshLineage1764150000005',
  );
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    const source = new DataSource({ type: 'postgres', url: database.url, migrations: before });
    await source.initialize();
    await source.runMigrations();
    // A family from before the upgrade: no parent, no verification.
    await source.query(
      `INSERT INTO ${REFRESH_TOKEN_TABLE} (family_id, token_hash, phone, family_created_at)
       VALUES (gen_random_uuid(), sha256($1::bytea), '+79670311122', now())`,
      [Buffer.from(OLD_TOKEN)],
    );
    await source.destroy();
  });
  afterAll(() => database?.drop());
  const OLD_TOKEN = randomBytes(32).toString('base64url');

  it('stops an app whose last migration has not run, naming the missing columns', async () => {
    const platform = await FakeSsmsPlatform.start();
    try {
      await expect(
        bootTestApp({
          databaseUrl: database.url,
          platform,
          migrationsRun: false,
          options: { jwt: { secret: TEST_JWT_SECRET, refreshTokens: {} } },
        }),
      ).rejects.toThrow(
        /^PhoneCallAuthModule: phone_call_refresh_token\.parent_id, phone_call_refresh_token\.verification_id do not exist: run the module's migrations/,
      );
    } finally {
      await platform.close();
    }
  });

  it('keeps the families from before it working once it has run', async () => {
    const platform = await FakeSsmsPlatform.start();
    const t = await bootTestApp({
      databaseUrl: database.url,
      platform,
      options: { jwt: { secret: TEST_JWT_SECRET, refreshTokens: {} } },
    });
    try {
      const refreshed = await t.request('POST', `${PREFIX}/token/refresh`, { refreshToken: OLD_TOKEN });
      expect(refreshed.status).toBe(200);
      expect(
        (await t.request('POST', `${PREFIX}/token/refresh`, { refreshToken: refreshed.body.refreshToken })).status,
      ).toBe(200);
    } finally {
      await t.close();
      await platform.close();
    }
  });
});
