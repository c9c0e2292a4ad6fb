import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';

/**
 * Nest's Express adapter, on a Node server whose requests and responses are born with Express's
 * prototypes. Express sets them on every request (`Object.setPrototypeOf(req, app.request)`), after
 * which V8 shares no shape for the properties added later (its router adds a dozen): every request
 * and every response got a shape of its own, 1 KB each, live as long as an event stream is open and
 * garbage in the old generation after every other request. Here `app.request` and `app.response`
 * become the prototypes of subclasses of Node's classes (inheriting what they were, so anything set
 * on them still applies), the server creates its objects from those, and Express's
 * `setPrototypeOf` changes nothing. Subclasses (not a plain function given the prototype): V8 sizes
 * their objects as Node's, all properties in the object. Measured: bench/README.md.
 */
export class SampleExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    // Nest's server, and what Nest does for these options (HTTPS, 503 while closing, tracking).
    super.initHttpServer(options);
    if (options?.httpsOptions || options?.forceCloseConnections) return;
    const app = this.getInstance<Express>();
    class ExpressRequest extends IncomingMessage {}
    class ExpressResponse extends ServerResponse {}
    Object.setPrototypeOf(ExpressRequest.prototype, app.request);
    Object.setPrototypeOf(ExpressResponse.prototype, app.response);
    app.request = ExpressRequest.prototype as Express['request'];
    app.response = ExpressResponse.prototype as unknown as Express['response'];
    this.httpServer = createServer({ IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse }, app);
  }
}
