import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';

/** The parts of an Express app the interceptor reads. */
interface ExpressApp {
  get(setting: string): unknown;
  settings: object;
}

/** Per Express app, a view of it whose `etag fn` setting is unset; every other setting is the app's. */
const etagless = new WeakMap<ExpressApp, ExpressApp>();

function withoutEtag(app: ExpressApp): ExpressApp {
  let view = etagless.get(app);
  if (!view) {
    view = Object.create(app, {
      settings: { value: Object.create(app.settings, { 'etag fn': { value: undefined } }) },
    }) as ExpressApp;
    etagless.set(app, view);
  }
  return view;
}

/**
 * No `ETag` on the module's answers: they are `no-store` answers to POSTs and event streams, which
 * no client revalidates, and Express would hash every body for one. Express reads the setting
 * through the response's `app`, so this response gets a view of the app without it; the host's own
 * routes keep their ETags. Fastify sets none unless asked: nothing to do there.
 */
@Injectable()
export class NoEtagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<{ app?: ExpressApp }>();
    const app = response.app;
    if (app && typeof app.get === 'function' && typeof app.get('etag fn') === 'function') {
      response.app = withoutEtag(app);
    }
    return next.handle();
  }
}
