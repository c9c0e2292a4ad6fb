import { HttpException } from '@nestjs/common';

/**
 * Runs one of the app's hooks. An HttpException it throws goes to the client as it is; any other
 * error is wrapped, so that a network error inside the hook (an ECONNREFUSED from the app's own
 * HTTP client, say) is reported as the hook's failure, never mistaken for the database's.
 */
export async function runHook<T>(name: string, hook: () => T | Promise<T>): Promise<T> {
  try {
    return await hook();
  } catch (error) {
    if (error instanceof HttpException) throw error;
    throw new Error(`PhoneCallAuthModule: the ${name} hook failed: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
    });
  }
}
