import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { type ErrorLanguage, type LanguageRequest, requestLocale } from '../i18n/error-text.js';
import type { ResolvedJwtOptions, ResolvedTexts } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { PHONE_CALL_JWT_STRATEGY } from '../core/phone-call-auth.constants.js';
import { readCookie } from './access-token-cookie.js';
import { TokenRefusedException } from './token-refused.exception.js';
import { TokenService, type VerifiedPhoneIdentity } from './token.service.js';

/**
 * Passport strategy {@link PHONE_CALL_JWT_STRATEGY}: `Authorization: Bearer <jwt>` ->
 * {@link VerifiedPhoneIdentity}. With `jwt.cookie`, a request without an `Authorization` header
 * may carry the token in that cookie instead. Never from a query string. A refusal is a
 * {@link TokenRefusedException} (401 `ACCESS_TOKEN_MISSING`, `ACCESS_TOKEN_INVALID` or
 * `ACCESS_TOKEN_EXPIRED`) written here in the request's language: the guarded routes are the
 * app's own, where no filter of the module answers.
 */
@Injectable()
export class PhoneCallJwtStrategy extends PassportStrategy(Strategy, PHONE_CALL_JWT_STRATEGY) {
  constructor(
    private readonly tokens: TokenService,
    @InjectPhoneCallAuthOptions('jwt') private readonly jwt: ResolvedJwtOptions,
    @InjectPhoneCallAuthOptions('texts') private readonly texts: ResolvedTexts,
  ) {
    super();
  }

  async validate(request: LanguageRequest): Promise<VerifiedPhoneIdentity> {
    try {
      return await this.tokens.verify(this.token(request.headers));
    } catch (error) {
      if (!(error instanceof TokenRefusedException)) throw error;
      const language: ErrorLanguage = {
        locale: requestLocale({ headers: request.headers }, this.texts.defaultLocale),
        messages: this.texts.messages,
      };
      throw error.inLanguage(language);
    }
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
      throw cookie
        ? new TokenRefusedException('accessTokenMissingOrCookie', { cookie })
        : new TokenRefusedException('accessTokenMissing');
    }
    return match[1];
  }
}
