import type { BenchContext } from '../bench.context.js';
import { checkStep } from '../bench.context.js';
import { load, StepRequests, type LoadResult } from '../load.js';
import { RANGES, seedHistory, seedVerifications, settle, truncate, verificationRows } from '../seed.sql.js';
import type { ServerProcess } from '../support/children.js';
import { median } from '../support/stats.js';

/** The callback step on one table size: each round's run, and the median. */
export interface TableSizeRuns {
  rows: number;
  rounds: LoadResult[];
  reqPerSec: number;
  /** Of the round whose req/s is the median. */
  p50: number;
  p99: number;
}

/** The callback step on a small and on a large verification table. */
export interface TableSizeResults {
  server: string;
  callbacks: number;
  small: TableSizeRuns;
  large: TableSizeRuns;
  /** Median over the rounds of req/s on the large table / req/s on the small one in the same round. */
  ratio: number;
}

/**
 * The callback step with the verification table holding `tableSmall` rows, then `tableLarge`
 * rows: the pending verifications that `tableCallbacks` callbacks (and a tenth as many before them,
 * to warm up) verify, and closed verifications of other phones for the rest (see seedHistory).
 * A fixed number of callbacks, not a duration, so that the small table is that small whatever the
 * rate; req/s is the callbacks answered over the time they took. `rounds` rounds, the two sizes in
 * turn (the first one alternating), each run on a table emptied and seeded afresh.
 */
export async function tableSizePhase(ctx: BenchContext, server: ServerProcess): Promise<TableSizeResults> {
  const { connections, tableSmall, tableLarge, tableCallbacks } = ctx.options;
  const warmCallbacks = Math.max(connections, Math.ceil(tableCallbacks / 10));
  // autocannon builds one request per connection ahead: seeds for those too.
  const targets = warmCallbacks + tableCallbacks + 2 * connections;
  const run = async (size: number) => {
    await truncate(ctx.db);
    const seeded = Date.now();
    await seedVerifications(ctx.db, { first: RANGES.callback, count: targets, status: 'pending', windowSeconds: 900 });
    await seedHistory(ctx.db, size - targets);
    await settle(ctx.db);
    const rows = await verificationRows(ctx.db);
    ctx.log(`table size: ${rows} rows seeded in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
    const requests = new StepRequests('callback', RANGES.callback, targets, ctx.callbackSecret);
    const warm = await load(server.url, requests, { connections, amount: warmCallbacks });
    const result = await load(server.url, requests, { connections, amount: tableCallbacks });
    await checkStep(ctx, `callback on ${server.name} with ${rows} rows`, requests, warm.ok + result.ok);
    ctx.log(
      `callback on ${rows} rows: ${result.reqPerSec.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`,
    );
    return { ...result, rows };
  };
  const runs: Record<'small' | 'large', LoadResult[]> = { small: [], large: [] };
  const rows = { small: tableSmall, large: tableLarge };
  for (let round = 0; round < ctx.options.rounds; round++) {
    const order = round % 2 === 0 ? (['small', 'large'] as const) : (['large', 'small'] as const);
    for (const size of order) {
      const result = await run(size === 'small' ? tableSmall : tableLarge);
      rows[size] = result.rows;
      runs[size].push(result);
    }
  }
  const summary = (size: 'small' | 'large'): TableSizeRuns => {
    const reqPerSec = median(runs[size].map((each) => each.reqPerSec));
    const middle = runs[size].reduce((best, each) =>
      Math.abs(each.reqPerSec - reqPerSec) < Math.abs(best.reqPerSec - reqPerSec) ? each : best,
    );
    return { rows: rows[size], rounds: runs[size], reqPerSec, p50: middle.p50, p99: middle.p99 };
  };
  return {
    server: server.name,
    callbacks: tableCallbacks,
    small: summary('small'),
    large: summary('large'),
    ratio: median(runs.large.map((each, round) => each.reqPerSec / runs.small[round].reqPerSec)),
  };
}
