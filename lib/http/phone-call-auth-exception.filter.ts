import { ArgumentsHost, Catch, ExceptionFilter, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PhoneCallAuthException } from '../core/phone-call-auth.exception.js';
import { errorMessage, type LanguageRequest, requestLocale } from '../i18n/error-text.js';
import { PHONE_CALL_AUTH_DEFAULTS } from '../options/phone-call-auth.defaults.js';
import type { ResolvedTexts } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { RetryLaterException } from './retry-later.exception.js';

/**
 * Answers a {@link PhoneCallAuthException} on any HTTP adapter: its body (`statusCode`, `error`,
 * `code`, `message`...) with the message in the request's language (the start's `locale` field,
 * else `Accept-Language`, else `defaultLocale`, from the app's `messages`), `Cache-Control:
 * no-store`, and `Retry-After` for a {@link RetryLaterException}. Bound to the module's own
 * controllers; an app that calls `VerificationService` or `TokenService` from its own routes can
 * bind it there. Without the module's options in reach (the module registered in another module,
 * without `isGlobal`), it writes the built-in texts.
 *
 * @example
 * \@Post('sign-in')
 * \@UseFilters(PhoneCallAuthExceptionFilter)
 * signIn(\@Body() body: SignInDto) { return this.verifications.start(body.phone, ...); }
 */
@Catch(PhoneCallAuthException)
export class PhoneCallAuthExceptionFilter implements ExceptionFilter<PhoneCallAuthException> {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @InjectPhoneCallAuthOptions('texts') private readonly texts?: ResolvedTexts,
  ) {}

  catch(exception: PhoneCallAuthException, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const http = host.switchToHttp();
    const response = http.getResponse<unknown>();
    if (httpAdapter.isHeadersSent(response)) {
      httpAdapter.end(response);
      return;
    }
    const body = { ...exception.getResponse() };
    if (exception.text) {
      const locale = requestLocale(
        http.getRequest<LanguageRequest>(),
        this.texts?.defaultLocale ?? PHONE_CALL_AUTH_DEFAULTS.defaultLocale,
      );
      body.message = errorMessage(exception.text, { locale, messages: this.texts?.messages });
    }
    if (exception instanceof RetryLaterException) {
      httpAdapter.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    }
    httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    httpAdapter.reply(response, body, exception.getStatus());
  }
}
