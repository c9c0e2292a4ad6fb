import type { JsonWebKey } from 'node:crypto';
import { configSeconds, PhoneCallAuthConfigError } from '../phone-call-auth.config-error.js';
import { checkKid, type PhoneCallAuthJwtAlgorithm, resolveJwtKey, type ResolvedJwtKey } from './jwt.keys.js';

/**
 * One key of `jwt.keys`. Its `algorithm` is pinned: a token that names this `kid` is verified with
 * this algorithm only.
 *
 * @example
 * { kid: '2026-01', algorithm: 'ES256', privateKey: process.env.JWT_PRIVATE_KEY } // PEM; the public key is derived
 * { kid: '2025-07', algorithm: 'ES256', publicKey: JSON.parse(process.env.JWT_OLD_PUBLIC_JWK) } // verifies only
 * { kid: 'hs-1', algorithm: 'HS256', secret: process.env.JWT_SECRET }
 */
export interface PhoneCallAuthJwtKey {
  /** The `kid` header of the tokens this key signs; tokens are matched to keys by it. Printable ASCII, 1..128 characters. */
  kid: string;
  algorithm: PhoneCallAuthJwtAlgorithm;
  /** HS256 secret: at least 32 random bytes (`openssl rand -base64 32`). */
  secret?: string | Buffer;
  /** RS256 / ES256 private key, PEM or JWK. Needed on the signing key only. */
  privateKey?: string | JsonWebKey;
  /** RS256 / ES256 public key, PEM or JWK. @default derived from `privateKey` */
  publicKey?: string | JsonWebKey;
}

/**
 * Refresh tokens: opaque, stored only as SHA-256 hashes, rotated on every use. Presenting a used one
 * again revokes its whole family (every token descended from the same sign-in).
 *
 * @example
 * jwt: { secret: process.env.JWT_SECRET, refreshTokens: { lifetimeSeconds: 30 * 86400 } }
 */
export interface PhoneCallAuthRefreshTokenOptions {
  /** @default true when `refreshTokens` is given (refresh tokens are off when it is omitted) */
  enabled?: boolean;
  /** Absolute lifetime of a family, counted from the sign-in; rotation does not extend it. @default 604800 (7 days) */
  lifetimeSeconds?: number;
}

/**
 * JWT settings. Give `secret` (HS256), or `privateKey` (and `publicKey`) for RS256 / ES256, or
 * `keys` to rotate keys: several keys verify, the one named by `signingKid` signs.
 *
 * @example
 * jwt: { secret: process.env.JWT_SECRET } // HS256
 * @example
 * jwt: { privateKey: process.env.JWT_PRIVATE_KEY, publicKey: process.env.JWT_PUBLIC_KEY } // RS256 or ES256, from the key
 * @example
 * jwt: {
 *   keys: [
 *     { kid: '2026-01', algorithm: 'ES256', privateKey: newPem },
 *     { kid: '2025-07', algorithm: 'RS256', publicKey: oldPublicJwk },
 *   ],
 *   signingKid: '2026-01',
 * }
 */
export interface PhoneCallAuthJwtOptions {
  /** HS256 secret: at least 32 random bytes (`openssl rand -base64 32`). */
  secret?: string | Buffer;
  /** Private key for RS256 / ES256, PEM or JWK. */
  privateKey?: string | JsonWebKey;
  /** Public key for RS256 / ES256, PEM or JWK. @default derived from `privateKey` */
  publicKey?: string | JsonWebKey;
  /** Algorithm of `secret` or of the key pair. @default 'HS256' with `secret`; with a key pair, from the key: 'RS256' for RSA, 'ES256' for EC P-256 */
  algorithm?: PhoneCallAuthJwtAlgorithm;
  /** Keys for rotation, instead of `secret` / `privateKey`: every key verifies the tokens that name its `kid`. */
  keys?: PhoneCallAuthJwtKey[];
  /** The `kid` of the key that signs new tokens. @default the only key, when `keys` has one */
  signingKid?: string;
  /** `iss` claim. @default 'nestjs-phone-call-auth' */
  issuer?: string;
  /** `aud` claim. @default 'phone-call-auth' */
  audience?: string;
  /** Access token lifetime in seconds, 1..86400. @default 900 (15 minutes) */
  expiresInSeconds?: number;
  /** Refresh tokens and `POST <prefix>/token/refresh`. @default off */
  refreshTokens?: PhoneCallAuthRefreshTokenOptions;
}

/** JWT settings after validation, with every default applied. */
export interface ResolvedJwtOptions {
  /** The signing key's algorithm. */
  algorithm: PhoneCallAuthJwtAlgorithm;
  /** The key that signs new tokens. */
  signing: ResolvedJwtKey;
  /** Every key that verifies tokens, the signing key included. */
  keys: ResolvedJwtKey[];
  issuer: string;
  audience: string;
  expiresInSeconds: number;
  refreshTokens: { enabled: boolean; lifetimeSeconds: number };
}

const MAX_REFRESH_LIFETIME_SECONDS = 365 * 86400;

/** Validates the JWT settings and applies their defaults; every problem is a {@link PhoneCallAuthConfigError}. */
export function resolveJwtOptions(jwt: PhoneCallAuthJwtOptions | undefined): ResolvedJwtOptions {
  if (!jwt || typeof jwt !== 'object') {
    throw new PhoneCallAuthConfigError(
      'jwt is required: pass { secret } (32+ random bytes) or { privateKey, publicKey }.',
    );
  }
  const common = {
    issuer: nonEmpty('jwt.issuer', jwt.issuer, 'nestjs-phone-call-auth'),
    audience: nonEmpty('jwt.audience', jwt.audience, 'phone-call-auth'),
    expiresInSeconds: configSeconds('jwt.expiresInSeconds', jwt.expiresInSeconds, 900, 24 * 3600),
    refreshTokens: refreshTokens(jwt.refreshTokens),
  };
  const { keys, signing } = jwt.keys === undefined ? shorthand(jwt) : keyList(jwt);
  return { ...common, algorithm: signing.algorithm, signing, keys };
}

function shorthand(jwt: PhoneCallAuthJwtOptions): { keys: ResolvedJwtKey[]; signing: ResolvedJwtKey } {
  if (jwt.signingKid !== undefined) {
    throw new PhoneCallAuthConfigError('jwt.signingKid names one of jwt.keys; without jwt.keys, leave it out.');
  }
  if (jwt.secret === undefined && jwt.privateKey === undefined) {
    throw new PhoneCallAuthConfigError(
      jwt.publicKey === undefined
        ? 'jwt needs a key: pass { secret } (HS256, 32+ random bytes) or { privateKey, publicKey } (RS256/ES256, PEM or JWK).'
        : 'jwt.publicKey alone can only verify; the module signs tokens too, so pass jwt.privateKey as well.',
    );
  }
  const key = resolveJwtKey('jwt', jwt);
  return { keys: [key], signing: key };
}

function keyList(jwt: PhoneCallAuthJwtOptions): { keys: ResolvedJwtKey[]; signing: ResolvedJwtKey } {
  if (jwt.secret !== undefined || jwt.privateKey !== undefined || jwt.publicKey !== undefined || jwt.algorithm) {
    throw new PhoneCallAuthConfigError(
      'jwt.keys replaces jwt.secret, jwt.privateKey, jwt.publicKey and jwt.algorithm: move that key into jwt.keys with a kid.',
    );
  }
  if (!Array.isArray(jwt.keys) || jwt.keys.length === 0) {
    throw new PhoneCallAuthConfigError(
      'jwt.keys must be a non-empty array of { kid, algorithm, secret | privateKey | publicKey }.',
    );
  }
  const keys = jwt.keys.map((key, index) => {
    const label = `jwt.keys[${index}]`;
    if (!key || typeof key !== 'object') throw new PhoneCallAuthConfigError(`${label} must be an object.`);
    if (key.algorithm === undefined) {
      throw new PhoneCallAuthConfigError(`${label}.algorithm is required: 'HS256', 'RS256' or 'ES256'.`);
    }
    return resolveJwtKey(label, { ...key, kid: checkKid(label, key.kid) });
  });
  const kids = keys.map((key) => key.kid);
  const repeated = kids.find((kid, index) => kids.indexOf(kid) !== index);
  if (repeated !== undefined) {
    throw new PhoneCallAuthConfigError(`jwt.keys has kid "${repeated}" twice; every key needs its own kid.`);
  }
  if (jwt.signingKid === undefined && keys.length > 1) {
    throw new PhoneCallAuthConfigError(
      `jwt.signingKid is required with several keys: name the one that signs new tokens (one of ${kids.map((kid) => `"${kid}"`).join(', ')}); the others only verify.`,
    );
  }
  const signing = jwt.signingKid === undefined ? keys[0] : keys.find((key) => key.kid === jwt.signingKid);
  if (!signing) {
    throw new PhoneCallAuthConfigError(
      `jwt.signingKid "${jwt.signingKid}" is not the kid of any key in jwt.keys (${kids.map((kid) => `"${kid}"`).join(', ')}).`,
    );
  }
  if (!signing.signingKey) {
    throw new PhoneCallAuthConfigError(
      `jwt.keys "${signing.kid}" signs new tokens, so it needs its privateKey (a public key can only verify).`,
    );
  }
  return { keys, signing };
}

function refreshTokens(options: PhoneCallAuthRefreshTokenOptions | undefined): ResolvedJwtOptions['refreshTokens'] {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new PhoneCallAuthConfigError('jwt.refreshTokens must be an object: { enabled?, lifetimeSeconds? }.');
  }
  const enabled = options === undefined ? false : (options.enabled ?? true);
  if (typeof enabled !== 'boolean') throw new PhoneCallAuthConfigError('jwt.refreshTokens.enabled must be a boolean.');
  return {
    enabled,
    lifetimeSeconds: configSeconds(
      'jwt.refreshTokens.lifetimeSeconds',
      options?.lifetimeSeconds,
      7 * 86400,
      MAX_REFRESH_LIFETIME_SECONDS,
    ),
  };
}

function nonEmpty(name: string, value: string | undefined, fallback: string): string {
  const result = value ?? fallback;
  if (typeof result !== 'string' || result.length === 0) {
    throw new PhoneCallAuthConfigError(`${name} must be a non-empty string, e.g. "${fallback}".`);
  }
  return result;
}

export type { PhoneCallAuthJwtAlgorithm, ResolvedJwtKey };
