import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import type { ResolvedJwtOptions } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { PHONE_CALL_JWT_STRATEGY } from '../core/phone-call-auth.constants.js';
import { readCookie } from './access-token-cookie.js';
import { TokenService, type VerifiedPhoneIdentity } from './token.service.js';

/**
 * Passport strategy {@link PHONE_CALL_JWT_STRATEGY}: `Authorization: Bearer <jwt>` ->
 * {@link VerifiedPhoneIdentity}. With `jwt.cookie`, a request without an `Authorization` header
 * may carry the token in that cookie instead. Never from a query string.
 */
@Injectable()
export class PhoneCallJwtStrategy extends PassportStrategy(Strategy, PHONE_CALL_JWT_STRATEGY) {
  constructor(
    private readonly tokens: TokenService,
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
  ) {
    super();
  }

  validate(request: { headers: Record<string, unknown> }): Promise<VerifiedPhoneIdentity> {
    return this.tokens.verify(this.token(request.headers));
  }

  private token(headers: Record<string, unknown>): string {
    const { cookie } = this.jwt;
    if (headers.authorization === undefined && cookie) {
      const token = readCookie(headers.cookie, cookie);
      if (token) return token;
    }
    const match =
      typeof headers.authorization === 'string'
        ? /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(headers.authorization)
        : null;
    if (!match) {
      throw new UnauthorizedException(
        cookie
          ? `Send the access token as "Authorization: Bearer <token>" or in the ${cookie} cookie.`
          : 'Send the access token as "Authorization: Bearer <token>".',
      );
    }
    return match[1];
  }
}
