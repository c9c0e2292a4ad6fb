import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { PHONE_CALL_JWT_STRATEGY } from '../phone-call-auth.constants.js';
import { TokenService, type VerifiedPhoneIdentity } from './token.service.js';

/** Reads the token from the `Authorization` header only (never a query string or a cookie). */
function bearerToken(header: unknown): string {
  const match = typeof header === 'string' ? /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header) : null;
  if (!match) {
    throw new UnauthorizedException('Send the access token as "Authorization: Bearer <token>".');
  }
  return match[1];
}

/** Passport strategy {@link PHONE_CALL_JWT_STRATEGY}: `Authorization: Bearer <jwt>` -> {@link VerifiedPhoneIdentity}. */
@Injectable()
export class PhoneCallJwtStrategy extends PassportStrategy(Strategy, PHONE_CALL_JWT_STRATEGY) {
  constructor(private readonly tokens: TokenService) {
    super();
  }

  validate(request: { headers: Record<string, unknown> }): Promise<VerifiedPhoneIdentity> {
    return this.tokens.verify(bearerToken(request.headers.authorization));
  }
}
