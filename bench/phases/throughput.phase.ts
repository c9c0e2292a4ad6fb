import type { ServerKind, Step } from '../bench.options.js';
import { type BenchContext, checkStep, prepareStep } from '../bench.context.js';
import { load, type LoadResult } from '../load.js';
import type { ServerProcess } from '../support/children.js';
import { median } from '../support/stats.js';

/** One step on one server: every round's run, and the median. */
export interface ThroughputCell {
  rounds: LoadResult[];
  /** Median over the rounds of the 2xx answers per second. */
  reqPerSec: number;
  /** The latencies of the round whose req/s is the median. */
  p50: number;
  p99: number;
  /** Median over the rounds of this server's req/s divided by the floor's in the same round. */
  ratio?: number;
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
  const runs = new Map<string, LoadResult[]>();
  const seeds = Math.ceil(maxRate * (warmup + duration));
  for (let round = 0; round < rounds; round++) {
    for (const step of steps) {
      for (const kind of rotated(kinds, round)) {
        const what = `${step} on ${kind}, round ${round + 1}/${rounds}`;
        const requests = await prepareStep(ctx, step, seeds);
        const url = servers.get(kind)!.url;
        const warm = warmup > 0 ? await load(url, requests, { connections, duration: warmup }) : undefined;
        const result = await load(url, requests, { connections, duration });
        await checkStep(ctx, what, requests, result.ok + (warm?.ok ?? 0), connections * (warm ? 2 : 1));
        if (result.ok === 0) ctx.problems.push(`${what}: no request succeeded (${JSON.stringify(result.statusCodes)})`);
        else if (result.non2xx + result.errors > 0) {
          ctx.problems.push(
            `${what}: ${result.non2xx} non-2xx answers and ${result.errors} errors (${JSON.stringify(result.statusCodes)})`,
          );
        }
        ctx.log(
          `${what}: ${result.reqPerSec.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms` +
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
      row[kind] = { rounds: list, reqPerSec, p50: middle.p50, p99: middle.p99, ratio };
    }
    results[step] = row;
  }
  return results;
}
