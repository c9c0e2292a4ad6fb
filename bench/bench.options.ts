import { parseArgs } from 'node:util';

/** The three steps of a verification that the benchmark loads. */
export const STEPS = ['start', 'callback', 'redeem'] as const;
export type Step = (typeof STEPS)[number];

/** The servers compared: the bare floor, and the sample app on each HTTP adapter. */
export const SERVERS = ['floor', 'express', 'fastify'] as const;
export type ServerKind = (typeof SERVERS)[number];

/** The parts of a run, in the order they run; `--only` and `--skip` pick among them. */
export const PHASES = ['round-trips', 'throughput', 'table-size', 'push', 'waiters'] as const;
export type Phase = (typeof PHASES)[number];

/** What one `npm run bench` does; every field has a flag and a `BENCH_*` variable. */
export interface BenchOptions {
  smoke: boolean;
  /** Seconds of each measured autocannon run. */
  duration: number;
  /** Seconds of load before each measured run, not counted. */
  warmup: number;
  /** Rounds over the three servers, the order rotated each round; the median is reported. */
  rounds: number;
  /** autocannon connections. */
  connections: number;
  steps: Step[];
  servers: ServerKind[];
  phases: Phase[];
  /** Requests per step in the round-trip counting phase. */
  countRequests: number;
  /** The rate (req/s) the seeds are sized for: each run seeds `maxRate` x (warm-up + duration) rows. */
  maxRate: number;
  /** Rows in the verification table for the two table-size runs. */
  tableSmall: number;
  tableLarge: number;
  /** Callbacks measured on each table (after a tenth as many to warm up); each verifies one of its rows. */
  tableCallbacks: number;
  /** Verifications timed in the push-latency phase, and how many at once. */
  push: number;
  pushConcurrency: number;
  /** Milliseconds between sending a long-poll and the callback that ends it (the waiter registers meanwhile). */
  pushSettleMs: number;
  /** Open event streams, then long-polls, in the memory phase. */
  waiters: number;
  /** Seconds to wait after the waiters closed before reading the RSS again. */
  settle: number;
  /** Where the results go, without the extension. */
  output: string;
}

type Spec = { flag: string; env: string; full: number; smoke: number; min: number };

const NUMBERS: Record<
  Exclude<keyof BenchOptions, 'smoke' | 'steps' | 'servers' | 'phases' | 'output'>,
  Omit<Spec, 'flag' | 'env'>
> = {
  duration: { full: 10, smoke: 2, min: 0.5 },
  warmup: { full: 3, smoke: 0.5, min: 0 },
  rounds: { full: 3, smoke: 1, min: 1 },
  connections: { full: 32, smoke: 32, min: 1 },
  countRequests: { full: 200, smoke: 20, min: 1 },
  maxRate: { full: 6000, smoke: 6000, min: 1 },
  tableSmall: { full: 10_000, smoke: 1_000, min: 1 },
  tableLarge: { full: 1_000_000, smoke: 20_000, min: 1 },
  tableCallbacks: { full: 5000, smoke: 300, min: 1 },
  push: { full: 1000, smoke: 20, min: 1 },
  pushConcurrency: { full: 8, smoke: 4, min: 1 },
  pushSettleMs: { full: 100, smoke: 100, min: 0 },
  waiters: { full: 10_000, smoke: 50, min: 1 },
  settle: { full: 10, smoke: 1, min: 0 },
};

/** `tableSmall` -> `table-small` and `BENCH_TABLE_SMALL`. */
const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
const envName = (name: string) => `BENCH_${kebab(name).replace(/-/g, '_').toUpperCase()}`;

function list<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const items = value.split(',').map((item) => item.trim());
  const unknown = items.filter((item) => !(allowed as readonly string[]).includes(item));
  if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.join(', ')}; choose from ${allowed.join(', ')}.`);
  return items as T[];
}

/** The usage text of `npm run bench -- --help`. */
export function usage(): string {
  const lines = Object.entries(NUMBERS).map(
    ([name, spec]) =>
      `  --${kebab(name)} <n>`.padEnd(28) + `${envName(name)}`.padEnd(30) + `${spec.full} (smoke: ${spec.smoke})`,
  );
  return [
    'Usage: npm run bench [-- options]   (flags win over BENCH_* variables)',
    '  --smoke                   BENCH_SMOKE=1                 a short run that checks the harness (CI)',
    `  --steps <list>            BENCH_STEPS                   ${STEPS.join(',')}`,
    `  --servers <list>          BENCH_SERVERS                 ${SERVERS.join(',')}`,
    `  --only <list>             BENCH_ONLY                    ${PHASES.join(',')}`,
    '  --skip <list>             BENCH_SKIP                    phases to leave out',
    '  --output <path>           BENCH_OUTPUT                  bench/results/latest (smoke: bench/results/smoke)',
    ...lines,
    'DATABASE_URL: run on that Postgres server (in a database of its own, dropped at the end) instead of an embedded one.',
  ].join('\n');
}

/** Reads the flags, then the BENCH_* variables, then the defaults (the smoke ones with --smoke). */
export function readOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | 'help' {
  const options = Object.fromEntries(Object.keys(NUMBERS).map((name) => [kebab(name), { type: 'string' as const }]));
  const { values } = parseArgs({
    args: argv,
    options: {
      ...options,
      smoke: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      steps: { type: 'string' },
      servers: { type: 'string' },
      only: { type: 'string' },
      skip: { type: 'string' },
      output: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const smoke = values.smoke === true || /^(1|true|yes)$/i.test(env.BENCH_SMOKE ?? '');
  const read = (name: string): string | undefined => {
    const value = values[kebab(name) as keyof typeof values];
    return typeof value === 'string' ? value : env[envName(name)];
  };
  const numbers = Object.fromEntries(
    Object.entries(NUMBERS).map(([name, spec]) => {
      const text = read(name);
      const value = text === undefined || text === '' ? (smoke ? spec.smoke : spec.full) : Number(text);
      if (!Number.isFinite(value) || value < spec.min) {
        throw new Error(`--${kebab(name)} (${envName(name)}) must be a number >= ${spec.min}, got "${text}".`);
      }
      return [name, value];
    }),
  ) as Pick<BenchOptions, keyof typeof NUMBERS>;
  for (const name of [
    'rounds',
    'connections',
    'countRequests',
    'push',
    'waiters',
    'tableSmall',
    'tableLarge',
  ] as const) {
    numbers[name] = Math.round(numbers[name]);
  }
  const only = list('--only', read('only'), PHASES);
  const skip = list('--skip', read('skip'), PHASES) ?? [];
  return {
    smoke,
    ...numbers,
    steps: list('--steps', read('steps'), STEPS) ?? [...STEPS],
    servers: list('--servers', read('servers'), SERVERS) ?? [...SERVERS],
    phases: PHASES.filter((phase) => (only ?? PHASES).includes(phase) && !skip.includes(phase)),
    output: read('output') || (smoke ? 'bench/results/smoke' : 'bench/results/latest'),
  };
}
