import { isDatabaseConnectionError } from 'nestjs-phone-call-auth';
import { QueryFailedError } from 'typeorm';

/** A node-postgres error as TypeORM wraps it, with a message and a SQLSTATE. */
function wrapped(message: string, code?: string) {
  return new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), code ? { code } : {}));
}

describe('isDatabaseConnectionError (answered 503)', () => {
  it.each([
    ['a query the server did not answer within query_timeout', wrapped('Query read timeout')],
    [
      'a statement the server cancelled at statement_timeout',
      wrapped('canceling statement due to statement timeout', '57014'),
    ],
    ['a pool that could not hand out a connection in time', new Error('timeout exceeded when trying to connect')],
    ['a connection closed after a query timed out', wrapped('Client was closed and is not queryable')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  ])('takes %s', (_label, error) => {
    expect(isDatabaseConnectionError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', wrapped('duplicate key value violates unique constraint', '23505')],
    ['a syntax error', wrapped('syntax error at or near "SELEC"', '42601')],
    ['a message that only mentions a timeout', wrapped('Query read timeout exceeded by the app')],
  ])('leaves %s to the app (500)', (_label, error) => {
    expect(isDatabaseConnectionError(error)).toBe(false);
  });
});
