/** A response that says when its connection closed: Node's `ServerResponse` (Express), or Fastify's reply with `raw`. */
type ClosingResponse = { once?(event: 'close', listener: () => void): unknown; raw?: unknown };

/**
 * An AbortSignal that aborts when the response's connection closes, so a held request whose
 * client went away stops waiting (and frees its place) at once. `undefined` for a response that
 * cannot tell.
 */
export function abortOnClose(response: unknown): AbortSignal | undefined {
  const target = ((response as ClosingResponse).raw ?? response) as ClosingResponse;
  if (typeof target?.once !== 'function') return undefined;
  const controller = new AbortController();
  target.once('close', () => controller.abort());
  return controller.signal;
}
