import { type CanActivate, type ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { type LanguageRequest, requestLocale } from '../i18n/error-text.js';
import { PHONE_CALL_AUTH_DEFAULTS } from '../options/phone-call-auth.defaults.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import type { ResolvedTexts } from '../options/resolved-options.interface.js';
import { InsufficientAuthenticationException } from './insufficient-authentication.exception.js';
import type { VerifiedPhoneIdentity } from './token.service.js';

/** Metadata key of `@PhoneCallAuth({ maxAge })`: the seconds a route accepts since the proof. */
export const PHONE_CALL_AUTH_MAX_AGE = 'phone-call-auth:max-age';

/** RFC 9470's `error_description`: ASCII, with no quote or backslash (RFC 6750 §3). */
const CHALLENGE_DESCRIPTION = 'A more recent proof of the phone number is required';

/**
 * The second guard of `@PhoneCallAuth({ maxAge })`, after the token's: passes a token whose
 * `auth_time` (the time of the call or the code) is at most `maxAge` seconds old; refuses any
 * other, tokens without `auth_time` included (issued before the module kept it), with
 * {@link InsufficientAuthenticationException} in the request's language and RFC 9470's
 * `WWW-Authenticate` challenge. The person then proves the same number again (step-up: `POST
 * <prefix>/account/verifications`) and retries with the new token.
 */
@Injectable()
export class RecentProofGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    // Optional: the app's module may not import the module's options (no `isGlobal`); then the built-in texts.
    @Optional() @InjectPhoneCallAuthOptions('texts') private readonly texts?: ResolvedTexts,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const maxAge = this.reflector.getAllAndOverride<number | undefined>(PHONE_CALL_AUTH_MAX_AGE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (maxAge === undefined) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<LanguageRequest & { user?: VerifiedPhoneIdentity }>();
    const authTime = request.user?.claims.auth_time;
    const now = Math.floor(Date.now() / 1000);
    if (typeof authTime === 'number' && now - authTime <= maxAge) return true;
    this.adapterHost.httpAdapter.setHeader(
      http.getResponse(),
      'WWW-Authenticate',
      `Bearer error="insufficient_user_authentication", error_description="${CHALLENGE_DESCRIPTION}", max_age="${maxAge}"`,
    );
    // The app's own route: no filter of the module writes the message in the request's language, so it is written here.
    const locale = requestLocale(request, this.texts?.defaultLocale ?? PHONE_CALL_AUTH_DEFAULTS.defaultLocale);
    throw new InsufficientAuthenticationException(maxAge, { locale, messages: this.texts?.messages });
  }
}
