/** The SSMS JSON envelope: `{"response":{"msg":{"err_code","text","type"},"data":{...}}}`. */
export type SsmsEnvelopeResult =
  { ok: true; data: Record<string, unknown> } | { ok: false; detail: string; code?: string };

const MAX_PARAM_LENGTH = 128;

/** Shortens and escapes a string the platform (or anyone) sent, so it can be quoted in a message or a log. */
export function quote(value: string, max = 120): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}

/**
 * Reads an SSMS answer. `err_code` arrives as a string (`"0"`) and sometimes as a number;
 * anything that is not the envelope (an HTML error page, XML, an empty body) is a failure too.
 */
export function readEnvelope(text: string, status: number, contentType: string): SsmsEnvelopeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {
      ok: false,
      detail: `it answered HTTP ${status} (${contentType}) that is not its JSON API: ${quote(text.trim())}`,
    };
  }
  const response = (parsed as { response?: { msg?: Record<string, unknown>; data?: unknown } } | null)?.response;
  const msg = response?.msg;
  const code = msg?.err_code;
  if (typeof code !== 'string' && typeof code !== 'number') {
    return {
      ok: false,
      detail: `it answered HTTP ${status} without the response.msg.err_code envelope: ${quote(text)}`,
    };
  }
  const message = typeof msg?.text === 'string' ? msg.text : '';
  if (String(code).trim() !== '0') {
    return { ok: false, code: String(code), detail: `error ${quote(String(code), 20)}: ${quote(message)}` };
  }
  const data = response?.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, detail: `its answer had no data object: ${quote(text)}` };
  }
  return { ok: true, data: data as Record<string, unknown> };
}

/**
 * The first of `names` present in `fields` as a single, short value. Repeated parameters
 * (which Express and Fastify turn into arrays), objects and overlong values are skipped.
 */
export function pickParam(fields: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(fields, name)) continue;
    const value = fields[name];
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string' && value.length > 0 && value.length <= MAX_PARAM_LENGTH) return value;
  }
  return undefined;
}

/**
 * The value of the first of `names` present in `fields`: a single, short string (numbers as
 * strings); `null` when that parameter is there but is not one (repeated, so the framework made it an
 * array; an object; empty or overlong); `undefined` when none of the names is there. A later name is
 * never read in place of an unreadable earlier one.
 */
export function pickPresentParam(fields: Record<string, unknown>, names: readonly string[]): string | null | undefined {
  const name = names.find((each) => Object.prototype.hasOwnProperty.call(fields, each));
  return name === undefined ? undefined : (pickParam(fields, [name]) ?? null);
}
