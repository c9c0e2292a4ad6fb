import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type BenchOptions, readOptions, type ServerKind, usage } from './bench.options.js';
import { type BenchContext, startServer } from './bench.context.js';
import { stopLoad } from './load.js';
import { pushPhase } from './phases/push.phase.js';
import { roundTripPhase } from './phases/round-trips.phase.js';
import { tableSizePhase } from './phases/table-size.phase.js';
import { throughputPhase } from './phases/throughput.phase.js';
import { waiterPhase } from './phases/waiters.phase.js';
import { type BenchResults, textReport, writeResults } from './report.js';
import { ROOT, type ServerProcess, startScript, stopAll } from './support/children.js';
import { CpuMeter } from './support/cpu.js';
import { describeMachine } from './support/machine.js';
import { type BenchDatabase, startDatabase } from './support/postgres.js';

/*
 * `npm run bench`: the benchmark of the three steps of a verification (start, callback, redeem)
 * on a bare floor server and on the sample app on Express and on Fastify, plus the SQL round trips
 * per step, the effect of the table's size, the cross-instance push latency and the memory per
 * waiting request. See bench/README.md. Every server is a child process; whatever happens
 * (an error, Ctrl-C, SIGTERM), they are stopped, then Postgres, before this process exits.
 */

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

let database: BenchDatabase | undefined;
let db: pg.Pool | undefined;
let logDir: string | undefined;
let cleaning: Promise<void> | undefined;
let interrupted = false;

/** Stops the load, the servers, then Postgres; once, however many times it is called. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    stopLoad();
    await stopAll();
    await db?.end().catch(() => undefined);
    await database?.stop().catch((error: Error) => log(`Could not stop Postgres: ${error.message}`));
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping the servers and Postgres`);
    void cleanup().finally(() => {
      if (logDir) rmSync(logDir, { recursive: true, force: true });
      process.exit(128 + os.constants.signals[signal]);
    });
  });
}

async function main(options: BenchOptions): Promise<number> {
  const started = performance.now();
  if (!existsSync(join(ROOT, 'dist/sample-app/src/main.js'))) {
    throw new Error('dist/ has no build of the sample app: run `npm run build` (or `npm run bench`, which builds).');
  }
  logDir = mkdtempSync(join(os.tmpdir(), 'phone-call-auth-bench-logs-'));
  log(`servers' logs in ${logDir}`);
  database = await startDatabase(process.env.DATABASE_URL || undefined);
  db = new pg.Pool({ connectionString: database.url, max: 2 });
  const machine = await describeMachine(db, database.source, ROOT);
  log(`Postgres ${machine.postgres} (${database.source}); load average ${machine.loadStart.join(' ')}`);
  const platform = await startScript('platform', 'platform/platform.server.js', {}, logDir);
  const ctx: BenchContext = {
    options,
    db,
    cpu: await CpuMeter.forDatabase(db).catch(() => undefined),
    databaseUrl: database.url,
    platform: { url: platform.url, apiKey: platform.ready.apiKey },
    callbackSecret: randomBytes(16).toString('hex'),
    jwtSecret: randomBytes(32).toString('base64url'),
    logDir,
    problems: [],
    log,
  };
  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: options.smoke ? 'smoke' : 'full',
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    options,
    machine,
    problems: ctx.problems,
    seconds: 0,
  };
  const { phases } = options;

  if (phases.includes('round-trips')) {
    log('round trips per step (through a counting proxy)');
    results.roundTrips = await roundTripPhase(ctx, options.servers);
  }

  const servers = new Map<ServerKind, ServerProcess>();
  const server = async (kind: ServerKind) => {
    if (!servers.has(kind)) servers.set(kind, await startServer(ctx, kind));
    return servers.get(kind)!;
  };
  if (phases.includes('throughput')) {
    // Started side by side: a Nest app takes seconds to boot.
    await Promise.all(options.servers.map((kind) => server(kind)));
    log(`throughput: ${options.rounds} round(s) of ${options.steps.join(', ')} on ${options.servers.join(', ')}`);
    results.throughput = await throughputPhase(ctx, servers);
  }
  for (const kind of ['floor', 'fastify'] as const) {
    await servers.get(kind)?.stop();
    servers.delete(kind);
  }
  if (phases.includes('table-size')) {
    log('table size: the callback on a small and on a large table');
    results.tableSize = await tableSizePhase(ctx, await server('express'));
  }
  if (phases.includes('push')) {
    log('cross-instance push latency');
    const b = await startServer(ctx, 'express', { name: 'express-b' });
    try {
      results.push = await pushPhase(ctx, await server('express'), b);
    } finally {
      await b.stop();
    }
  }
  await servers.get('express')?.stop();
  if (phases.includes('waiters')) {
    results.waiters = [];
    const adapters = options.servers.filter((server) => server !== 'floor');
    for (const adapter of adapters) {
      for (const kind of ['events', 'long-polls'] as const) {
        log(`memory with ${options.waiters} ${kind} on ${adapter}`);
        const memory = await waiterPhase(ctx, kind, adapter);
        results.waiters.push('skipped' in memory ? { kind, adapter, ...memory } : memory);
      }
    }
  }

  machine.loadEnd = os.loadavg().map((value) => Math.round(value * 100) / 100);
  results.seconds = (performance.now() - started) / 1000;
  writeResults(results, resolve(ROOT, options.output));
  process.stdout.write(textReport(results));
  log(`results written to ${options.output}.json and ${options.output}.md`);
  if (ctx.problems.length > 0 && options.smoke) {
    log(`${ctx.problems.length} problem(s): the harness is broken (smoke runs fail on any problem)`);
    return 1;
  }
  return 0;
}

let options: BenchOptions | 'help';
try {
  options = readOptions(process.argv.slice(2));
} catch (error) {
  log((error as Error).message);
  process.stderr.write(`${usage()}\n`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}
let code = 1;
try {
  code = await main(options);
} catch (error) {
  // Interrupted: the work in progress fails as the servers go away; the signal handler exits.
  if (!interrupted) {
    log(`failed: ${(error as Error).stack ?? String(error)}`);
    if (logDir) log(`the servers' logs are kept in ${logDir}`);
  }
} finally {
  await cleanup();
}
if (code === 0 && logDir) rmSync(logDir, { recursive: true, force: true });
process.exit(code);
