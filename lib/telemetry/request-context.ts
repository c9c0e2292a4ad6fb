import { Injectable, type NestMiddleware } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What a log line of the module's routes can say about its request: the request id, and the
 * verification and provider once the use case knows them. Never a number, a secret or a code.
 */
export interface PhoneCallAuthLogFields {
  requestId: string;
  verificationId?: string;
  provider?: string;
}

/*
 * Node's AsyncLocalStorage by hand rather than nestjs-cls: the module needs one store with three
 * fields for its own routes, and a library that brings a CLS module (global middleware, its own
 * options) would impose it on every host app, where nestjs-cls must be one instance too.
 */
const storage = new AsyncLocalStorage<PhoneCallAuthLogFields>();

/** A request id a client or proxy may set: a short token of letters, digits and `-_.:`. */
const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * The fields of the module's request being handled now, for the app's logger to add to each line
 * (`undefined` outside the module's routes). The sample app's JSON logger does; with pino,
 * `mixin: () => phoneCallAuthLogFields() ?? {}`.
 */
export function phoneCallAuthLogFields(): Readonly<PhoneCallAuthLogFields> | undefined {
  return storage.getStore();
}

/** Adds what the use case learnt (its verification, its provider) to the current request's log fields. */
export function annotateRequest(fields: { verificationId?: string; provider?: string }): void {
  const store = storage.getStore();
  if (!store) return;
  if (fields.verificationId) store.verificationId = fields.verificationId;
  if (fields.provider) store.provider = fields.provider;
}

/**
 * Gives each request to the module's routes its id: the client's `X-Request-Id` when it is a short
 * token, else a new UUID, answered in `X-Request-Id` and kept for the request's log lines.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(
    request: { headers: Record<string, string | string[] | undefined>; url?: string; originalUrl?: string },
    response: { setHeader(name: string, value: string): unknown },
    next: () => void,
  ): void {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    // An event stream sends this header with its own (EventStreamsService reads the store): set
    // here, Node would keep a table of the response's headers for as long as the stream is open.
    const stream =
      request.headers.accept === 'text/event-stream' &&
      /\/events\/?(?:\?|$)/.test(request.originalUrl ?? request.url ?? '');
    if (!stream) response.setHeader('x-request-id', requestId);
    storage.run({ requestId }, next);
  }
}
