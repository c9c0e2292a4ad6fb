import { RetryLaterException } from '../http/retry-later.exception.js';

/**
 * A client address (or its network) spent its budget on a route family: **429**
 * `CLIENT_BUDGET_EXCEEDED`, with `Retry-After`.
 */
export class ClientBudgetExceededException extends RetryLaterException {
  constructor(retryAfterSeconds: number) {
    super('CLIENT_BUDGET_EXCEEDED', { key: 'clientBudgetExceeded' }, retryAfterSeconds);
  }
}
