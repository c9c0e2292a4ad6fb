import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { BenchOptions, ServerKind, Step } from './bench.options.js';
import { startSampleApp, startScript, type ServerProcess } from './support/children.js';
import type { CpuMeter } from './support/cpu.js';
import { StepRequests } from './load.js';
import { RANGES, seedVerifications, settle, statusCounts, truncate } from './seed.sql.js';

/** What every phase needs: the options, the database, the fake platform, the secrets, and where problems go. */
export interface BenchContext {
  options: BenchOptions;
  /** The benchmark's own small pool on the benchmark's database, for seeding and checking. */
  db: pg.Pool;
  /** Reads the servers' and Postgres's CPU time (Linux); undefined where /proc cannot be read. */
  cpu?: CpuMeter;
  databaseUrl: string;
  platform: { url: string; apiKey: string };
  callbackSecret: string;
  jwtSecret: string;
  /** Where the servers' logs go. */
  logDir: string;
  /** What went wrong without stopping the run: printed, written to the results, and fatal in smoke mode. */
  problems: string[];
  /** A progress line on stderr. */
  log(line: string): void;
}

/** Starts one of the compared servers, on `databaseUrl` (the counting proxy's, say) or the benchmark's database. */
export function startServer(
  ctx: BenchContext,
  kind: ServerKind,
  p: {
    name?: string;
    databaseUrl?: string;
    env?: Record<string, string>;
    fileLimit?: number;
    nodeArgs?: string[];
  } = {},
): Promise<ServerProcess> {
  const name = p.name ?? kind;
  const databaseUrl = p.databaseUrl ?? ctx.databaseUrl;
  if (kind === 'floor') {
    return startScript(
      name,
      'floor/floor.server.js',
      {
        DATABASE_URL: databaseUrl,
        PLATFORM_URL: ctx.platform.url,
        PLATFORM_KEY: ctx.platform.apiKey,
        CALLBACK_SECRET: ctx.callbackSecret,
        JWT_SECRET: ctx.jwtSecret,
      },
      ctx.logDir,
    );
  }
  return startSampleApp({
    name,
    adapter: kind,
    databaseUrl,
    platformUrl: ctx.platform.url,
    platformKey: ctx.platform.apiKey,
    callbackSecret: ctx.callbackSecret,
    jwtSecret: ctx.jwtSecret,
    logDir: ctx.logDir,
    env: p.env,
    fileLimit: p.fileLimit,
    nodeArgs: p.nodeArgs,
  });
}

/** autocannon builds one request per connection ahead that it may never send: seeds for those too. */
const SEED_SLACK = 256;

/**
 * Empties the tables and seeds `count` verifications for the step (none for start), then brings
 * statistics up to date; answers the requests that use them.
 */
export async function prepareStep(ctx: BenchContext, step: Step, requested: number): Promise<StepRequests> {
  const count = requested + SEED_SLACK;
  await truncate(ctx.db);
  if (step !== 'start') {
    await seedVerifications(ctx.db, {
      first: RANGES[step],
      count,
      status: step === 'callback' ? 'pending' : 'verified',
      windowSeconds: 600,
    });
  }
  await settle(ctx.db);
  return new StepRequests(step, RANGES[step], step === 'start' ? Number.MAX_SAFE_INTEGER : count, ctx.callbackSecret);
}

/**
 * The verifications by status once the server has finished the requests still in flight when the
 * load stopped (their clients are gone, but the server completes them): unchanged for 300 ms.
 * Otherwise they would land in the next run's freshly emptied tables.
 */
async function drained(ctx: BenchContext): Promise<Record<string, number>> {
  let last = '';
  let counts: Record<string, number> = {};
  for (let stable = 0, tries = 0; stable < 3 && tries < 100; tries++) {
    counts = await statusCounts(ctx.db);
    const now = JSON.stringify(counts);
    stable = now === last ? stable + 1 : 0;
    last = now;
    await sleep(100);
  }
  return counts;
}

/** What each successful request of a step leaves behind in the verification table. */
const LEAVES: Record<Step, string> = { start: 'pending', callback: 'verified', redeem: 'consumed' };

/**
 * Checks that the step's 2xx answers did what they say: as many new pending verifications as
 * starts answered 201, verified ones as callbacks answered 200 (a callback is answered OK even when
 * it matches nothing), consumed ones as tokens issued. autocannon does not count the requests still
 * in flight when a timed run ends, which the server may still complete: up to `inFlight` more.
 * A mismatch beyond that is a problem of the harness.
 */
export async function checkStep(
  ctx: BenchContext,
  what: string,
  requests: StepRequests,
  ok: number,
  inFlight = 0,
): Promise<void> {
  const counts = await drained(ctx);
  const done = counts[LEAVES[requests.step]] ?? 0;
  if (done < ok || done > ok + inFlight) {
    ctx.problems.push(
      `${what}: ${ok} requests answered 2xx (and up to ${inFlight} were cut off), but ${done} verifications are ` +
        `${LEAVES[requests.step]} (${JSON.stringify(counts)})`,
    );
  }
  if (requests.exhausted) {
    ctx.problems.push(`${what}: the seed ran out (${requests.used} requests); raise --max-rate`);
  }
}
