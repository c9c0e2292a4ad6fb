import type { Logger } from '@nestjs/common';
import { maskNumbers } from '../phone/phone-number.js';
import { TelephonyPlatformException, TelephonyTimeoutException } from './telephony.exceptions.js';

/** A platform's HTTP answer, read whole. */
export interface PlatformAnswer {
  status: number;
  contentType: string;
  text: string;
}

/**
 * Sends one request to a platform's API with a bounded timeout.
 * @throws TelephonyTimeoutException when time runs out, TelephonyPlatformException when the platform cannot be reached
 */
export async function callPlatform(
  provider: string,
  url: URL,
  init: RequestInit,
  timeoutMs: number,
  logger: Logger,
  what: string,
): Promise<PlatformAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? 'no content type',
      text: await response.text(),
    };
  } catch (error) {
    // The signal, not the error's class, says whether time ran out: fetch wraps the abort differently across Node versions.
    if (signal.aborted) {
      logger.warn(`${what} timed out after ${timeoutMs} ms`);
      throw new TelephonyTimeoutException(provider, timeoutMs);
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
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

/**
 * Form fields flat, as the platform sent them: Express (qs, `extended`) turns `data[0]` into
 * `{ data: [...] }`, Fastify keeps `data[0]`; both come back as `data[0]`. The raw body, when the
 * app keeps it (`rawBody: true`), is read as it came.
 */
export function formFields(body: unknown, rawBody?: Buffer): Record<string, string> {
  if (rawBody && rawBody.length > 0) {
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(rawBody.toString('utf8'))) fields[name] = value;
    return fields;
  }
  const fields: Record<string, string> = {};
  const walk = (prefix: string, value: unknown) => {
    if (typeof value === 'string' || typeof value === 'number') fields[prefix] = String(value);
    else if (Array.isArray(value)) value.forEach((item, index) => walk(`${prefix}[${index}]`, item));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(prefix ? `${prefix}[${key}]` : key, item);
    }
  };
  if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body)) walk('', body);
  return fields;
}
