import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

/** Clock ticks per second of /proc/<pid>/stat's times (`getconf CLK_TCK`, 100 on Linux nearly always). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** A process's parent pid and its CPU time so far (user + system, all its threads), ms; undefined once it is gone. */
function readStat(pid: number): { ppid: number; cpuMs: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: the fields after it are read.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return { ppid: Number(fields[1]), cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** CPU time used so far by a server process, and by each Postgres process (by pid), ms. */
export interface CpuSample {
  server?: number;
  postgres?: Map<number, number>;
}

/** CPU ms per request of the server and of Postgres. */
export interface CpuPerRequest {
  server?: number;
  postgres?: number;
}

/**
 * Reads the CPU time of a server process and of every process of the benchmark's Postgres server
 * (the postmaster and all its children: the backends of every pool, and the background writer,
 * WAL writer, checkpointer and autovacuum, whose work the writes cause too), from /proc (Linux).
 * Only one server is under load at a time, so the Postgres time of a run is that server's. A
 * Postgres on another machine cannot be read: then `postgres` is undefined.
 */
export class CpuMeter {
  private constructor(private readonly postmaster: number | undefined) {}

  /** Finds the postmaster as the parent of one of the benchmark's own backends. */
  static async forDatabase(db: pg.Pool): Promise<CpuMeter> {
    const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return new CpuMeter(readStat(rows[0].pid)?.ppid);
  }

  /** The server's CPU time and each Postgres process's. */
  sample(serverPid: number): CpuSample {
    return { server: readStat(serverPid)?.cpuMs, postgres: this.postgres() };
  }

  private postgres(): Map<number, number> | undefined {
    if (this.postmaster === undefined) return undefined;
    const own = readStat(this.postmaster);
    if (!own) return undefined;
    const times = new Map([[this.postmaster, own.cpuMs]]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readStat(Number(entry));
      if (stat?.ppid === this.postmaster) times.set(Number(entry), stat.cpuMs);
    }
    return times;
  }
}

/**
 * CPU ms per request between two samples: the server's, and the sum over the Postgres processes
 * alive at the end of what each used since the start (all of it for one started meanwhile; one
 * that exited meanwhile, an idle pool connection closing, is not counted).
 */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): CpuPerRequest {
  if (requests <= 0) return {};
  let postgres: number | undefined;
  if (before.postgres && after.postgres) {
    postgres = 0;
    for (const [pid, ms] of after.postgres) postgres += ms - (before.postgres.get(pid) ?? 0);
    postgres /= requests;
  }
  const server =
    before.server === undefined || after.server === undefined ? undefined : (after.server - before.server) / requests;
  return { server, postgres };
}
