/*
 * Loaded into the sample app by the waiters phase (`node --expose-gc --import <this>`): on SIGUSR2
 * it writes V8's heap figures to the file named by BENCH_HEAP_REPORT, as one JSON line, read just
 * before and just after a full garbage collection. They tell the RSS apart: the heap's live
 * objects, the garbage it still holds, and the space V8 keeps committed.
 */
import { appendFileSync } from 'node:fs';
import v8 from 'node:v8';

/** Heap figures in MB. */
export interface HeapFigures {
  rss: number;
  /** Committed by V8 for its heap, all spaces. */
  heapTotal: number;
  heapUsed: number;
  /** The old generation: committed, and used. */
  oldSpace: number;
  oldSpaceUsed: number;
  newSpace: number;
}

const MB = 1024 * 1024;

function figures(): HeapFigures {
  const memory = process.memoryUsage();
  const space = (name: string) => v8.getHeapSpaceStatistics().find((each) => each.space_name === name);
  return {
    rss: memory.rss / MB,
    heapTotal: memory.heapTotal / MB,
    heapUsed: memory.heapUsed / MB,
    oldSpace: (space('old_space')?.space_size ?? 0) / MB,
    oldSpaceUsed: (space('old_space')?.space_used_size ?? 0) / MB,
    newSpace: (space('new_space')?.space_size ?? 0) / MB,
  };
}

const file = process.env.BENCH_HEAP_REPORT;
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  process.on('SIGUSR2', () => {
    const beforeGc = figures();
    gc();
    appendFileSync(file, `${JSON.stringify({ beforeGc, afterGc: figures() })}\n`);
  });
}
