import { HttpException, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { phoneCallAuthLogFields } from '../telemetry/request-context.js';

/** How often a comment line keeps quiet streams open through proxies that drop idle connections. */
const KEEP_ALIVE_MS = 15_000;

/**
 * The headers of an event stream over HTTP/1 (those of Nest's `@Sse()`), which win over any set
 * before. In lower case, as Node keys them (and HTTP/2 writes them): no copy per stream.
 */
const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  // A hop-by-hop header, which HTTP/2 forbids: left out there.
  connection: 'keep-alive',
  // Disables caching, by old browsers and proxies too.
  'cache-control': 'private, no-cache, no-store, must-revalidate, max-age=0, no-transform',
  pragma: 'no-cache',
  expires: '0',
  // Tells nginx not to pass the stream on in chunks.
  'x-accel-buffering': 'no',
};
const EVENT_STREAM_HEADER_NAMES = new Set(Object.keys(EVENT_STREAM_HEADERS));

/** What Express's router leaves on a request it routed (`next` first: what tells an Express request). */
const EXPRESS_ROUTE_STATE = ['next', 'params', 'route', '_parsedUrl'] as const;

const logger = new Logger('EventStreams');

/** The response as a route gets it: Node's (Express), or Fastify's reply, with Node's in `raw` and headers of its own. */
type RouteResponse = {
  raw?: ServerResponse;
  statusCode?: number;
  getHeaders?(): OutgoingHttpHeaders;
  hijack?(): unknown;
};

/** `data: <line>` for each line of `text`. */
function dataLines(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
}

/**
 * One open `text/event-stream` response. Events are numbered `id: 1`, `2`, ... in the order they
 * are sent, as Nest's `@Sse()` numbers them.
 */
export class EventStream {
  private lastId = 0;
  /** The blank line Nest's `@Sse()` starts a stream with: sent with the first event. */
  private prefix = '\n';

  constructor(
    /** The connection's Node response: the waiters listen to its `close`. */
    readonly response: ServerResponse,
    private readonly streams: Set<EventStream>,
  ) {}

  /** `event: <type>`, with `data` as JSON. */
  send(type: string, data: unknown): void {
    this.write(`event: ${type}\nid: ${++this.lastId}\n${dataLines(JSON.stringify(data))}\n`);
  }

  /** A comment line, which clients ignore: keeps the connection from looking idle. */
  keepAlive(): void {
    this.write(': \n\n');
  }

  /**
   * Ends the stream with `event: error`, once the headers are out and no exception filter can
   * answer: the message of an HTTP exception, else the standard one (as Nest's `@Sse()` does).
   */
  fail(error: unknown): void {
    if (error instanceof HttpException) logger.warn(`Event stream ended by ${error.getStatus()}: ${error.message}`);
    else logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    const message = error instanceof HttpException ? error.message : 'Internal server error';
    this.write(`event: error\nid: ${++this.lastId}\n${dataLines(message)}\n`);
    this.end();
  }

  end(): void {
    this.streams.delete(this);
    if (!this.response.writableEnded && !this.response.destroyed) this.response.end();
  }

  /** Writes `chunk` unless the client has gone. */
  write(chunk: string): void {
    if (this.response.writableEnded || this.response.destroyed) return;
    this.response.write(this.prefix + chunk);
    this.prefix = '';
  }
}

/**
 * Writes server-sent events straight to Node's response, and keeps every open stream alive with one
 * timer. Written by hand rather than with Nest's `@Sse()`, which holds, per open stream, an RxJS
 * pipeline, a Transform stream piped to the response, some thirty closures, two timers and the
 * request's whole route chain until the stream ends: on the sample app, 24 KB of heap per open
 * stream against 9.1 KB here on Express (6.8 KB with the sample app's adapter), most of it Node's
 * connection and Express's request (bench/README.md). These streams send two events and a comment
 * now and then, so they need none of its backpressure handling; the bytes on the wire are the same.
 */
@Injectable()
export class EventStreamsService implements OnApplicationShutdown {
  private readonly streams = new Set<EventStream>();
  private timer?: NodeJS.Timeout;

  /** How many streams are open. */
  get size(): number {
    return this.streams.size;
  }

  /**
   * Sends the status line and the headers of an event stream (with those set on the response
   * before, e.g. by CORS); the stream is kept alive until it ends. A HEAD request gets the headers
   * only, and its stream is ended already.
   * @param request the route's request: Node's (Express), or Fastify's (Node's in `raw`)
   * @param response the route's response (`@Res()`): Node's (Express), or Fastify's reply
   */
  open(request: unknown, response: unknown): EventStream {
    const rawRequest = ((request as { raw?: IncomingMessage }).raw ?? request) as IncomingMessage;
    const route = response as RouteResponse;
    const raw = route.raw ?? (response as ServerResponse);
    const http1 = (rawRequest.httpVersionMajor ?? 1) === 1;
    if (http1) {
      // Held for long: kept alive by TCP too, each event sent at once, never timed out by Node.
      rawRequest.socket?.setKeepAlive?.(true);
      rawRequest.socket?.setNoDelay?.(true);
      rawRequest.socket?.setTimeout?.(0);
    }
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(route.getHeaders?.() ?? {})) {
      if (!EVENT_STREAM_HEADER_NAMES.has(name.toLowerCase()) && value !== undefined) headers[name] = value;
    }
    for (const [name, value] of Object.entries(EVENT_STREAM_HEADERS)) {
      if (http1 || name !== 'connection') headers[name] = value;
    }
    // Left to the stream by RequestContextMiddleware when the client asked for a stream.
    const requestId = phoneCallAuthLogFields()?.requestId;
    if (requestId && headers['x-request-id'] === undefined) headers['x-request-id'] = requestId;
    // Fastify's reply is told that the route writes the response itself. Nest's route chain ends
    // with the reply, which is a thenable that waits for the end of the response: without this,
    // that chain (and a listener set on the response) would be kept as long as the stream is
    // open. Fastify's onResponse hooks still run when the stream ends.
    route.hijack?.();
    raw.writeHead(route.statusCode ?? raw.statusCode ?? 200, headers);
    const stream = new EventStream(raw, this.streams);
    if (rawRequest.method === 'HEAD') {
      raw.end();
      return stream;
    }
    // The headers go out at once, alone: Node writes the header block it keeps (as long as the
    // response is open) as it is, which flattens that string; written with the first event, it is
    // copied, and the tree of small strings it was built from stays (0.6 KB more per open stream).
    if (http1) raw.flushHeaders();
    // Express keeps its router's state on the request until the response ends: `next` (with the
    // whole route chain, 0.8 KB), the parsed URL, the route and its parameters, 1.2 KB in all.
    // Once the stream is open, nothing reads them.
    const express = rawRequest as unknown as Record<string, unknown>;
    if (typeof express.next === 'function') for (const name of EXPRESS_ROUTE_STATE) express[name] = undefined;
    this.streams.add(stream);
    this.timer ??= setInterval(() => this.keepAlive(), KEEP_ALIVE_MS).unref();
    return stream;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One comment on every open stream; the timer stops while none is open. */
  private keepAlive(): void {
    for (const stream of this.streams) {
      if (stream.response.destroyed) this.streams.delete(stream);
      else stream.keepAlive();
    }
    if (this.streams.size === 0) this.onApplicationShutdown();
  }
}
