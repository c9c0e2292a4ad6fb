import { checkKid, resolveJwtKey } from './jwt-keys.js';
import { configSeconds } from './option-checks.js';
import { PhoneCallAuthConfigError } from '../core/phone-call-auth-config.error.js';
import type { PhoneCallAuthJwtOptions, PhoneCallAuthRefreshTokenOptions } from './jwt.options.js';
import { PHONE_CALL_AUTH_DEFAULTS as DEFAULTS } from './phone-call-auth.defaults.js';
import type { ResolvedJwtKey, ResolvedJwtOptions } from './resolved-options.interface.js';

const MAX_REFRESH_LIFETIME_SECONDS = 365 * 86400;
/** Okta's longest grace period: past a minute, a second use is no double submit or retry. */
const MAX_REFRESH_GRACE_SECONDS = 60;

/** Validates the JWT settings and applies their defaults; every problem is a {@link PhoneCallAuthConfigError}. */
export function resolveJwtOptions(jwt: PhoneCallAuthJwtOptions | undefined): ResolvedJwtOptions {
  if (!jwt || typeof jwt !== 'object') {
    throw new PhoneCallAuthConfigError(
      'jwt is required: pass { secret } (32+ random bytes) or { privateKey, publicKey }.',
    );
  }
  const common = {
    issuer: nonEmpty('jwt.issuer', jwt.issuer, DEFAULTS.jwt.issuer),
    audience: nonEmpty('jwt.audience', jwt.audience, DEFAULTS.jwt.audience),
    expiresInSeconds: configSeconds(
      'jwt.expiresInSeconds',
      jwt.expiresInSeconds,
      DEFAULTS.jwt.expiresInSeconds,
      24 * 3600,
    ),
    refreshTokens: refreshTokens(jwt.refreshTokens),
    ...cookieMode(jwt),
  };
  const { keys, signing } = jwt.keys === undefined ? shorthand(jwt) : keyList(jwt);
  return { ...common, signing, keys };
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
    throw new PhoneCallAuthConfigError(
      'jwt.refreshTokens must be an object: { enabled?, lifetimeSeconds?, graceSeconds? }.',
    );
  }
  const enabled = options === undefined ? false : (options.enabled ?? true);
  if (typeof enabled !== 'boolean') throw new PhoneCallAuthConfigError('jwt.refreshTokens.enabled must be a boolean.');
  return {
    enabled,
    lifetimeSeconds: configSeconds(
      'jwt.refreshTokens.lifetimeSeconds',
      options?.lifetimeSeconds,
      DEFAULTS.jwt.refreshTokenLifetimeSeconds,
      MAX_REFRESH_LIFETIME_SECONDS,
    ),
    graceSeconds: graceSeconds(options?.graceSeconds),
  };
}

/** 0..60 whole seconds: 0 turns the grace off. */
function graceSeconds(value: number | undefined): number {
  const result = value ?? DEFAULTS.jwt.refreshTokenGraceSeconds;
  if (!Number.isInteger(result) || result < 0 || result > MAX_REFRESH_GRACE_SECONDS) {
    throw new PhoneCallAuthConfigError(
      `jwt.refreshTokens.graceSeconds must be a whole number of seconds from 0 (no grace) to ${MAX_REFRESH_GRACE_SECONDS}, got ${String(value)}.`,
    );
  }
  return result;
}

/** `jwt.cookie` and `jwt.tokensInBody`: the cookies' names, and whether the body still carries the tokens. */
function cookieMode(
  jwt: PhoneCallAuthJwtOptions,
): Pick<ResolvedJwtOptions, 'cookie' | 'refreshCookie' | 'tokensInBody'> {
  const cookie = cookieName(jwt.cookie);
  const tokensInBody = jwt.tokensInBody ?? cookie === undefined;
  if (typeof tokensInBody !== 'boolean') {
    throw new PhoneCallAuthConfigError(`jwt.tokensInBody must be true or false, got ${JSON.stringify(tokensInBody)}.`);
  }
  if (!tokensInBody && cookie === undefined) {
    throw new PhoneCallAuthConfigError(
      'jwt.tokensInBody is false but jwt.cookie is not set: without a cookie the body is the only place for the tokens. Set jwt.cookie, or leave tokensInBody out.',
    );
  }
  return { cookie, refreshCookie: cookie === undefined ? undefined : refreshCookieName(cookie), tokensInBody };
}

/**
 * `<name>_refresh`. A `__Host-` cookie must have `Path=/`, and the refresh cookie's path is the
 * token routes', so `__Host-x` gets `__Secure-x_refresh` (still Secure-only, path-scoped).
 */
function refreshCookieName(cookie: string): string {
  return cookie.startsWith('__Host-') ? `__Secure-${cookie.slice('__Host-'.length)}_refresh` : `${cookie}_refresh`;
}

function nonEmpty(name: string, value: string | undefined, fallback: string): string {
  const result = value ?? fallback;
  if (typeof result !== 'string' || result.length === 0) {
    throw new PhoneCallAuthConfigError(`${name} must be a non-empty string, e.g. "${fallback}".`);
  }
  return result;
}

/** A cookie name is an RFC 6265 token: letters, digits and ``!#$%&'*+-.^_`|~``. */
function cookieName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/.test(name)) {
    throw new PhoneCallAuthConfigError(
      `jwt.cookie must be a cookie name of 1 to 64 letters, digits or !#$%&'*+-.^_\`|~ (e.g. "phone_call_token"), got ${JSON.stringify(name)}.`,
    );
  }
  return name;
}
