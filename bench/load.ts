import autocannon from 'autocannon';
import type { Step } from './bench.options.js';
import { callToOf, idOf, phoneOf, secretOf, waitIdOf } from './seed.sql.js';

/** The module's route prefix in the sample app (and the floor's routes). */
export const PREFIX = '/auth/phone-call';

/** One autocannon run, reduced to what the report shows. */
export interface LoadResult {
  /** 2xx answers per second over the run. */
  reqPerSec: number;
  /** Latency percentiles, ms (all answers). */
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  seconds: number;
  statusCodes: Record<string, number>;
}

/**
 * The requests of a step, each one different: a new phone for each start, the next seeded
 * pending verification for each callback, the next seeded verified one for each redeem.
 * Numbers are handed out from `first` on, across all connections; past `first + count` the seed
 * is used up (redeem and callback then fail or match nothing), which {@link exhausted} tells.
 */
export class StepRequests {
  private next: number;

  constructor(
    readonly step: Step,
    private readonly first: number,
    private readonly count: number,
    private readonly callbackSecret: string,
  ) {
    this.next = first;
  }

  /** Numbers handed out so far. */
  get used(): number {
    return this.next - this.first;
  }

  get exhausted(): boolean {
    return this.used > this.count;
  }

  /** The request for number `n`, as autocannon takes it. */
  build(n: number): autocannon.Request {
    switch (this.step) {
      case 'start':
        return {
          method: 'POST',
          path: `${PREFIX}/verifications`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ phone: phoneOf(n) }),
        };
      case 'callback': {
        // The SSMS inbound-call GET, as the fake platform sends it: digits, no plus.
        const query = new URLSearchParams({
          phone: phoneOf(n).slice(1),
          call_to_number: callToOf(n).slice(1),
          id_call: waitIdOf(n),
        });
        return { method: 'GET', path: `${PREFIX}/callback/${this.callbackSecret}?${query}` };
      }
      case 'redeem':
        return {
          method: 'POST',
          path: `${PREFIX}/verifications/${idOf(n)}/token`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ secret: secretOf(n) }),
        };
    }
  }

  /** The autocannon request whose `setupRequest` takes the next number each time. */
  request(): autocannon.Request {
    // autocannon has filled in the host and port: keep them, replace the rest.
    return { ...this.build(this.first), setupRequest: (request) => ({ ...request, ...this.build(this.next++) }) };
  }
}

/** The autocannon run in progress, stopped on Ctrl-C. */
let current: autocannon.Instance | undefined;

/** Stops the autocannon run in progress, if any. */
export function stopLoad(): void {
  current?.stop();
}

/** Runs autocannon against `url` for `duration` seconds, or for `amount` requests. */
export async function load(
  url: string,
  requests: StepRequests,
  p: { connections: number; duration?: number; amount?: number },
): Promise<LoadResult> {
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    current = autocannon(
      {
        url,
        connections: p.connections,
        ...(p.amount ? { amount: p.amount } : { duration: p.duration }),
        requests: [requests.request()],
        timeout: 30,
        // autocannon ends a run at its next sample tick (1 s by default): an amount-based run's time
        // would be rounded up to whole seconds.
        sampleInt: 10,
      },
      (error, done) => (error ? reject(error as Error) : resolve(done)),
    );
  }).finally(() => {
    current = undefined;
  });
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0]),
  );
  return {
    reqPerSec: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
    statusCodes,
  };
}
