import type { ServerKind, Step } from '../bench.options.js';
import { type BenchContext, checkStep, prepareStep } from '../bench.context.js';
import { load, type LoadResult } from '../load.js';
import type { ServerProcess } from '../support/children.js';
import { type CpuPerRequest, cpuPerRequest } from '../support/cpu.js';
import { median } from '../support/stats.js';

/** One measured run, with the CPU time per 2xx answer of the server and of Postgres during it (ms). */
export type MeasuredRun = LoadResult & { cpuMsPerReq?: CpuPerRequest };

/** One step on one server: every round's run, and the median. */
export interface ThroughputCell {
  rounds: MeasuredRun[];
  /** Median over the rounds of the 2xx answers per second. */
  reqPerSec: number;
  /** The latencies of the round whose req/s is the median. */
  p50: number;
  p99: number;
  /** Median over the rounds of this server's req/s divided by the floor's in the same round. */
  ratio?: number;
  /** Medians over the rounds of the CPU ms per request: the server's, Postgres's (see support/cpu.ts). */
  cpuMsPerReq?: CpuPerRequest;
  /** Median over the rounds of (server + Postgres CPU per request) divided by the floor's in the same round. */
  cpuRatio?: number;
}

export type ThroughputResults = Partial<Record<Step, Partial<Record<ServerKind, ThroughputCell>>>>;

/** The servers in round `round`'s order: the list rotated by one more place each round. */
function rotated<T>(items: T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * For each step, each server under autocannon (`connections`, a warm-up, then `duration`
 * seconds), alternating: round r runs the servers in an order rotated r places, so none always
 * runs first or last. Before each run the tables are emptied and seeded afresh.
 */
export async function throughputPhase(
  ctx: BenchContext,
  servers: Map<ServerKind, ServerProcess>,
): Promise<ThroughputResults> {
  const { steps, rounds, connections, warmup, duration, maxRate } = ctx.options;
  const kinds = [...servers.keys()];
  const runs = new Map<string, MeasuredRun[]>();
  const seeds = Math.ceil(maxRate * (warmup + duration));
  for (let round = 0; round < rounds; round++) {
    for (const step of steps) {
      for (const kind of rotated(kinds, round)) {
        const what = `${step} on ${kind}, round ${round + 1}/${rounds}`;
        const requests = await prepareStep(ctx, step, seeds);
        const { url, pid } = servers.get(kind)!;
        const warm = warmup > 0 ? await load(url, requests, { connections, duration: warmup }) : undefined;
        const before = ctx.cpu?.sample(pid);
        const loaded = await load(url, requests, { connections, duration });
        const after = ctx.cpu?.sample(pid);
        const result: MeasuredRun = {
          ...loaded,
          cpuMsPerReq: before && after ? cpuPerRequest(before, after, loaded.ok) : undefined,
        };
        await checkStep(ctx, what, requests, result.ok + (warm?.ok ?? 0), connections * (warm ? 2 : 1));
        if (result.ok === 0) ctx.problems.push(`${what}: no request succeeded (${JSON.stringify(result.statusCodes)})`);
        else if (result.non2xx + result.errors > 0) {
          ctx.problems.push(
            `${what}: ${result.non2xx} non-2xx answers and ${result.errors} errors (${JSON.stringify(result.statusCodes)})`,
          );
        }
        const cpu = result.cpuMsPerReq;
        ctx.log(
          `${what}: ${result.reqPerSec.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms` +
            (cpu?.server !== undefined
              ? `, CPU/req ${cpu.server.toFixed(2)} ms + Postgres ${cpu.postgres?.toFixed(2) ?? '?'} ms`
              : '') +
            (result.non2xx ? `, ${result.non2xx} non-2xx` : ''),
        );
        const key = `${step}/${kind}`;
        runs.set(key, [...(runs.get(key) ?? []), result]);
      }
    }
  }
  const results: ThroughputResults = {};
  for (const step of steps) {
    const row: Partial<Record<ServerKind, ThroughputCell>> = {};
    const floor = runs.get(`${step}/floor`);
    for (const kind of kinds) {
      const list = runs.get(`${step}/${kind}`)!;
      const reqPerSec = median(list.map((run) => run.reqPerSec));
      const middle = list.reduce((best, run) =>
        Math.abs(run.reqPerSec - reqPerSec) < Math.abs(best.reqPerSec - reqPerSec) ? run : best,
      );
      const ratio = floor ? median(list.map((run, round) => run.reqPerSec / floor[round].reqPerSec)) : undefined;
      const cpuMsPerReq = {
        server: defined(list.map((run) => run.cpuMsPerReq?.server)),
        postgres: defined(list.map((run) => run.cpuMsPerReq?.postgres)),
      };
      const cpuRatio = floor
        ? defined(list.map((run, round) => divide(totalCpu(run), totalCpu(floor[round]))))
        : undefined;
      row[kind] = { rounds: list, reqPerSec, p50: middle.p50, p99: middle.p99, ratio, cpuMsPerReq, cpuRatio };
    }
    results[step] = row;
  }
  return results;
}

/** Server + Postgres CPU ms per request of a run; undefined unless both were read. */
function totalCpu(run: MeasuredRun): number | undefined {
  const cpu = run.cpuMsPerReq;
  return cpu?.server === undefined || cpu.postgres === undefined ? undefined : cpu.server + cpu.postgres;
}

function divide(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

/** The median of the values read; undefined when none was. */
function defined(values: (number | undefined)[]): number | undefined {
  const read = values.filter((value): value is number => value !== undefined);
  return read.length > 0 ? median(read) : undefined;
}
