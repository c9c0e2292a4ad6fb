/** The parts of an Express app read here. */
interface ExpressApp {
  get(setting: string): unknown;
  settings: object;
}

/** Per Express app, a view of it whose `etag fn` setting is unset; every other setting is the app's. */
const etagless = new WeakMap<ExpressApp, ExpressApp>();

/**
 * No `ETag` on this answer: the module's answers are `no-store` answers to POSTs and callbacks,
 * which no client revalidates, and Express would hash every body for one. Express reads the
 * setting through the response's `app`, so this response gets a view of the app without it; the
 * host's own routes keep their ETags. Fastify sets none unless asked: nothing to do there. Called
 * by the handlers themselves (an interceptor would cost more per request than the hash it saves).
 */
export function skipEtag(response: unknown): void {
  const target = response as { app?: ExpressApp } | undefined;
  const app = target?.app;
  if (!app || typeof app.get !== 'function' || typeof app.get('etag fn') !== 'function') return;
  let view = etagless.get(app);
  if (!view) {
    view = Object.create(app, {
      settings: { value: Object.create(app.settings, { 'etag fn': { value: undefined } }) },
    }) as ExpressApp;
    etagless.set(app, view);
  }
  target!.app = view;
}
