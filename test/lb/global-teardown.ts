/** Stops what test/lb/global-setup.ts started (HAProxies first, then the Postgres). */
export default async function globalTeardown(): Promise<void> {
  const cleanups = (globalThis as { __lb?: Array<() => Promise<void>> }).__lb ?? [];
  while (cleanups.length > 0) await cleanups.pop()!();
}
