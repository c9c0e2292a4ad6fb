import { Catch } from '@nestjs/common';
import { PhoneCallAuthExceptionFilter } from './phone-call-auth-exception.filter.js';
import { RetryLaterException } from './retry-later.exception.js';

/**
 * {@link PhoneCallAuthExceptionFilter} for a {@link RetryLaterException} only (a spent budget or
 * rate limit: 429; a busy database: 503): its body, in the request's language, with a
 * `Retry-After` header. For routes of the app's own that leave every other error to the app's filters.
 *
 * @example
 * \@UseFilters(RetryAfterFilter)
 * \@Post('sign-in')
 * signIn(\@Body() body: SignInDto) { return this.verifications.start(body.phone, ...); }
 */
@Catch(RetryLaterException)
export class RetryAfterFilter extends PhoneCallAuthExceptionFilter {}
