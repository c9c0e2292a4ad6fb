/**
 * What tells that a held request's client went away: Node's `ServerResponse` (Express's response,
 * Fastify's `reply.raw`), which emits `close` when its connection closes (and is `destroyed` then).
 */
export interface ClosingConnection {
  readonly destroyed: boolean;
  on(event: 'close', listener: () => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
}

/**
 * The response's Node `ServerResponse` (Fastify's reply holds it in `raw`), so that a held request
 * whose client went away stops waiting (and frees its place) at once. `undefined` for a response
 * that cannot tell.
 */
export function closingConnection(response: unknown): ClosingConnection | undefined {
  const target = ((response as { raw?: unknown }).raw ?? response) as Partial<ClosingConnection> | undefined;
  return typeof target?.on === 'function' && typeof target.removeListener === 'function'
    ? (target as ClosingConnection)
    : undefined;
}
