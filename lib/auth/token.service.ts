import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { InjectPhoneCallAuthOptions } from '../phone-call-auth.module-definition.js';
import type { ResolvedPhoneCallAuthOptions } from '../phone-call-auth.options.js';
import type { E164 } from '../phone/phone-number.js';

/** The token endpoint's answer. */
export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the token expires. */
  expiresIn: number;
}

/** The identity a valid token proves, as `@VerifiedPhone()` hands it to a route. */
export interface VerifiedPhoneIdentity {
  /** The JWT `sub` (by default the E.164 number). */
  sub: string;
  /** The verified number, E.164. */
  phone: E164;
  /** All claims of the token. */
  claims: Record<string, unknown>;
}

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
]);
/** Longer is not a token this module issued; refuse before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

/**
 * Issues and checks the module's JWTs with `@nestjs/jwt`. The algorithm is pinned, and `iss`,
 * `aud`, `exp` and `nbf` are checked on every token.
 */
@Injectable()
export class TokenService {
  private readonly jwt: JwtService;

  constructor(@InjectPhoneCallAuthOptions() private readonly options: ResolvedPhoneCallAuthOptions) {
    const { algorithm, signingKey, verifyingKey } = options.jwt;
    const symmetric = algorithm === 'HS256';
    this.jwt = new JwtService({
      ...(symmetric ? { secret: signingKey } : { privateKey: signingKey, publicKey: verifyingKey }),
      signOptions: { algorithm },
    });
  }

  /** Signs a token for a verified number; `resolveSubject` supplies `sub` and extra claims. */
  async issue(phone: E164): Promise<IssuedToken> {
    const { issuer, audience, expiresInSeconds, algorithm } = this.options.jwt;
    const subject = await this.options.resolveSubject(phone);
    if (!subject || typeof subject.sub !== 'string' || subject.sub.length === 0) {
      throw new Error('PhoneCallAuthModule: resolveSubject must return { sub: string, claims? }.');
    }
    const extra = Object.fromEntries(Object.entries(subject.claims ?? {}).filter(([key]) => !RESERVED_CLAIMS.has(key)));
    const accessToken = await this.jwt.signAsync(
      { ...extra, phone_number: phone, phone_number_verified: true, amr: ['tel'] },
      { algorithm, issuer, audience, subject: subject.sub, jwtid: randomUUID(), expiresIn: expiresInSeconds },
    );
    return { accessToken, tokenType: 'Bearer', expiresIn: expiresInSeconds };
  }

  /**
   * Checks a token and returns the identity it proves.
   * @throws UnauthorizedException with the reason, for any token this module would not accept
   */
  async verify(token: string): Promise<VerifiedPhoneIdentity> {
    const { issuer, audience, algorithm } = this.options.jwt;
    if (token.length > MAX_TOKEN_LENGTH) throw new UnauthorizedException('The access token is too long.');
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync(token, { algorithms: [algorithm], issuer, audience });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TokenExpiredError' ? 'has expired' : 'is not valid';
      throw new UnauthorizedException(`The access token ${reason}; verify the phone number again to get a new one.`);
    }
    if (
      typeof claims.sub !== 'string' ||
      typeof claims.phone_number !== 'string' ||
      claims.phone_number_verified !== true ||
      typeof claims.exp !== 'number'
    ) {
      throw new UnauthorizedException('The access token is not valid; verify the phone number again to get a new one.');
    }
    return { sub: claims.sub, phone: claims.phone_number, claims };
  }
}
