import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DatabaseConnectionError } from './connection-errors.js';

/** Seconds a client is asked to wait before it tries again. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The body of the 503 answer. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is unavailable right now; try again in a few seconds.';

/** At most one warning per this many milliseconds: an outage fails every request. */
const LOG_INTERVAL_MS = 10_000;

/**
 * Answers a lost or refused database connection with **503** and `Retry-After`, not 500: the
 * client did nothing wrong, and the request may succeed once the database is back. Bound to the
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

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    this.warn(exception);
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse<unknown>();
    httpAdapter.setHeader(response, 'Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    httpAdapter.reply(
      response,
      {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: 'Service Unavailable',
        message: DATABASE_UNAVAILABLE_MESSAGE,
        retryAfter: DATABASE_RETRY_AFTER_SECONDS,
      },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
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
