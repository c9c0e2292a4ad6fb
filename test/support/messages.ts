import type { TestResponse } from './test-app.js';

/** The text of a Nest error body, whose `message` is a string or (for validation) a list. */
export const messageOf = (response: TestResponse): string => [response.body?.message].flat().join(' ');
