import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchOptions, ServerKind, Step } from './bench.options.js';
import { SERVERS, STEPS } from './bench.options.js';
import type { PushResults } from './phases/push.phase.js';
import type { RoundTripResults } from './phases/round-trips.phase.js';
import type { TableSizeResults } from './phases/table-size.phase.js';
import type { ThroughputResults } from './phases/throughput.phase.js';
import type { WaiterResults } from './phases/waiters.phase.js';
import type { CpuPerRequest } from './support/cpu.js';
import type { Machine } from './support/machine.js';

/** Everything a run measured, as written to `<output>.json`. */
export interface BenchResults {
  date: string;
  mode: 'full' | 'smoke';
  command: string;
  options: BenchOptions;
  machine: Machine;
  throughput?: ThroughputResults;
  roundTrips?: RoundTripResults;
  tableSize?: TableSizeResults;
  push?: PushResults;
  waiters?: WaiterResults;
  problems: string[];
  seconds: number;
}

const LABELS: Record<ServerKind, string> = { floor: 'floor', express: 'app, Express', fastify: 'app, Fastify' };

const fixed = (value: number | undefined, digits = 0) =>
  value === undefined || Number.isNaN(value)
    ? '-'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The main table's rows: one per step and server. */
function mainRows(results: BenchResults): string[][] {
  const rows: string[][] = [];
  for (const step of STEPS) {
    for (const kind of SERVERS) {
      const cell = results.throughput?.[step]?.[kind];
      const trips = results.roundTrips?.[kind]?.[step as Step];
      if (!cell && trips === undefined) continue;
      rows.push([
        step,
        LABELS[kind],
        fixed(cell?.reqPerSec),
        fixed(cell?.p50, 1),
        fixed(cell?.p99, 1),
        cell?.ratio === undefined ? '-' : fixed(cell.ratio, 2),
        cpuCell(cell?.cpuMsPerReq),
        fixed(trips, 2),
      ]);
    }
  }
  return rows;
}

const HEADER = [
  'step',
  'server',
  'req/s',
  'p50 ms',
  'p99 ms',
  'x floor',
  'CPU ms/req: server + Postgres',
  'SQL round trips/req',
];

/** `0.52 + 0.31`: the server's CPU per request and Postgres's. */
function cpuCell(cpu: CpuPerRequest | undefined): string {
  return cpu?.server === undefined ? '-' : `${fixed(cpu.server, 2)} + ${fixed(cpu.postgres, 2)}`;
}

/** The targets for the sample app against the floor, and whether this run meets them. */
const TARGETS = { ratio: 0.5, cpuRatio: 2, eventStreamsMB: 300, eventStreams: 10_000 } as const;

const verdict = (met: boolean | undefined) => (met === undefined ? 'not measured' : met ? 'met' : 'NOT met');

/** One line per target: start and callback against the floor, RSS with 10,000 event streams on Express. */
function targetLines(results: BenchResults): string[] {
  const lines: string[] = [];
  const adapters = (['express', 'fastify'] as const).filter(
    (kind) => results.throughput?.start?.[kind] ?? results.throughput?.callback?.[kind],
  );
  const start = results.throughput?.start;
  if (start && adapters.some((kind) => start[kind]?.ratio !== undefined)) {
    const cells = adapters.map((kind) => `${LABELS[kind]} ${fixed(start[kind]?.ratio, 2)}`);
    const met = adapters.every((kind) => (start[kind]?.ratio ?? 0) >= TARGETS.ratio);
    lines.push(`start at least ${TARGETS.ratio} x floor: ${cells.join(', ')}: ${verdict(met)}`);
  }
  const callback = results.throughput?.callback;
  const floor = callback?.floor;
  if (callback && floor && adapters.some((kind) => callback[kind]?.ratio !== undefined)) {
    const cells = adapters.map((kind) => {
      const cell = callback[kind];
      return `${LABELS[kind]} ${fixed(cell?.ratio, 2)} (CPU ${cpuCell(cell?.cpuMsPerReq)} ms, ${fixed(cell?.cpuRatio, 2)} x the floor's)`;
    });
    const met = adapters.every((kind) => {
      const cell = callback[kind];
      return (cell?.ratio ?? 0) >= TARGETS.ratio || (cell?.cpuRatio ?? Infinity) <= TARGETS.cpuRatio;
    });
    lines.push(
      `callback at least ${TARGETS.ratio} x floor, or CPU per request at most ${TARGETS.cpuRatio} x the floor's ` +
        `(floor: ${cpuCell(floor.cpuMsPerReq)} ms): ${cells.join(', ')}: ${verdict(met)}`,
    );
  }
  const streams = results.waiters?.find((memory) => memory.kind === 'events' && memory.adapter === 'express');
  if (streams) {
    const measured = !('skipped' in streams) && streams.count >= TARGETS.eventStreams;
    lines.push(
      `RSS under ${TARGETS.eventStreamsMB} MB with ${fixed(TARGETS.eventStreams)} event streams on Express: ` +
        ('skipped' in streams
          ? verdict(undefined)
          : `${fixed(streams.rssOpenMB)} MB with ${fixed(streams.open)} open: ` +
            verdict(
              measured ? streams.open >= TARGETS.eventStreams && streams.rssOpenMB < TARGETS.eventStreamsMB : undefined,
            )),
    );
  }
  return lines;
}

/** A plain-text table, columns padded, numbers right-aligned. */
function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(header: string[], rows: string[][]): string {
  const align = header.map((_, column) => (column < 2 ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The lines after the main table: table size, push latency, waiters, problems. */
function extraLines(results: BenchResults): string[] {
  const lines: string[] = [];
  const size = results.tableSize;
  if (size) {
    lines.push(
      `Table size (${fixed(size.callbacks)} callbacks on ${size.server}): ${fixed(size.small.rows)} rows ${fixed(size.small.reqPerSec)} req/s ` +
        `(p99 ${fixed(size.small.p99, 1)} ms), ${fixed(size.large.rows)} rows ${fixed(size.large.reqPerSec)} req/s ` +
        `(p99 ${fixed(size.large.p99, 1)} ms): ratio large/small ${fixed(size.ratio, 2)}`,
    );
  }
  const push = results.push;
  if (push) {
    lines.push(
      `Cross-instance push (long-poll on instance A, callback on instance B, ${push.count} verifications, ` +
        `${push.concurrency} at a time): p50 ${fixed(push.p50, 1)} ms, p99 ${fixed(push.p99, 1)} ms, max ${fixed(push.max, 1)} ms`,
    );
  }
  for (const memory of results.waiters ?? []) {
    const kind = memory.kind === 'events' ? 'event streams' : '?wait=30 long-polls';
    const adapter = memory.adapter === 'express' ? 'Express' : 'Fastify';
    if ('skipped' in memory) {
      lines.push(`RSS with ${kind} (${adapter}): skipped (${memory.skipped})`);
      continue;
    }
    lines.push(
      `RSS with ${fixed(memory.open)} ${kind} (${adapter}): ` +
        `${fixed(memory.rssBeforeMB)} MB before, ${fixed(memory.rssOpenMB)} MB open ` +
        `(${fixed(memory.perWaiterKB, 1)} KB each; opened in ${fixed(memory.openSeconds)} s), ` +
        `${fixed(memory.rssAfterMB)} MB ${memory.settleSeconds} s after they closed`,
    );
    const heap = memory.heap;
    if (heap) {
      lines.push(
        `V8 heap with those open: ${fixed(heap.beforeGc.heapTotal)} MB committed, ${fixed(heap.beforeGc.heapUsed)} MB used ` +
          `(old space ${fixed(heap.beforeGc.oldSpace)} MB committed, ${fixed(heap.beforeGc.oldSpaceUsed)} MB used); ` +
          `after a full GC ${fixed(heap.afterGc.heapUsed)} MB used (old space ${fixed(heap.afterGc.oldSpaceUsed)} MB), ` +
          `${fixed(heap.afterGc.heapTotal)} MB still committed`,
      );
    }
  }
  return lines;
}

function machineLine({ machine }: BenchResults): string {
  return (
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB; ${machine.os}; Node ${machine.node}; ` +
    `Postgres ${machine.postgres} (${machine.postgresSource}); load average at start ${machine.loadStart.join(' ')}` +
    (machine.loadEnd ? `, at end ${machine.loadEnd.join(' ')}` : '') +
    (machine.commit ? `; commit ${machine.commit}` : '')
  );
}

function settings({ options }: BenchResults): string {
  return (
    `autocannon ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s, ` +
    `${options.rounds} round(s) alternating the servers, median reported; round trips over ${options.countRequests} requests`
  );
}

/** The report for the terminal. */
export function textReport(results: BenchResults): string {
  return [
    '',
    `${results.mode === 'smoke' ? 'SMOKE RUN (not a measurement) ' : ''}${results.date}`,
    machineLine(results),
    settings(results),
    '',
    ...(mainRows(results).length ? [textTable(HEADER, mainRows(results)), ''] : []),
    ...extraLines(results),
    ...(targetLines(results).length ? ['', 'Targets:', ...targetLines(results).map((line) => `- ${line}`)] : []),
    ...(results.problems.length ? ['', 'Problems:', ...results.problems.map((problem) => `- ${problem}`)] : []),
    '',
  ].join('\n');
}

/** The report as Markdown, for `<output>.md` (bench/README.md quotes it). */
export function markdownReport(results: BenchResults): string {
  return [
    `# Benchmark ${results.mode === 'smoke' ? '(smoke run, not a measurement) ' : ''}of ${results.date}`,
    '',
    `Command: \`${results.command}\` (${results.seconds.toFixed(0)} s)`,
    '',
    `Machine: ${machineLine(results)}`,
    '',
    `Settings: ${settings(results)}.`,
    '',
    ...(mainRows(results).length ? [markdownTable(HEADER, mainRows(results)), ''] : []),
    ...extraLines(results).flatMap((line) => [`- ${line}`]),
    ...(targetLines(results).length ? ['', '## Targets', '', ...targetLines(results).map((line) => `- ${line}`)] : []),
    ...(results.problems.length ? ['', '## Problems', '', ...results.problems.map((problem) => `- ${problem}`)] : []),
    '',
  ].join('\n');
}

/** Writes `<output>.json` and `<output>.md`. */
export function writeResults(results: BenchResults, output: string): void {
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(`${output}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${output}.md`, markdownReport(results));
}
