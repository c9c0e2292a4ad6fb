import { PhoneCallAuthConfigError, type PhoneCallAuthJwtOptions } from 'nestjs-phone-call-auth';
import { createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { resolveJwtOptions } from '../../lib/options/resolve-jwt-options.js';

const SECRET = 'a-jwt-secret-of-at-least-32-bytes-long!';

function pair(kind: 'rsa' | 'rsa-1024' | 'ec' | 'ec-384' | 'ed25519') {
  const { privateKey, publicKey } =
    kind === 'rsa' || kind === 'rsa-1024'
      ? generateKeyPairSync('rsa', { modulusLength: kind === 'rsa' ? 2048 : 1024 })
      : kind === 'ec' || kind === 'ec-384'
        ? generateKeyPairSync('ec', { namedCurve: kind === 'ec' ? 'P-256' : 'P-384' })
        : generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateJwk: privateKey.export({ format: 'jwk' }) as JsonWebKey,
    publicJwk: publicKey.export({ format: 'jwk' }) as JsonWebKey,
    publicKey,
  };
}

const rsa = pair('rsa');
const otherRsa = pair('rsa');
const ec = pair('ec');

/** Resolves, expecting a PhoneCallAuthConfigError whose message matches. */
function refusal(jwt: unknown): string {
  try {
    resolveJwtOptions(jwt as PhoneCallAuthJwtOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(PhoneCallAuthConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a PhoneCallAuthConfigError');
}

const samePublicKey = (a: KeyObject, b: KeyObject) => expect(a.equals(b)).toBe(true);

describe('resolveJwtOptions: the shorthands', () => {
  it('HS256 from secret, with the defaults', () => {
    const resolved = resolveJwtOptions({ secret: SECRET });
    expect(resolved.signing.algorithm).toBe('HS256');
    expect(resolved).toMatchObject({
      issuer: 'nestjs-phone-call-auth',
      audience: 'phone-call-auth',
      expiresInSeconds: 900,
      refreshTokens: { enabled: false, lifetimeSeconds: 604800, graceSeconds: 15 },
    });
    expect(resolved.keys).toHaveLength(1);
    expect(resolved.signing.kid).toBeUndefined();
    expect(resolved.signing.signingKey?.type).toBe('secret');
  });

  it('takes a Buffer secret', () => {
    expect(resolveJwtOptions({ secret: Buffer.alloc(32, 7) }).signing.algorithm).toBe('HS256');
  });

  it.each([
    ['RS256 from an RSA PEM pair', { privateKey: rsa.privatePem, publicKey: rsa.publicPem }, 'RS256'],
    ['ES256 from an EC P-256 PEM pair', { privateKey: ec.privatePem, publicKey: ec.publicPem }, 'ES256'],
    ['RS256 from an RSA JWK pair', { privateKey: rsa.privateJwk, publicKey: rsa.publicJwk }, 'RS256'],
    ['ES256 from an EC JWK pair', { privateKey: ec.privateJwk, publicKey: ec.publicJwk }, 'ES256'],
    ['ES256 from a private JWK alone', { privateKey: ec.privateJwk }, 'ES256'],
    ['RS256 from a private PEM alone', { privateKey: rsa.privatePem }, 'RS256'],
    ['an explicit algorithm that fits', { privateKey: ec.privatePem, algorithm: 'ES256' as const }, 'ES256'],
  ])('%s', (_label, jwt, algorithm) => {
    const resolved = resolveJwtOptions(jwt);
    expect(resolved.signing.algorithm).toBe(algorithm);
    expect(resolved.signing.signingKey?.type).toBe('private');
    expect(resolved.signing.verifyingKey.type).toBe('public');
    samePublicKey(
      resolved.signing.verifyingKey,
      createPublicKey(algorithm === 'RS256' ? rsa.privatePem : ec.privatePem),
    );
  });

  it.each<[string, unknown, RegExp]>([
    ['no jwt at all', undefined, /jwt is required/],
    ['no key', {}, /jwt needs a key.*secret.*privateKey/],
    ['a 16-byte secret', { secret: 'x'.repeat(16) }, /jwt\.secret must be at least 32 bytes.*openssl rand -base64 32/],
    ['a 31-byte Buffer secret', { secret: Buffer.alloc(31) }, /at least 32 bytes/],
    ['a secret that is not a string', { secret: 1234567890123 }, /at least 32 bytes/],
    ['a secret with RS256', { secret: SECRET, algorithm: 'RS256' }, /jwt\.secret is for HS256; RS256 needs privateKey/],
    ['a secret and a key pair', { secret: SECRET, privateKey: rsa.privatePem }, /both a secret and a key pair/],
    [
      'HS256 with a key pair',
      { privateKey: rsa.privatePem, publicKey: rsa.publicPem, algorithm: 'HS256' },
      /HS256 needs jwt\.secret/,
    ],
    ['alg none', { secret: SECRET, algorithm: 'none' }, /must be 'HS256', 'RS256' or 'ES256'/],
    ['HS512', { secret: SECRET, algorithm: 'HS512' }, /must be 'HS256', 'RS256' or 'ES256'/],
    ['a public key alone', { publicKey: rsa.publicPem }, /publicKey alone can only verify.*privateKey/],
    [
      'an RSA pair that does not match',
      { privateKey: rsa.privatePem, publicKey: otherRsa.publicPem },
      /not a pair.*openssl pkey/,
    ],
    ['a JWK pair that does not match', { privateKey: rsa.privateJwk, publicKey: otherRsa.publicJwk }, /not a pair/],
    ['an RSA key of 1024 bits', { privateKey: pair('rsa-1024').privatePem }, /1024 bits; use 2048 or more/],
    ['ES256 with an RSA key', { privateKey: rsa.privatePem, algorithm: 'ES256' }, /ES256 needs an EC key on P-256/],
    ['RS256 with an EC key', { privateKey: ec.privatePem, algorithm: 'RS256' }, /RS256 needs an RSA key/],
    ['an EC key on P-384', { privateKey: pair('ec-384').privatePem }, /ES256 needs an EC key on P-256/],
    [
      'an Ed25519 key',
      { privateKey: pair('ed25519').privatePem },
      /ed25519 key; use an RSA key \(RS256\) or an EC P-256 key/,
    ],
    [
      'a private PEM as the public key',
      { privateKey: rsa.privatePem, publicKey: rsa.privatePem },
      /publicKey holds a private key/,
    ],
    [
      'a private JWK as the public key',
      { privateKey: ec.privateJwk, publicKey: ec.privateJwk },
      /publicKey is a private JWK/,
    ],
    ['a public JWK as the private key', { privateKey: ec.publicJwk }, /privateKey is a public JWK/],
    ['a key that is not PEM', { privateKey: 'not a key' }, /must be a PEM string.*or a JWK object/],
    [
      'a broken PEM',
      { privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' },
      /could not be read as a private key/,
    ],
    [
      'a JWK whose alg disagrees',
      { privateKey: { ...ec.privateJwk, alg: 'ES384' } },
      /says alg "ES384" but the key is ES256/,
    ],
    ['a JWK for encryption', { privateKey: { ...ec.privateJwk, use: 'enc' } }, /use "enc"; a signing key needs "sig"/],
    ['signingKid without keys', { secret: SECRET, signingKid: 'a' }, /signingKid names one of jwt\.keys/],
    ['an empty issuer', { secret: SECRET, issuer: '' }, /jwt\.issuer must be a non-empty string/],
    ['a lifetime over a day', { secret: SECRET, expiresInSeconds: 86401 }, /jwt\.expiresInSeconds .* from 1 to 86400/],
  ])('refuses %s with a message that says how to fix it', (_label, jwt, message) => {
    expect(refusal(jwt)).toMatch(message);
  });

  it('never puts key material in its messages', () => {
    const broken = `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC${'A'.repeat(40)}\n-----END PRIVATE KEY-----`;
    expect(refusal({ privateKey: broken })).not.toContain('MIIEvQ');
    expect(refusal({ privateKey: rsa.privatePem, publicKey: otherRsa.publicPem })).not.toContain('BEGIN');
    expect(refusal({ secret: 'short-secret-value' })).not.toContain('short-secret-value');
  });
});

describe('resolveJwtOptions: keys for rotation', () => {
  const rotation = (): PhoneCallAuthJwtOptions => ({
    keys: [
      { kid: 'es-2026', algorithm: 'ES256', privateKey: ec.privateJwk },
      { kid: 'rs-2025', algorithm: 'RS256', publicKey: rsa.publicPem },
      { kid: 'hs-2024', algorithm: 'HS256', secret: SECRET },
    ],
    signingKid: 'es-2026',
  });

  it('pins each key to its algorithm and signs with signingKid', () => {
    const resolved = resolveJwtOptions(rotation());
    expect(resolved.signing.algorithm).toBe('ES256');
    expect(resolved.signing.kid).toBe('es-2026');
    expect(resolved.keys.map((key) => [key.kid, key.algorithm, !!key.signingKey])).toEqual([
      ['es-2026', 'ES256', true],
      ['rs-2025', 'RS256', false],
      ['hs-2024', 'HS256', true],
    ]);
  });

  it('signs with the only key when there is one, without signingKid', () => {
    const resolved = resolveJwtOptions({ keys: [{ kid: 'one', algorithm: 'RS256', privateKey: rsa.privatePem }] });
    expect(resolved.signing.kid).toBe('one');
  });

  it('accepts a JWK whose own kid, alg and use agree', () => {
    const jwk = { ...ec.privateJwk, kid: 'es-2026', alg: 'ES256', use: 'sig' };
    expect(
      resolveJwtOptions({ keys: [{ kid: 'es-2026', algorithm: 'ES256', privateKey: jwk }] }).signing.algorithm,
    ).toBe('ES256');
  });

  it.each<[string, (jwt: PhoneCallAuthJwtOptions) => unknown, RegExp]>([
    [
      'several keys and no signingKid',
      (j) => ({ ...j, signingKid: undefined }),
      /signingKid is required with several keys.*"es-2026", "rs-2025", "hs-2024"/,
    ],
    ['an unknown signingKid', (j) => ({ ...j, signingKid: 'nope' }), /signingKid "nope" is not the kid of any key/],
    [
      'a signing key that can only verify',
      (j) => ({ ...j, signingKid: 'rs-2025' }),
      /"rs-2025" signs new tokens, so it needs its privateKey/,
    ],
    [
      'a kid used twice',
      (j) => ({ ...j, keys: [...j.keys!, { kid: 'rs-2025', algorithm: 'HS256', secret: SECRET }] }),
      /kid "rs-2025" twice/,
    ],
    [
      'a key without kid',
      (j) => ({ ...j, keys: [...j.keys!, { algorithm: 'HS256', secret: SECRET }] }),
      /jwt\.keys\[3\]\.kid must be 1 to 128 printable ASCII/,
    ],
    [
      'a kid with a space',
      (j) => ({ ...j, keys: [{ kid: 'a b', algorithm: 'HS256', secret: SECRET }] }),
      /jwt\.keys\[0\]\.kid must be/,
    ],
    [
      'a key without algorithm',
      (j) => ({ ...j, keys: [{ kid: 'x', secret: SECRET }] }),
      /jwt\.keys\[0\]\.algorithm is required/,
    ],
    [
      'a 16-byte secret in a key',
      (j) => ({ ...j, keys: [...j.keys!, { kid: 'hs', algorithm: 'HS256', secret: 'x'.repeat(16) }] }),
      /jwt\.keys\[3\]\.secret must be at least 32 bytes/,
    ],
    [
      'an RS key whose pair does not match',
      (j) => ({
        ...j,
        keys: [{ kid: 'r', algorithm: 'RS256', privateKey: rsa.privatePem, publicKey: otherRsa.publicJwk }],
      }),
      /jwt\.keys\[0\]\.privateKey and jwt\.keys\[0\]\.publicKey are not a pair/,
    ],
    [
      'an HS256 key given a key pair',
      (j) => ({ ...j, keys: [{ kid: 'h', algorithm: 'HS256', publicKey: rsa.publicPem }] }),
      /jwt\.keys\[0\]\.algorithm HS256 needs jwt\.keys\[0\]\.secret/,
    ],
    [
      'a JWK whose kid disagrees',
      (j) => ({ ...j, keys: [{ kid: 'a', algorithm: 'ES256', privateKey: { ...ec.privateJwk, kid: 'b' } }] }),
      /has kid "b" but is configured as kid "a"/,
    ],
    ['keys and the secret shorthand together', (j) => ({ ...j, secret: SECRET }), /jwt\.keys replaces jwt\.secret/],
    ['keys and a top-level algorithm', (j) => ({ ...j, algorithm: 'ES256' }), /jwt\.keys replaces .*jwt\.algorithm/],
    ['an empty key list', (j) => ({ ...j, keys: [] }), /jwt\.keys must be a non-empty array/],
    ['a key that is not an object', (j) => ({ ...j, keys: [null] }), /jwt\.keys\[0\] must be an object/],
  ])('refuses %s', (_label, change, message) => {
    expect(refusal(change(rotation()))).toMatch(message);
  });
});

describe('resolveJwtOptions: refresh tokens', () => {
  type Resolved = { enabled: boolean; lifetimeSeconds: number; graceSeconds: number };
  it.each<[string, PhoneCallAuthJwtOptions['refreshTokens'], Resolved]>([
    ['off when omitted', undefined, { enabled: false, lifetimeSeconds: 604800, graceSeconds: 15 }],
    [
      'on when given, 7 days and a 15 s grace by default',
      {},
      { enabled: true, lifetimeSeconds: 604800, graceSeconds: 15 },
    ],
    ['off when enabled is false', { enabled: false }, { enabled: false, lifetimeSeconds: 604800, graceSeconds: 15 }],
    [
      'a lifetime of 30 days',
      { enabled: true, lifetimeSeconds: 30 * 86400 },
      { enabled: true, lifetimeSeconds: 2592000, graceSeconds: 15 },
    ],
    ['no grace', { graceSeconds: 0 }, { enabled: true, lifetimeSeconds: 604800, graceSeconds: 0 }],
    ['a grace of a minute', { graceSeconds: 60 }, { enabled: true, lifetimeSeconds: 604800, graceSeconds: 60 }],
  ])('%s', (_label, refreshTokens, expected) => {
    expect(resolveJwtOptions({ secret: SECRET, refreshTokens }).refreshTokens).toEqual(expected);
  });

  it.each<[string, unknown, RegExp]>([
    [
      'a zero lifetime',
      { lifetimeSeconds: 0 },
      /jwt\.refreshTokens\.lifetimeSeconds must be a whole number of seconds from 1 to 31536000/,
    ],
    ['a fractional lifetime', { lifetimeSeconds: 1.5 }, /lifetimeSeconds must be a whole number/],
    ['a lifetime over a year', { lifetimeSeconds: 366 * 86400 }, /from 1 to 31536000/],
    ['enabled as a string', { enabled: 'yes' }, /enabled must be a boolean/],
    ['refreshTokens as true', true, /jwt\.refreshTokens must be an object/],
    [
      'a grace over a minute',
      { graceSeconds: 61 },
      /jwt\.refreshTokens\.graceSeconds must be a whole number of seconds from 0 \(no grace\) to 60, got 61/,
    ],
    ['a negative grace', { graceSeconds: -1 }, /graceSeconds must be a whole number/],
    ['a fractional grace', { graceSeconds: 2.5 }, /graceSeconds must be a whole number/],
  ])('refuses %s', (_label, refreshTokens, message) => {
    expect(refusal({ secret: SECRET, refreshTokens })).toMatch(message);
  });
});

describe('resolveJwtOptions: cookie mode', () => {
  it('is off by default: no cookies, the tokens in the body', () => {
    expect(resolveJwtOptions({ secret: SECRET })).toMatchObject({
      cookie: undefined,
      refreshCookie: undefined,
      tokensInBody: true,
    });
  });

  it('keeps the tokens out of the body by default, and names the refresh cookie after the access cookie', () => {
    expect(resolveJwtOptions({ secret: SECRET, cookie: 'pc_token' })).toMatchObject({
      cookie: 'pc_token',
      refreshCookie: 'pc_token_refresh',
      tokensInBody: false,
    });
  });

  it('puts the tokens in the body too when asked', () => {
    expect(resolveJwtOptions({ secret: SECRET, cookie: 'pc_token', tokensInBody: true }).tokensInBody).toBe(true);
  });

  it('gives a __Host- cookie a __Secure- refresh cookie (a __Host- cookie must have Path=/)', () => {
    expect(resolveJwtOptions({ secret: SECRET, cookie: '__Host-token' }).refreshCookie).toBe('__Secure-token_refresh');
  });

  it.each<[string, unknown, RegExp]>([
    [
      'tokensInBody false without a cookie',
      { tokensInBody: false },
      /jwt\.tokensInBody is false but jwt\.cookie is not set/,
    ],
    ['tokensInBody as a string', { cookie: 'c', tokensInBody: 'no' }, /jwt\.tokensInBody must be true or false/],
    ['a cookie name with a blank', { cookie: 'a b' }, /jwt\.cookie must be a cookie name/],
  ])('refuses %s', (_label, options, message) => {
    expect(refusal({ secret: SECRET, ...(options as object) })).toMatch(message);
  });
});
