/** The app's hooks whose failures the module reports as a {@link PhoneCallAuthHookError}. */
export type PhoneCallAuthHookName = 'beforeVerify' | 'resolveSubject' | 'onVerified' | 'onNumberChange';

/**
 * One of the app's hooks threw something other than an `HttpException` (an `HttpException` goes to
 * the client as it is). Not a client's mistake: Nest answers it with 500 and logs it, as any
 * error of the app's code. Wrapping it keeps a network error inside the hook (an ECONNREFUSED
 * from the app's own HTTP client) from being taken for the database's (503); the hook's own error
 * is the `cause`.
 *
 * @example
 * if (error instanceof PhoneCallAuthHookError && error.hook === 'resolveSubject') ...
 */
export class PhoneCallAuthHookError extends Error {
  constructor(
    /** The hook that failed. */
    readonly hook: PhoneCallAuthHookName,
    cause: unknown,
  ) {
    super(`PhoneCallAuthModule: the ${hook} hook failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'PhoneCallAuthHookError';
  }
}
