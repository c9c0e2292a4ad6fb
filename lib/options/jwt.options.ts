import type { JsonWebKey } from 'node:crypto';

/* The JWT options (`jwt`). Defaults are in PHONE_CALL_AUTH_DEFAULTS.jwt; each `@default` below quotes it. */

/** The algorithms the module signs and verifies with. Anything else (`none`, `HS512`, `PS256`...) is refused. */
export type PhoneCallAuthJwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

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
 * again revokes its whole family (every token descended from the same sign-in), unless it comes
 * back within `graceSeconds` of its first use and none of its successors was used yet (a double
 * submit, a retry after a lost answer). A family ends when the verification it was redeemed from is
 * deleted.
 *
 * @example
 * jwt: { secret: process.env.JWT_SECRET, refreshTokens: { lifetimeSeconds: 30 * 86400 } }
 */
export interface PhoneCallAuthRefreshTokenOptions {
  /** @default true when `refreshTokens` is given (refresh tokens are off when it is omitted) */
  enabled?: boolean;
  /** Absolute lifetime of a family, counted from the sign-in; rotation does not extend it. @default PHONE_CALL_AUTH_DEFAULTS.jwt.refreshTokenLifetimeSeconds (604800, 7 days) */
  lifetimeSeconds?: number;
  /**
   * Seconds after its first use during which a used refresh token may be exchanged again, while
   * none of its successors has been used: each such request gets a successor of its own, and the
   * family is not revoked (Auth0's "reuse interval", Okta's "grace period"). Covers a double submit
   * and a retry after a lost answer. Later, or once a successor was used, presenting it revokes the
   * family. 0..60; 0 turns the grace off (any second use revokes).
   * @default PHONE_CALL_AUTH_DEFAULTS.jwt.refreshTokenGraceSeconds (15)
   */
  graceSeconds?: number;
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
  /** `iss` claim. @default PHONE_CALL_AUTH_DEFAULTS.jwt.issuer ('nestjs-phone-call-auth') */
  issuer?: string;
  /** `aud` claim. @default PHONE_CALL_AUTH_DEFAULTS.jwt.audience ('phone-call-auth') */
  audience?: string;
  /** Access token lifetime in seconds, 1..86400. @default PHONE_CALL_AUTH_DEFAULTS.jwt.expiresInSeconds (900, 15 minutes) */
  expiresInSeconds?: number;
  /** Refresh tokens and `POST <prefix>/token/refresh`. @default off */
  refreshTokens?: PhoneCallAuthRefreshTokenOptions;
  /**
   * A cookie name, e.g. `'phone_call_token'`: cookie mode. The token, code and refresh routes then
   * set the access token as an `HttpOnly; Secure; SameSite=Lax; Path=/` cookie (and, with refresh
   * tokens, the refresh token as `<name>_refresh`, `HttpOnly; Secure; SameSite=Strict`, sent only to
   * `<prefix>/token/...`), `@PhoneCallAuth()` reads the access cookie when a request has no
   * `Authorization` header, and `POST <prefix>/token/sign-out` clears both. Those four routes then
   * take JSON only and refuse other sites' pages (403), like the start route (login CSRF). The app's
   * own routes that the cookie authenticates need the same care: `@SameOriginOnly()`
   * (docs/integrating.md, "Cookies"). @default off
   */
  cookie?: string;
  /**
   * Whether the token answers (token, code and refresh routes) carry `accessToken` and
   * `refreshToken` in the JSON body. In cookie mode they are left out by default, so no script on
   * the page can read them (the answer is `{expiresIn}`); set `true` for clients that need both.
   * Without `cookie` the body is the only place for them, so it cannot be `false`.
   * @default false with `cookie`, true without
   */
  tokensInBody?: boolean;
}
