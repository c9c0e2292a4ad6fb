export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __lb?: () => Promise<void> }).__lb?.();
}
