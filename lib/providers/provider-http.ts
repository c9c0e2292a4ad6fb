import http from 'node:http';
import https from 'node:https';
import type { Logger } from '@nestjs/common';
import { maskNumbers } from '../phone/phone-number.js';
import { TelephonyPlatformException, TelephonyTimeoutException } from './telephony.exceptions.js';

/** A platform's HTTP answer, read whole. */
export interface PlatformAnswer {
  status: number;
  contentType: string;
  text: string;
}

/** A request to a platform's API: a form (`URLSearchParams`) or a string body (JSON, say). */
export interface PlatformRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
}

/** Why a platform request failed before an answer came: time ran out, or the connection failed (`reason`). */
export class PlatformUnreachableError extends Error {
  constructor(
    readonly timedOut: boolean,
    readonly reason: string,
  ) {
    super(timedOut ? 'timed out' : reason);
  }
}

/** An answer longer than this is no answer of a platform's API: the request fails. */
const MAX_ANSWER_BYTES = 1 << 20;

/**
 * Connections to the platforms stay open between requests (a start then costs no TCP or TLS
 * handshake). node:http with these agents rather than `fetch`: on a start, undici's fetch took
 * about a tenth of the CPU (streams, Headers and Response objects) for a few hundred bytes.
 */
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/**
 * Sends one request and reads the whole answer, within `timeoutMs` from start to end.
 * @throws PlatformUnreachableError when time runs out or the connection fails
 */
export function requestPlatform(url: URL, init: PlatformRequest, timeoutMs: number): Promise<PlatformAnswer> {
  const form = init.body instanceof URLSearchParams;
  const body = init.body === undefined ? undefined : String(init.body);
  const headers: Record<string, string> = {
    ...(form && { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' }),
    ...init.headers,
    ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }),
  };
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const fail = (error: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(new PlatformUnreachableError(timedOut, error.code ?? error.message));
    };
    const request = transport.request(
      url,
      { method: init.method, headers, agent: AGENTS[url.protocol as keyof typeof AGENTS] },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) request.destroy(new Error(`an answer over ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'] ?? 'no content type',
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy(new Error('timed out'));
    }, timeoutMs);
    request.on('error', fail);
    request.end(body);
  });
}

/**
 * Sends one request to a platform's API with a bounded timeout.
 * @throws TelephonyTimeoutException when time runs out, TelephonyPlatformException when the platform cannot be reached
 */
export async function callPlatform(
  provider: string,
  url: URL,
  init: PlatformRequest,
  timeoutMs: number,
  logger: Logger,
  what: string,
): Promise<PlatformAnswer> {
  try {
    return await requestPlatform(url, init, timeoutMs);
  } catch (error) {
    const { timedOut, reason } = error as PlatformUnreachableError;
    if (timedOut) {
      logger.warn(`${what} timed out after ${timeoutMs} ms`);
      throw new TelephonyTimeoutException(provider, timeoutMs);
    }
    logger.warn(`${what} failed: ${maskNumbers(reason)}`);
    throw new TelephonyPlatformException(provider, `could not reach ${url.origin} (${reason})`);
  }
}

/** The answer's JSON object, or a TelephonyPlatformException that says what came instead. */
export function jsonObject(
  provider: string,
  answer: PlatformAnswer,
  logger: Logger,
  what: string,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    logger.warn(
      `${what}: HTTP ${answer.status} ${answer.contentType}, not a JSON object: ${maskNumbers(answer.text.slice(0, 200))}`,
    );
    throw new TelephonyPlatformException(provider, `it answered HTTP ${answer.status} that is not its API's JSON`);
  }
  return parsed as Record<string, unknown>;
}

/** A scalar field as a string (platforms write ids and codes as numbers or strings). */
export function field(object: unknown, name: string): string | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const value = (object as Record<string, unknown>)[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
