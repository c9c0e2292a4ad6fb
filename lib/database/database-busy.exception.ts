import { RetryLaterException } from '../http/retry-later.exception.js';

/** Admission control shed a request: the database is busy with others. **503** `DATABASE_BUSY`, with `Retry-After`. */
export class DatabaseBusyException extends RetryLaterException {
  constructor(retryAfterSeconds = 1) {
    super('DATABASE_BUSY', { key: 'databaseBusy' }, retryAfterSeconds);
  }
}
