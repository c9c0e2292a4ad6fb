import { HttpException } from '@nestjs/common';
import { PhoneCallAuthHookError, type PhoneCallAuthHookName } from './phone-call-auth-hook.error.js';

/**
 * Runs one of the app's hooks. An HttpException it throws goes to the client as it is; any other
 * error is wrapped in a {@link PhoneCallAuthHookError}, so that a network error inside the hook (an
 * ECONNREFUSED from the app's own HTTP client, say) is reported as the hook's failure, never
 * mistaken for the database's.
 */
export async function runHook<T>(name: PhoneCallAuthHookName, hook: () => T | Promise<T>): Promise<T> {
  try {
    return await hook();
  } catch (error) {
    if (error instanceof HttpException) throw error;
    throw new PhoneCallAuthHookError(name, error);
  }
}
