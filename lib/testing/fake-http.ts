import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a fake platform's API received: method, path, query and form or JSON fields merged, headers. */
export interface FakePlatformRequest {
  httpMethod: string;
  path: string;
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP server on a free port of 127.0.0.1, for the fake platforms. */
export class FakeHttpServer {
  private readonly server: Server;
  private address?: AddressInfo;

  constructor(handle: (request: FakePlatformRequest, response: ServerResponse) => Promise<void> | void) {
    this.server = createServer((request, response) => {
      readRequest(request)
        .then((read) => handle(read, response))
        .catch((error: Error) => {
          if (!response.headersSent) response.writeHead(500).end(error.message);
        });
    });
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server.listen(port, host);
    await once(this.server, 'listening');
    this.address = this.server.address() as AddressInfo;
    return this.url;
  }

  /** The base URL, e.g. `http://127.0.0.1:40123/`. */
  get url(): string {
    if (!this.address) throw new Error('The fake platform is not listening yet: await listen() first.');
    return `http://${this.address.address}:${this.address.port}/`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readRequest(request: IncomingMessage): Promise<FakePlatformRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const url = new URL(request.url ?? '/', 'http://fake');
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  const type = String(request.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded'))
    Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
  return { httpMethod: request.method ?? 'GET', path: url.pathname, params, headers: request.headers, body };
}

/** Writes a JSON answer. */
export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
}

/** Sends a callback to the app and reads the answer. */
export async function sendCallback(
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: string; contentType: string | null }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') };
}

/**
 * Digits that start a fake's ids: the time it started and a random part, so a fake restarted
 * against the same database never hands out an id an earlier run did (a reused id would make a
 * new call a `duplicate` of an old one).
 */
export function uniqueIdPrefix(): string {
  return `${Date.now()}${String(randomInt(1_000_000)).padStart(6, '0')}`;
}
