/*
 * Which errors mean "the database cannot be reached right now, or does not answer in time"
 * (answered 503, the client may retry) rather than "this statement is wrong" (a bug: 500). node-postgres reports a lost or
 * refused connection as a plain Error (a Node socket error code, or a message), the server as a
 * DatabaseError with a SQLSTATE, and TypeORM wraps errors raised by a query in a QueryFailedError
 * that keeps the original as `driverError`.
 */

/** Socket errors of connecting to, or talking with, the database server. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away, starting up, full or too slow: 57P01 admin_shutdown,
 * 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections, 57014
 * query_canceled (what `statement_timeout` raises: the database did not finish in time, which is
 * no fault of the request); class 08 is "connection exception" (08000, 08001, 08003, 08004, 08006, 08P01).
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

/**
 * Messages node-postgres and pg-pool give a connection they lost, closed or could not open in time,
 * and a query the server did not answer within `query_timeout` (a frozen or unreachable server).
 */
const MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
  /^Query read timeout$/,
];

/**
 * True for an error that means the database could not be reached or dropped the connection,
 * looking through TypeORM's `driverError` and the attempts an `AggregateError` holds (one per
 * address of a host name).
 */
export function isDatabaseConnectionError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const { code, message, driverError } = error as { code?: unknown; message?: unknown; driverError?: unknown };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) {
    return true;
  }
  if (typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (driverError !== undefined && isDatabaseConnectionError(driverError, depth + 1)) return true;
  return error instanceof AggregateError && error.errors.some((inner) => isDatabaseConnectionError(inner, depth + 1));
}

/**
 * Not a class of errors but a test: `error instanceof DatabaseConnectionError` is
 * {@link isDatabaseConnectionError}. `@Catch(DatabaseConnectionError)` thereby makes a filter
 * that takes these errors only and leaves every other error to the app's own filters.
 */
export abstract class DatabaseConnectionError {
  static [Symbol.hasInstance](error: unknown): boolean {
    return isDatabaseConnectionError(error);
  }
}
