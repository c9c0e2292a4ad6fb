import { type CanActivate, type ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import { errorMessage, type LanguageRequest, requestLocale } from '../i18n/error-text.js';
import { PHONE_CALL_AUTH_DEFAULTS } from '../options/phone-call-auth.defaults.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import type { ResolvedTexts } from '../options/resolved-options.interface.js';
import type { VerifiedPhoneIdentity } from './token.service.js';

/** Metadata key of `@PhoneCallAuth({ maxAge })`: the seconds a route accepts since the proof. */
export const PHONE_CALL_AUTH_MAX_AGE = 'phone-call-auth:max-age';

/** RFC 9470's `error_description`: ASCII, with no quote or backslash (RFC 6750 §3). */
const CHALLENGE_DESCRIPTION = 'A more recent proof of the phone number is required';

/**
 * The proof behind the access token is older than the route's `maxAge` (or the token carries no
 * `auth_time`): **401** `INSUFFICIENT_USER_AUTHENTICATION`, with `maxAge` in the body. The route's
 * guard also sends RFC 9470's challenge, `WWW-Authenticate: Bearer error="insufficient_user_authentication", ..., max_age="<maxAge>"`.
 *
 * @example
 * if (body.code === 'INSUFFICIENT_USER_AUTHENTICATION') await proveTheNumberAgain();
 */
export class InsufficientAuthenticationException extends PhoneCallAuthException {
  constructor(
    /** The route's `maxAge`, in seconds. */
    readonly maxAge: number,
    message?: string,
  ) {
    const text = { key: 'authenticationTooOld', values: { seconds: maxAge } };
    super('INSUFFICIENT_USER_AUTHENTICATION', message ?? errorMessage(text), { text, fields: { maxAge } });
  }
}

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
    const locale = requestLocale(request, this.texts?.defaultLocale ?? PHONE_CALL_AUTH_DEFAULTS.defaultLocale);
    const text = { key: 'authenticationTooOld', values: { seconds: maxAge } };
    throw new InsufficientAuthenticationException(
      maxAge,
      errorMessage(text, { locale, messages: this.texts?.messages }),
    );
  }
}
