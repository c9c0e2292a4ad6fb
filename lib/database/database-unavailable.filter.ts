import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { PhoneCallAuthErrorBody } from '../core/phone-call-auth.exception.js';
import { errorMessage, type LanguageRequest, requestLocale } from '../i18n/error-text.js';
import { PHONE_CALL_AUTH_DEFAULTS } from '../options/phone-call-auth.defaults.js';
import type { ResolvedTexts } from '../options/resolved-options.interface.js';
import { InjectPhoneCallAuthOptions } from '../options/option-slices.js';
import { DatabaseConnectionError } from './connection-errors.js';

/** Seconds a client is asked to wait before it tries again. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** At most one warning per this many milliseconds: an outage fails every request. */
const LOG_INTERVAL_MS = 10_000;

/**
 * Answers a lost or refused database connection with **503** `DATABASE_UNAVAILABLE` and
 * `Retry-After`, not 500: the client did nothing wrong, and the request may succeed once the
 * database is back. The message is in the request's language (as {@link PhoneCallAuthExceptionFilter}'s). Bound to the
 * module's controllers (`@UseFilters`), so it takes only database-connection errors
 * ({@link DatabaseConnectionError}) of the module's routes and leaves every other error, and the
 * host's routes, to the host's filters. How fast "fast" is depends on the data source: set
 * `extra: { connectionTimeoutMillis: 2000, statement_timeout: 2000, query_timeout: 2500 }` in the
 * TypeORM options, and a frozen database gets 503s within 3 s.
 */
@Catch(DatabaseConnectionError)
export class DatabaseUnavailableFilter implements ExceptionFilter {
  private readonly logger = new Logger(DatabaseUnavailableFilter.name);
  private lastLogged = 0;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @InjectPhoneCallAuthOptions('texts') private readonly texts?: ResolvedTexts,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    this.warn(exception);
    const { httpAdapter } = this.adapterHost;
    const http = host.switchToHttp();
    const response = http.getResponse<unknown>();
    const locale = requestLocale(
      http.getRequest<LanguageRequest>(),
      this.texts?.defaultLocale ?? PHONE_CALL_AUTH_DEFAULTS.defaultLocale,
    );
    const body: PhoneCallAuthErrorBody = {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      code: 'DATABASE_UNAVAILABLE',
      message: errorMessage({ key: 'databaseUnavailable' }, { locale, messages: this.texts?.messages }),
      retryAfter: DATABASE_RETRY_AFTER_SECONDS,
    };
    httpAdapter.setHeader(response, 'Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    httpAdapter.reply(response, body, HttpStatus.SERVICE_UNAVAILABLE);
  }

  private warn(exception: unknown): void {
    const now = Date.now();
    if (now - this.lastLogged < LOG_INTERVAL_MS) return;
    this.lastLogged = now;
    // The code and the driver's message only: a TypeORM error also carries the statement's parameters.
    const { code, driverError, message } = exception as { code?: unknown; driverError?: Error; message?: unknown };
    const text = String(driverError?.message ?? message ?? exception).slice(0, 200);
    this.logger.warn(`Database unavailable (${String(code ?? 'no code')}): ${JSON.stringify(text)}; answering 503`);
  }
}
