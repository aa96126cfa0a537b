// A long stream through a bounded queue between two children, with the RSS of the producer, the
// consumer and the queue's owner (this process) sampled as it runs: back-pressure holds if
// every process stays flat however many items pass.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Process, Queue } from 'multiproc';
import * as t from './flow-targets.ts';

export interface FlowOptions { items: number; maxsize: number; pad: number; sampleMs: number }

export interface Samples { owner: number[]; producer: number[]; consumer: number[] }

export interface FlowResult {
  seconds: number;
  inOrder: number;
  firstBad: unknown;
  exitCodes: [number | null, number | null];
  /** The largest depth the owner saw: never above maxsize if producers wait for room. */
  maxDepth: number;
  /** RSS in MiB, one sample every sampleMs. */
  rss: Samples;
}

/** Resident set size of a live process in MiB, from /proc (NaN once it is gone). */
export function rssMiB(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export async function runFlow(options: FlowOptions): Promise<FlowResult> {
  const { items, maxsize, pad, sampleMs } = options;
  const q = new Queue<number | string>(maxsize);
  const out = new Queue<{ inOrder: number; firstBad: unknown }>();
  const started = performance.now();
  const consumer = new Process({ target: t.getSequence, args: [q, items, pad, out] });
  const producer = new Process({ target: t.putSequence, args: [q, items, pad] });
  consumer.start();
  producer.start();
  const rss: Samples = { owner: [], producer: [], consumer: [] };
  let maxDepth = 0;
  const sampler = setInterval(() => {
    const depth = q.qsize();
    maxDepth = Math.max(maxDepth, depth);
    // Samples start with the stream, not while the children are still loading.
    if (maxDepth === 0) return;
    const now = { owner: rssMiB(process.pid), producer: rssMiB(producer.pid!), consumer: rssMiB(consumer.pid!) };
    // Only while all three live: a process that has ended has no RSS to compare.
    if (Object.values(now).every((v) => !Number.isNaN(v))) {
      for (const k of ['owner', 'producer', 'consumer'] as const) rss[k].push(now[k]);
    }
  }, sampleMs);
  try {
    const { inOrder, firstBad } = await out.get();
    await producer.join();
    await consumer.join();
    return {
      seconds: (performance.now() - started) / 1000, inOrder, firstBad, exitCodes: [producer.exitCode, consumer.exitCode], maxDepth, rss,
    };
  } finally {
    clearInterval(sampler);
    for (const p of [producer, consumer]) if (p.exitCode === null) p.kill();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * How much a process grew over the run: the highest sample of the last quarter less the median
 * of the first quarter. Peaks of the garbage collector's sawtooth count against it; a leak or a
 * queue that does not push back grows with every item and shows however it is measured.
 */
export function growth(samples: number[]): { start: number; end: number; growth: number } {
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const start = median(samples.slice(0, quarter));
  const end = Math.max(...samples.slice(-quarter));
  return { start, end, growth: end - start };
}

export function describeFlow(r: FlowResult): string {
  const parts = (['producer', 'consumer', 'owner'] as const).map((k) => {
    const g = growth(r.rss[k]);
    return `${k} ${g.start.toFixed(1)} → ${g.end.toFixed(1)} MiB (+${g.growth.toFixed(1)})`;
  });
  return `${r.inOrder} items in order in ${r.seconds.toFixed(1)} s (${Math.round(r.inOrder / r.seconds)}/s), ` +
    `max depth ${r.maxDepth}, ${r.rss.owner.length} RSS samples: ${parts.join(', ')}`;
}

/**
 * The most a process may grow over a run. V8's heap settles at its working size during the run
 * (up to ~35 MiB above the first samples on a cold machine); with no back-pressure the items
 * themselves pile up (200 MiB in the short run, 118 MiB in the producer of the 1M run).
 */
export const MAX_GROWTH_MIB = 60;

export async function checkFlow(options: FlowOptions): Promise<FlowResult> {
  const r = await runFlow(options);
  process.stdout.write(`# flow: ${describeFlow(r)}\n`);
  assert.deepEqual(r.exitCodes, [0, 0], 'producer and consumer exit codes');
  assert.equal(r.firstBad, undefined, 'the first item out of order');
  assert.equal(r.inOrder, options.items, 'items received in order');
  assert.ok(r.maxDepth <= options.maxsize, `depth ${r.maxDepth} went above maxsize ${options.maxsize}`);
  for (const k of ['owner', 'producer', 'consumer'] as const) {
    assert.ok(r.rss[k].length >= 8, `only ${r.rss[k].length} RSS samples of the ${k}`);
    const g = growth(r.rss[k]);
    assert.ok(g.growth < MAX_GROWTH_MIB, `the ${k} grew from ${g.start.toFixed(1)} to ${g.end.toFixed(1)} MiB`);
  }
  return r;
}
