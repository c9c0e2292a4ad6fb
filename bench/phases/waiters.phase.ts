import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchContext, startServer } from '../bench.context.js';
import { PREFIX } from '../load.js';
import { idOf, RANGES, secretOf, seedVerifications, settle, truncate } from '../seed.sql.js';
import { openFileLimit, ROOT, rssMegabytes } from '../support/children.js';
import type { HeapFigures } from '../support/heap-report.preload.js';
import { eachLimited } from '../support/net.js';
import { PgCountingProxy } from '../support/pg-counting-proxy.js';

export type WaiterKind = 'events' | 'long-polls';
export type WaiterAdapter = 'express' | 'fastify';

/** The server's resident memory around `count` waiting requests of one kind. */
export interface WaiterMemory {
  kind: WaiterKind;
  adapter: WaiterAdapter;
  /** Waiters asked for, and how many were open at once when the RSS was read. */
  count: number;
  open: number;
  rssBeforeMB: number;
  rssOpenMB: number;
  rssAfterMB: number;
  /** (open - before) / open, KB. */
  perWaiterKB: number;
  /** Seconds it took to open them all. */
  openSeconds: number;
  settleSeconds: number;
  serverFileLimit?: number;
  /** V8's heap with the waiters open, just before and just after a full garbage collection (MB). */
  heap?: { beforeGc: HeapFigures; afterGc: HeapFigures };
}

export type WaiterResults = Array<WaiterMemory | { kind: WaiterKind; adapter: WaiterAdapter; skipped: string }>;

/** A waiting request: closed by destroying its socket. */
interface Held {
  request: ClientRequest;
  /** The status it was answered with (a long-poll is answered only when it stops waiting). */
  answered?: number;
}

/** Warm-up waiters opened and closed first, so code loaded on first use is not counted. */
const WARM = 20;
/**
 * Waiters in their first checks at once while opening. The admission queue for polling holds 100
 * and answers 503 beyond (those are sent again); a long-poll's progress is only estimated (see
 * {@link sendLongPolls}) and an event stream's second check runs after its first event, so half
 * of that keeps the server busy without overflowing it much.
 */
const BATCH = 50;
const STREAMS_AT_ONCE = 50;
/** Sockets this process and the server need besides the waiters. */
const SPARE_FILES = 500;

/** Opens an event stream; resolves once its first event arrived (the status, pending), or with the refusal's status. */
function openEventStream(url: string, n: number): Promise<Held> {
  return new Promise((resolve, reject) => {
    const held: Held = {
      request: request(`${url}${PREFIX}/verifications/${idOf(n)}/events`, {
        agent: false,
        headers: { accept: 'text/event-stream', 'x-verification-secret': secretOf(n) },
      }),
    };
    held.request.on('response', (response) => {
      if (response.statusCode !== 200) {
        held.answered = response.statusCode;
        response.resume();
        resolve(held);
        return;
      }
      response.once('data', () => resolve(held));
      response.once('end', () => (held.answered = 200));
    });
    held.request.on('error', (error) => (held.answered === undefined ? reject(error) : undefined));
    held.request.end();
  });
}

/** Sends a `?wait=30` long-poll; `answered` is set if the server answers (refused, or its wait ended). */
function sendLongPoll(url: string, n: number, onAnswer?: () => void): Held {
  const body = JSON.stringify({ secret: secretOf(n) });
  const held: Held = {
    request: request(`${url}${PREFIX}/verifications/${idOf(n)}/token?wait=30`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }),
  };
  held.request.on('response', (response) => {
    held.answered = response.statusCode;
    onAnswer?.();
    response.resume();
  });
  held.request.on('error', () => {
    if (held.answered !== undefined) return;
    held.answered = -1;
    onAnswer?.();
  });
  held.request.end(body);
  return held;
}

/**
 * Sends long-polls with at most `BATCH` of them still in their first checks: a long-poll answers
 * nothing while it waits, so progress is read from the database traffic the proxy sees. The first
 * batch is sent alone and waited out, which gives the messages one long-poll's checks take; then
 * requests done = messages since / that many + requests answered (refused ones send no more).
 * Should the estimate hold requests back while the database has been quiet for half a second,
 * everything sent so far counts as done (at worst one batch too many, answered 503 and sent again).
 */
async function sendLongPolls(
  url: string,
  numbers: number[],
  proxy: PgCountingProxy,
): Promise<{ n: number; held: Held }[]> {
  const sent: { n: number; held: Held }[] = [];
  let answered = 0;
  const send = (count: number) => {
    for (const n of numbers.slice(sent.length, sent.length + count)) {
      sent.push({ n, held: sendLongPoll(url, n, () => answered++) });
    }
  };
  const base = proxy.counts.messages;
  send(BATCH);
  const started = performance.now();
  while (proxy.counts.messages === base && performance.now() - started < 5000) await sleep(2);
  await proxy.quiet(300);
  const perWaiter = Math.max(1, (proxy.counts.messages - base) / sent.length);
  let credit = 0;
  while (sent.length < numbers.length) {
    const inFlight = sent.length - ((proxy.counts.messages - base) / perWaiter + answered + credit);
    if (inFlight < BATCH) send(Math.ceil(BATCH - inFlight));
    else if (performance.now() - proxy.counts.lastAt > 500) credit += inFlight;
    await sleep(2);
  }
  return sent;
}

/**
 * Opens `numbers` waiters of `kind`, retrying those refused (503 while the admission queue is
 * full, 429), and answers them once the server has gone quiet: its first checks are done and
 * every one waits. Event streams are opened `STREAMS_AT_ONCE` at a time, each counted open at its
 * first event; long-polls as {@link sendLongPolls} paces them.
 */
async function openWaiters(url: string, kind: WaiterKind, numbers: number[], proxy: PgCountingProxy): Promise<Held[]> {
  const open: Held[] = [];
  let pending = numbers;
  for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
    const refused: number[] = [];
    if (kind === 'events') {
      await eachLimited(pending, STREAMS_AT_ONCE, async (n) => {
        const held = await openEventStream(url, n).catch(() => undefined);
        if (held && held.answered === undefined) open.push(held);
        else refused.push(n);
      });
    } else {
      const sent = await sendLongPolls(url, pending, proxy);
      await proxy.quiet(300);
      for (const { n, held } of sent) {
        if (held.answered === undefined) open.push(held);
        else refused.push(n);
      }
    }
    pending = refused;
    if (pending.length > 0) await sleep(200);
  }
  await proxy.quiet(300);
  return open.filter((held) => held.answered === undefined);
}

/** Asks the server for its heap figures (SIGUSR2, see heap-report.preload.ts) and waits for them, 10 s at most. */
async function readHeap(pid: number, file: string): Promise<WaiterMemory['heap']> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (existsSync(file)) {
      const line = readFileSync(file, 'utf8');
      if (line.endsWith('\n')) return JSON.parse(line) as WaiterMemory['heap'];
    }
    await sleep(50);
  }
  return undefined;
}

/** Closes the waiters' connections, as a client that goes away. */
function closeAll(held: Held[]): void {
  for (const each of held) each.request.destroy();
}

/**
 * The sample app on `adapter`, in a fresh process of its own for each kind, with the waiter limits
 * raised over `waiters` and its open-file limit raised as far as the hard limit allows: its RSS
 * after a warm-up, with `waiters` event streams (or `?wait=30` long-polls) open, and `settle`
 * seconds after they all closed. The database traffic goes through a counting proxy, only to tell
 * when the server has finished its checks.
 */
export async function waiterPhase(
  ctx: BenchContext,
  kind: WaiterKind,
  adapter: WaiterAdapter,
): Promise<WaiterMemory | { skipped: string }> {
  const { waiters: count, settle: settleSeconds } = ctx.options;
  const needed = count + WARM + SPARE_FILES;
  const own = openFileLimit('self');
  if (own !== undefined && own < needed) {
    const skipped = `this process may open ${own} files and needs ${needed}: run \`ulimit -n ${needed}\` first`;
    ctx.problems.push(`${kind}: skipped, ${skipped}`);
    return { skipped };
  }
  await truncate(ctx.db);
  await seedVerifications(ctx.db, {
    first: RANGES.waiters,
    count: count + WARM,
    status: 'pending',
    windowSeconds: 900,
  });
  await settle(ctx.db);
  const upstream = new URL(ctx.databaseUrl);
  const proxy = new PgCountingProxy({ host: upstream.hostname, port: Number(upstream.port || 5432) });
  await proxy.listen();
  const limit = String(count + WARM + 100);
  const heapReport = join(ctx.logDir, `${adapter}-${kind}.heap.jsonl`);
  const server = await startServer(ctx, adapter, {
    name: `${adapter}-${kind}`,
    databaseUrl: proxy.urlFor(ctx.databaseUrl),
    env: {
      PHONE_CALL_MAX_WAITERS: limit,
      PHONE_CALL_MAX_WAITERS_PER_ADDRESS: limit,
      BENCH_HEAP_REPORT: heapReport,
    },
    fileLimit: needed,
    nodeArgs: ['--expose-gc', '--import', join(ROOT, 'dist/bench/support/heap-report.preload.js')],
  });
  const held: Held[] = [];
  try {
    const serverFileLimit = openFileLimit(server.pid);
    if (serverFileLimit !== undefined && serverFileLimit < needed) {
      const skipped = `the server may open ${serverFileLimit} files and needs ${needed} (the hard limit is too low: raise it, e.g. in /etc/security/limits.conf or with \`ulimit -Hn\` as root)`;
      ctx.problems.push(`${kind}: skipped, ${skipped}`);
      return { skipped };
    }
    const numbers = Array.from({ length: count + WARM }, (_, index) => RANGES.waiters + index);
    const warm = await openWaiters(server.url, kind, numbers.slice(0, WARM), proxy);
    closeAll(warm);
    await proxy.quiet(300);
    await sleep(2000);
    const rssBeforeMB = rssMegabytes(server.pid);
    const started = performance.now();
    held.push(...(await openWaiters(server.url, kind, numbers.slice(WARM), proxy)));
    const openSeconds = (performance.now() - started) / 1000;
    const rssOpenMB = rssMegabytes(server.pid);
    const open = held.filter((each) => each.answered === undefined).length;
    // After the RSS is read: the collection may change what comes after, not what was measured.
    const heap = await readHeap(server.pid, heapReport);
    if (open < count) {
      ctx.problems.push(
        `${kind}: only ${open} of ${count} waiters were open at once (opening took ${openSeconds.toFixed(0)} s` +
          (kind === 'long-polls'
            ? '; a long-poll waits 30 s at most, so the first had ended: is the machine busy?)'
            : ')'),
      );
    }
    closeAll(held);
    await sleep(settleSeconds * 1000);
    const rssAfterMB = rssMegabytes(server.pid);
    const health = await fetch(`${server.url}/health`).then((response) => response.status);
    if (health !== 200)
      ctx.problems.push(`${kind}: the server answered /health with ${health} after the waiters closed`);
    const result: WaiterMemory = {
      kind,
      adapter,
      count,
      open,
      rssBeforeMB,
      rssOpenMB,
      rssAfterMB,
      perWaiterKB: ((rssOpenMB - rssBeforeMB) * 1024) / Math.max(1, open),
      openSeconds,
      settleSeconds,
      serverFileLimit,
      heap,
    };
    ctx.log(
      `${open} ${kind} on ${adapter}: RSS ${rssBeforeMB.toFixed(0)} MB before, ${rssOpenMB.toFixed(0)} MB open ` +
        `(${result.perWaiterKB.toFixed(1)} KB each), ${rssAfterMB.toFixed(0)} MB ${settleSeconds} s after closing`,
    );
    return result;
  } finally {
    closeAll(held);
    await server.stop();
    await proxy.close();
  }
}
