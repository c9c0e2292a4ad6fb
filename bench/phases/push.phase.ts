import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../bench.context.js';
import { PREFIX, StepRequests } from '../load.js';
import { idOf, RANGES, secretOf, seedVerifications, settle, truncate } from '../seed.sql.js';
import type { ServerProcess } from '../support/children.js';
import { eachLimited } from '../support/net.js';
import { percentile } from '../support/stats.js';

/** Cross-instance push latency, ms. */
export interface PushResults {
  count: number;
  concurrency: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Two instances of the sample app on one database: a `?wait=30` long-poll for a pending
 * verification on instance A, then that verification's callback on instance B. The time from
 * B's answer to A's answer is how long the change takes to reach a waiting client on another
 * instance (Postgres NOTIFY, A's wake-up, A's redeem). `pushSettleMs` after sending the long-poll,
 * the callback goes out: the long-poll registers its waiter meanwhile, which cannot be seen from
 * outside. `pushConcurrency` verifications at a time.
 */
export async function pushPhase(ctx: BenchContext, a: ServerProcess, b: ServerProcess): Promise<PushResults> {
  const { push: count, pushConcurrency: concurrency, pushSettleMs } = ctx.options;
  await truncate(ctx.db);
  await seedVerifications(ctx.db, { first: RANGES.push, count, status: 'pending', windowSeconds: 600 });
  await settle(ctx.db);
  const callbacks = new StepRequests('callback', RANGES.push, count, ctx.callbackSecret);
  const numbers = Array.from({ length: count }, (_, index) => RANGES.push + index);
  const latencies: number[] = [];
  let failures = 0;
  await eachLimited(numbers, concurrency, async (n) => {
    let answeredAt = 0;
    const longPoll = fetch(`${a.url}${PREFIX}/verifications/${idOf(n)}/token?wait=30`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: secretOf(n) }),
    }).then(async (response) => {
      answeredAt = performance.now();
      await response.arrayBuffer();
      return response.status;
    });
    await sleep(pushSettleMs);
    const callback = await fetch(`${b.url}${callbacks.build(n).path}`);
    const calledAt = performance.now();
    await callback.arrayBuffer();
    const status = await longPoll;
    if (callback.status !== 200 || status !== 200) {
      failures++;
      return;
    }
    latencies.push(answeredAt - calledAt);
  });
  if (failures > 0) ctx.problems.push(`push latency: ${failures} of ${count} long-polls or callbacks failed`);
  const result = {
    count: latencies.length,
    concurrency,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    mean: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
  };
  ctx.log(`push latency over ${result.count}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`);
  return result;
}
