/** The module's route prefix (its default, spelled out for the page and the logs). */
export const ROUTE_PREFIX = 'auth/phone-call';

/** Where the sample app serves Swagger UI; the JSON document is at `/docs-json`. */
export const DOCS_PATH = 'docs';
