/** What {@link proxyTrusted} reads of Nest's HTTP adapter. */
interface AdapterLike {
  getType(): string;
  getInstance(): unknown;
}

/**
 * A function that says whether the app reads client addresses from a proxy's X-Forwarded-For:
 * Express's `trust proxy` setting (read on each call, so a setting made after the module starts
 * counts), Fastify's `trustProxy` option (fixed when the instance is made; read from its options,
 * which Fastify keeps under its `fastify.options` symbol). On any other adapter, or a Fastify whose
 * options cannot be read, a proxy counts as trusted: the guards that need the socket's address to
 * be the client's then stay off, and the framework's pipeline does their work.
 */
export function proxyTrusted(adapter: AdapterLike): () => boolean {
  const instance = adapter.getInstance() as Record<string | symbol, unknown> | undefined;
  if (adapter.getType() === 'express' && typeof instance?.get === 'function') {
    const express = instance as unknown as { get(setting: string): unknown };
    return () => !!express.get('trust proxy');
  }
  if (adapter.getType() === 'fastify' && instance) {
    const key = Object.getOwnPropertySymbols(instance).find((symbol) => symbol.description === 'fastify.options');
    const options = key && (instance[key] as { trustProxy?: unknown } | undefined);
    const trusted = !options || !!options.trustProxy;
    return () => trusted;
  }
  return () => true;
}
