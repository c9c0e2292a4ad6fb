import { type ChildProcess, fork, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

/** The repository's root (dist/bench/support/ is three folders down). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Every child still running, stopped by {@link stopAll} whatever happens. */
const running = new Set<ChildProcess>();

/** A server process the benchmark started. */
export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  logFile: string;
  /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
  stop(): Promise<void>;
}

/** The last lines of a child's log, to say why it failed. */
export function logTail(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = await Promise.race([gone.then(() => true), sleep(15_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await gone;
  }
  running.delete(child);
}

/** Stops every child still running (servers first, then the platform: it was started first). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].reverse().map((child) => stopChild(child).catch(() => undefined)));
}

function track(child: ChildProcess, logFd: number): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  closeSync(logFd);
}

/** Waits until `ready` answers true, or fails when the child exits first or time runs out. */
async function whenReady(child: ChildProcess, name: string, logFile: string, ready: () => Promise<boolean>) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited(child)) throw new Error(`${name} exited while starting (code ${child.exitCode}):\n${logTail(logFile)}`);
    if (await ready().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${name} did not become ready within 90 s:\n${logTail(logFile)}`);
}

/** Options of a sample-app process. */
export interface SampleAppOptions {
  name: string;
  adapter: 'express' | 'fastify';
  databaseUrl: string;
  platformUrl: string;
  platformKey: string;
  callbackSecret: string;
  jwtSecret: string;
  logDir: string;
  /** More environment, e.g. PHONE_CALL_MAX_WAITERS. */
  env?: Record<string, string>;
  /** Raise the open-file limit to this (as far as the hard limit allows) before starting. */
  fileLimit?: number;
  /** Node options before the script, e.g. a preload. */
  nodeArgs?: string[];
}

/**
 * The sample app (`dist/sample-app/src/main.js`) as its own process, on the SSMS provider pointed
 * at the fake platform (SSMS_API_URL), its rate limits and per-client budgets off (all the load
 * comes from 127.0.0.1) and admission control left on. Ready once `GET /health` answers 200.
 */
export async function startSampleApp(options: SampleAppOptions): Promise<ServerProcess> {
  const port = await freePort();
  const logFile = join(options.logDir, `${options.name}.log`);
  const logFd = openSync(logFile, 'a');
  const env = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    HTTP_ADAPTER: options.adapter,
    SSMS_API_KEY: options.platformKey,
    SSMS_API_URL: options.platformUrl,
    PHONE_CALL_CALLBACK_SECRET: options.callbackSecret,
    JWT_SECRET: options.jwtSecret,
    PHONE_CALL_LIMIT_PER_PHONE: 'off',
    PHONE_CALL_LIMIT_PER_IP: 'off',
    PHONE_CALL_LIMIT_PER_SUBNET: 'off',
    PHONE_CALL_LIMIT_GLOBAL: 'off',
    PHONE_CALL_CLIENT_BUDGETS: 'off',
    // The connection caps too: the memory phase holds 10,000 connections from 127.0.0.1.
    PHONE_CALL_MAX_CONNECTIONS_PER_ADDRESS: 'off',
    PHONE_CALL_MAX_CONNECTIONS_PER_NETWORK: 'off',
    ...options.env,
  };
  const main = join(ROOT, 'dist/sample-app/src/main.js');
  const args = [process.execPath, ...(options.nodeArgs ?? []), '--enable-source-maps', main];
  // `ulimit` is a shell builtin: the shell raises the soft limit (never lowers it: the app opens
  // many module files at once while it loads), then becomes node (same pid).
  const raise =
    'cur=$(ulimit -n); if [ "$cur" != unlimited ] && [ "$cur" -lt "$1" ]; then ' +
    'ulimit -n "$1" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; fi; shift; exec "$@"';
  const child = options.fileLimit
    ? spawn('/bin/sh', ['-c', raise, 'sh'].concat(String(options.fileLimit), args), {
        cwd: ROOT,
        env,
        stdio: ['ignore', logFd, logFd],
      })
    : spawn(args[0], args.slice(1), { cwd: ROOT, env, stdio: ['ignore', logFd, logFd] });
  track(child, logFd);
  const url = `http://127.0.0.1:${port}`;
  try {
    await whenReady(child, options.name, logFile, async () => {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return response.status === 200;
    });
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { name: options.name, url, pid: child.pid!, logFile, stop: () => stopChild(child) };
}

/**
 * One of the benchmark's own Node scripts (the floor, the fake platform) as a child process with
 * an IPC channel: it sends `{ ready: url }` once listening, and exits when the channel closes
 * (should this process die without stopping it).
 */
export async function startScript(
  name: string,
  script: string,
  env: Record<string, string>,
  logDir: string,
): Promise<ServerProcess & { ready: Record<string, string> }> {
  const logFile = join(logDir, `${name}.log`);
  const logFd = openSync(logFile, 'a');
  const child = fork(join(ROOT, 'dist/bench', script), [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv: ['--enable-source-maps'],
    stdio: ['ignore', logFd, logFd, 'ipc'],
  });
  track(child, logFd);
  const ready = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within 60 s:\n${logTail(logFile)}`)),
      60_000,
    );
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as Record<string, string>);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited while starting (code ${code}):\n${logTail(logFile)}`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  child.channel?.unref();
  return { name, url: ready.url, pid: child.pid!, logFile, ready, stop: () => stopChild(child) };
}

/** A process's resident memory in MB, from /proc/<pid>/status (Linux). */
export function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`No VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** A process's soft limit of open files, from /proc/<pid>/limits (Linux); undefined elsewhere. */
export function openFileLimit(pid: number | 'self'): number | undefined {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return !match ? undefined : match[1] === 'unlimited' ? Infinity : Number(match[1]);
  } catch {
    return undefined;
  }
}
