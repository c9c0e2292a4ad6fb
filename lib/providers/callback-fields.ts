import type { InboundCallRequest } from './telephony-provider.interface.js';

/**
 * The fields of a platform's form callback, each name once, read from the one source that both the
 * signature check and the adapter use, so that what was signed is what is read:
 *
 * - a POST with the raw body (the app created with `rawBody: true`): parsed from those bytes, never
 *   from the framework's parse (Express's `qs` folds an appended `data[]=...` into `data`, and keeps
 *   a repeated name as an array that the signature, computed over the bytes, never saw);
 * - a POST without it: rebuilt from the framework's parse with flat names (Express turns `data[0]`
 *   into `{ data: [...] }`, Fastify keeps `data[0]`; both come back as `data[0]`);
 * - a GET: the query, parsed from the request's URL (which a URL signature covers as a whole), else
 *   from the framework's parse.
 *
 * `null` when a name comes twice (`CallSid=A&CallSid=A`, which the frameworks parse as an array), or
 * when a value is no single string: a repeated parameter in a signed callback verifies nothing. `lists`
 * names the fields the platform sends indexed (sms.ru's `data[n]`, which Express parses as an array).
 */
export function callbackFields(
  request: InboundCallRequest,
  lists: readonly string[] = [],
): Record<string, string> | null {
  if (request.method === 'GET') {
    if (request.url === undefined) return flatFields(request.query, lists);
    // The URL's host comes from the request's Host header when publicBaseUrl is not set: it may not parse.
    return URL.canParse(request.url) ? encodedFields(new URL(request.url).search) : null;
  }
  const raw = request.rawBody;
  if (raw && raw.length > 0) return encodedFields(raw.toString('utf8'));
  return flatFields(request.body, lists);
}

/** `application/x-www-form-urlencoded` text as fields, or `null` when a name repeats. */
function encodedFields(text: string): Record<string, string> | null {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.prototype.hasOwnProperty.call(fields, name)) return null;
    fields[name] = value;
  }
  return fields;
}

/**
 * A parsed form (or query) with flat names, or `null` when a name repeats. The only nesting is the
 * framework's own parse of an indexed field in `lists` (`data[0]` as `data: [...]`); an array or
 * object anywhere else is a repeated parameter.
 */
function flatFields(parsed: unknown, lists: readonly string[]): Record<string, string> | null {
  const fields: Record<string, string> = {};
  if (typeof parsed !== 'object' || parsed === null || Buffer.isBuffer(parsed) || Array.isArray(parsed)) return fields;
  const add = (name: string, value: unknown): boolean => {
    if (typeof value !== 'string' && typeof value !== 'number') return false;
    if (Object.prototype.hasOwnProperty.call(fields, name)) return false;
    fields[name] = String(value);
    return true;
  };
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'object' && value !== null && lists.includes(name)) {
      // Express's `data: [...]`, or `data: { 0: ..., 30: ... }` for sparse indexes.
      for (const [index, item] of Object.entries(value)) if (!add(`${name}[${index}]`, item)) return null;
    } else if (!add(name, value)) return null;
  }
  return fields;
}
