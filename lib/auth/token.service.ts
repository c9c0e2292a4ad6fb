import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { runHook } from '../core/run-hook.js';
import type { ResolvedHooks, ResolvedJwtKey, ResolvedJwtOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import type { E164 } from '../phone/phone-number.js';
import { RefreshTokenService } from './refresh-token.service.js';
import { TokenRefusedException } from './token-refused.exception.js';

/** The token endpoints' answer. */
export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Only when `jwt.refreshTokens` is on: exchange it at `POST <prefix>/token/refresh`. Usable once. */
  refreshToken?: string;
}

/** The claims the module puts in every access token. */
export interface PhoneCallAuthTokenClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  exp: number;
  iat: number;
  jti: string;
  /** The verified number, E.164. */
  phone_number: E164;
  phone_number_verified: true;
  /** `["tel"]`: a proof by telephone, low assurance (caller IDs can be spoofed). */
  amr: string[];
  /**
   * When the number was proven (seconds since the epoch, as OpenID Connect's `auth_time`): the
   * call or the code, not the sign-in or a refresh. Absent from tokens issued before the module
   * kept it; `@PhoneCallAuth({ maxAge })` counts those as too old.
   */
  auth_time?: number;
}

/**
 * The identity a valid token proves, as `@VerifiedPhone()` hands it to a route. `TClaims` types
 * the claims your `resolveSubject` adds.
 *
 * @example
 * interface AppClaims { role: 'admin' | 'user' }
 * // resolveSubject: async (phone): Promise<PhoneCallSubject<AppClaims>> => ({ sub: ..., claims: { role: 'user' } })
 * me(\@VerifiedPhone() identity: VerifiedPhoneIdentity<AppClaims>) { return identity.claims.role; }
 */
export interface VerifiedPhoneIdentity<TClaims extends object = Record<string, unknown>> {
  /** The JWT `sub` (by default the E.164 number). */
  sub: string;
  /** The verified number, E.164. */
  phone: E164;
  /** All claims of the token: the module's and those `resolveSubject` added. */
  claims: PhoneCallAuthTokenClaims & TClaims;
}

/** The `typ` header of the module's access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Claims the module sets itself; `resolveSubject` cannot override them. */
const RESERVED_CLAIMS = new Set([
  'iss',
  'aud',
  'sub',
  'exp',
  'nbf',
  'iat',
  'jti',
  'phone_number',
  'phone_number_verified',
  'amr',
  'auth_time',
]);
/** Longer is not a token this module issued; refuse before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

interface Verifier {
  key: ResolvedJwtKey;
  jwt: JwtService;
}

/** A token's JOSE header, read before its signature is checked, to choose the key. */
interface JoseHeader {
  alg?: unknown;
  typ?: unknown;
  kid?: unknown;
  crit?: unknown;
}

function readHeader(token: string): JoseHeader | undefined {
  const segments = token.split('.');
  if (segments.length !== 3) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(segments[0], 'base64url').toString('utf8'));
    return header && typeof header === 'object' && !Array.isArray(header) ? (header as JoseHeader) : undefined;
  } catch {
    return undefined;
  }
}

function jwtServiceFor(key: ResolvedJwtKey, use: 'sign' | 'verify'): JwtService {
  const material = use === 'sign' ? key.signingKey : key.verifyingKey;
  if (key.algorithm === 'HS256') return new JwtService({ secret: material });
  return new JwtService(use === 'sign' ? { privateKey: material } : { publicKey: material });
}

/**
 * Issues and checks the module's JWTs with `@nestjs/jwt`, and pairs them with refresh tokens when
 * those are on. Keys come from the options only: a token's `kid` picks one of the configured keys,
 * and that key's algorithm is the only one accepted (no `none`, no HS/RS switch); `jku`, `x5u`,
 * `jwk` and `x5c` headers are never followed. `typ`, `iss`, `aud`, `exp` and `nbf` are checked.
 */
@Injectable()
export class TokenService {
  private readonly logger = new Logger(TokenService.name);
  private readonly signer: JwtService;
  private readonly verifiers = new Map<string | undefined, Verifier>();

  constructor(
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
    @InjectPhoneCallAuthOptions('hooks') private readonly hooks: ResolvedHooks,
    private readonly refreshTokens: RefreshTokenService,
  ) {
    this.signer = jwtServiceFor(jwt.signing, 'sign');
    for (const key of jwt.keys) this.verifiers.set(key.kid, { key, jwt: jwtServiceFor(key, 'verify') });
  }

  /**
   * Signs an access token for a verified number (`resolveSubject` supplies `sub` and extra claims)
   * and, when refresh tokens are on, starts a refresh-token family. Inside a transaction, pass its
   * `manager`: the refresh token is then stored, or not, with the caller's own change, on the same
   * connection (without it, each call would hold one pool connection and wait for a second).
   *
   * `authTime` is when the number was proven (`auth_time`, kept across refreshes): pass `consume()`'s
   * `verifiedAt`. Without it the token carries no `auth_time`, and `@PhoneCallAuth({ maxAge })`
   * routes refuse it: a token issued later is no fresh proof.
   *
   * @example
   * await dataSource.transaction(async (manager) => tokens.issue('+79670311122', manager, consumed.verifiedAt));
   */
  async issue(phone: E164, manager?: EntityManager, authTime: Date | null = null): Promise<IssuedToken> {
    const token = await this.signAccessToken(phone, authTime);
    if (!this.jwt.refreshTokens.enabled) return token;
    return { ...token, refreshToken: await this.refreshTokens.start(phone, authTime, manager) };
  }

  /**
   * Exchanges a refresh token for a new access token and the next refresh token, in one transaction:
   * when `resolveSubject` or signing fails, the refresh token stays usable. A token that was already
   * used revokes its whole family, unless it comes back within `jwt.refreshTokens.graceSeconds` of
   * its first use and none of its successors was used: then it gets a successor of its own. The
   * new access token keeps the family's `auth_time`: a refresh is not a new proof.
   * @throws TokenRefusedException (401 `REFRESH_TOKEN_REFUSED`, one answer) for an unknown, used, revoked or expired token
   * @throws TokenRefusedException (404 `REFRESH_TOKENS_OFF`) when refresh tokens are off
   */
  async refresh(refreshToken: string): Promise<IssuedToken & { refreshToken: string }> {
    if (!this.jwt.refreshTokens.enabled) throw new TokenRefusedException('refreshTokensOff');
    const issued = await this.refreshTokens.rotate(refreshToken, async (rotated) => ({
      ...(await this.signAccessToken(rotated.phone, rotated.authTime)),
      refreshToken: rotated.refreshToken,
    }));
    if (issued) return issued;
    await this.refreshTokens.revokeIfReused(refreshToken);
    throw new TokenRefusedException('refreshTokenRefused');
  }

  /**
   * Revokes the family of a refresh token, e.g. on sign-out (`POST <prefix>/token/sign-out` calls
   * it). Access tokens already issued stay valid until they expire. Returns false for an unknown
   * token or a family already revoked.
   */
  revokeRefreshToken(refreshToken: string): Promise<boolean> {
    return this.refreshTokens.revoke(refreshToken);
  }

  /**
   * Checks a token and returns the identity it proves.
   * @throws TokenRefusedException (401 `ACCESS_TOKEN_INVALID` or `ACCESS_TOKEN_EXPIRED`, in English) for any token this module would not accept
   */
  async verify(token: string): Promise<VerifiedPhoneIdentity> {
    const { issuer, audience } = this.jwt;
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenRefusedException('accessTokenTooLong');
    const verifier = this.verifierFor(readHeader(token));
    let claims: Record<string, unknown>;
    try {
      if (!verifier) throw new Error('no configured key fits its kid, alg and typ');
      claims = await verifier.jwt.verifyAsync(token, { algorithms: [verifier.key.algorithm], issuer, audience });
    } catch (error) {
      this.logger.debug(`Access token refused: ${(error as Error)?.message}`);
      const expired = error instanceof Error && error.name === 'TokenExpiredError';
      throw new TokenRefusedException(expired ? 'accessTokenExpired' : 'accessTokenInvalid');
    }
    if (
      typeof claims.sub !== 'string' ||
      typeof claims.phone_number !== 'string' ||
      claims.phone_number_verified !== true ||
      typeof claims.exp !== 'number' ||
      (claims.auth_time !== undefined && typeof claims.auth_time !== 'number')
    ) {
      throw new TokenRefusedException('accessTokenInvalid');
    }
    return {
      sub: claims.sub,
      phone: claims.phone_number,
      claims: claims as unknown as VerifiedPhoneIdentity['claims'],
    };
  }

  /**
   * The configured key a token's header names, if its `typ` and `alg` fit: the key of its `kid`, or
   * the only key when it has no `kid`. Never a key from the token itself.
   */
  private verifierFor(header: JoseHeader | undefined): Verifier | undefined {
    if (!header || header.crit !== undefined) return undefined;
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
    if (typ !== ACCESS_TOKEN_TYPE && typ !== `application/${ACCESS_TOKEN_TYPE}`) return undefined;
    let verifier: Verifier | undefined;
    if (header.kid === undefined) {
      verifier = this.verifiers.size === 1 ? this.verifiers.values().next().value : undefined;
    } else if (typeof header.kid === 'string') {
      verifier = this.verifiers.get(header.kid);
    }
    return verifier && header.alg === verifier.key.algorithm ? verifier : undefined;
  }

  /**
   * Signs an access token for a verified number (`resolveSubject` supplies `sub` and extra claims),
   * with no refresh token. `authTime`, when the number was proven, becomes the `auth_time` claim;
   * without it the token has none (and `@PhoneCallAuth({ maxAge })` routes refuse it).
   */
  async signAccessToken(phone: E164, authTime?: Date | null): Promise<IssuedToken> {
    return (await this.sign(phone, authTime)).token;
  }

  /**
   * Signs an access token for a number proven at `authTime`, only when `resolveSubject` maps the
   * number to `sub`: for a signed-in person who proved a number again (step-up) or a new one
   * (change of number). `undefined` when the number belongs to another subject.
   */
  async signAccessTokenFor(sub: string, phone: E164, authTime: Date): Promise<IssuedToken | undefined> {
    const signed = await this.sign(phone, authTime);
    return signed.sub === sub ? signed.token : undefined;
  }

  private async sign(phone: E164, authTime: Date | null | undefined): Promise<{ sub: string; token: IssuedToken }> {
    const { issuer, audience, expiresInSeconds, signing } = this.jwt;
    const subject = await runHook('resolveSubject', () => this.hooks.resolveSubject(phone));
    if (!subject || typeof subject.sub !== 'string' || subject.sub.length === 0) {
      throw new Error('PhoneCallAuthModule: resolveSubject must return { sub: string, claims? }.');
    }
    const extra = Object.fromEntries(Object.entries(subject.claims ?? {}).filter(([key]) => !RESERVED_CLAIMS.has(key)));
    const proven = authTime ? { auth_time: Math.floor(authTime.getTime() / 1000) } : {};
    const accessToken = await this.signer.signAsync(
      { ...extra, phone_number: phone, phone_number_verified: true, amr: ['tel'], ...proven },
      {
        algorithm: signing.algorithm,
        header: {
          alg: signing.algorithm,
          typ: ACCESS_TOKEN_TYPE,
          ...(signing.kid !== undefined && { kid: signing.kid }),
        },
        issuer,
        audience,
        subject: subject.sub,
        jwtid: randomUUID(),
        expiresIn: expiresInSeconds,
      },
    );
    return { sub: subject.sub, token: { accessToken, tokenType: 'Bearer', expiresIn: expiresInSeconds } };
  }
}
