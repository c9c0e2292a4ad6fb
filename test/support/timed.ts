import type { TestResponse } from './test-app.js';

/** Sends a request; resolves with the answer and how long it took. */
export async function timed(request: Promise<TestResponse>): Promise<TestResponse & { ms: number }> {
  const begun = performance.now();
  const response = await request;
  return { ...response, ms: performance.now() - begun };
}

/**
 * The body of the module's 503 while the database cannot be reached (`DatabaseUnavailableFilter`),
 * in the default locale (ru): "The database is unavailable right now; try again in a few seconds."
 */
export const DATABASE_UNAVAILABLE = {
  statusCode: 503,
  error: 'Service Unavailable',
  code: 'DATABASE_UNAVAILABLE',
  message: 'База данных сейчас недоступна; попробуйте снова через несколько секунд.',
  retryAfter: 5,
};
