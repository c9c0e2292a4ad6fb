import type { ServerKind, Step } from '../bench.options.js';
import { type BenchContext, checkStep, prepareStep, startServer } from '../bench.context.js';
import { load } from '../load.js';
import type { ServerProcess } from '../support/children.js';
import { PgCountingProxy } from '../support/pg-counting-proxy.js';

/** SQL round trips per request, by server and step. */
export type RoundTripResults = Partial<Record<ServerKind, Partial<Record<Step, number>>>>;

/** A few requests first, so pool connections are open and nothing is counted that happens once. */
const WARM_REQUESTS = 8;
/** No frontend message for this long means the server is done with the requests. */
const QUIET_MS = 300;

/**
 * Counts, from outside, the SQL round trips each server makes per request of each step: a fresh
 * instance of the server is started with its database URL pointing at a {@link PgCountingProxy},
 * sent `countRequests` requests (4 connections), and the Sync and Query messages that passed
 * while it served them are divided by the requests answered 2xx. Not during the throughput runs.
 */
export async function roundTripPhase(ctx: BenchContext, kinds: ServerKind[]): Promise<RoundTripResults> {
  const { steps, countRequests } = ctx.options;
  const upstream = new URL(ctx.databaseUrl);
  const results: RoundTripResults = {};
  const proxies = new Map<ServerKind, PgCountingProxy>();
  const servers = new Map<ServerKind, ServerProcess>();
  try {
    // Started side by side (a Nest app takes seconds to boot), then counted one at a time.
    await Promise.all(
      kinds.map(async (kind) => {
        const proxy = new PgCountingProxy({ host: upstream.hostname, port: Number(upstream.port || 5432) });
        proxies.set(kind, proxy);
        await proxy.listen();
        const databaseUrl = proxy.urlFor(ctx.databaseUrl);
        servers.set(kind, await startServer(ctx, kind, { name: `${kind}-counted`, databaseUrl }));
      }),
    );
    for (const kind of kinds) {
      const [proxy, server] = [proxies.get(kind)!, servers.get(kind)!];
      results[kind] = {};
      for (const step of steps) {
        const requests = await prepareStep(ctx, step, WARM_REQUESTS + countRequests);
        const warm = await load(server.url, requests, { connections: 1, amount: WARM_REQUESTS });
        await proxy.quiet(QUIET_MS);
        const before = proxy.roundTrips;
        const counted = await load(server.url, requests, { connections: 4, amount: countRequests });
        await proxy.quiet(QUIET_MS);
        const roundTrips = proxy.roundTrips - before;
        const what = `round trips of ${step} on ${kind}`;
        await checkStep(ctx, what, requests, warm.ok + counted.ok);
        if (counted.ok !== countRequests) {
          ctx.problems.push(`${what}: ${counted.ok} of ${countRequests} requests answered 2xx`);
        }
        if (roundTrips === 0) ctx.problems.push(`${what}: the proxy counted no round trip`);
        results[kind][step] = counted.ok > 0 ? roundTrips / counted.ok : NaN;
        ctx.log(`${what}: ${results[kind][step]!.toFixed(2)} per request (${roundTrips} for ${counted.ok})`);
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
    await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
  }
  return results;
}
