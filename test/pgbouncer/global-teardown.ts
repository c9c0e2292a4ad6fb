export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __pgbouncer?: () => Promise<void> }).__pgbouncer?.();
}
