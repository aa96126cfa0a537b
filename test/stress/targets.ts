// Producers, consumers and tasks for the stress tests.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Queue } from 'multiproc';

/** Puts `count` numbered items for producer `id`, pausing now and then so that the storm hits it mid-stream. */
export async function produce(q: Queue<number | null>, id: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    q.put(id * 1_000_000 + i);
    if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Gets items until `null`, writing each one to `file` the moment it has it. */
export async function consume(q: Queue<number | null>, file: string): Promise<void> {
  const fd = openSync(file, 'a');
  for (;;) {
    const item = await q.get();
    if (item === null) break;
    writeSync(fd, `${item}\n`);
  }
  closeSync(fd);
}

/** A pool task that records that it ran (in the file named by STORM_FILE), then works a little. */
export function recordedTask(n: number): number {
  const fd = openSync(process.env.STORM_FILE!, 'a');
  writeSync(fd, `${n} ${process.pid}\n`);
  closeSync(fd);
  const end = Date.now() + 1;
  while (Date.now() < end) { /* about a millisecond of work */ }
  return n * 2;
}

export function noop(): void {}

export function square(x: number): number {
  return x * x;
}

/** Puts `count` numbered items for producer `id`, each once room is granted, and ends at once. */
export async function putThenExit(q: Queue<number>, id: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await q.put(id * 1_000_000 + i);
}

/** Keeps one CPU busy until `stop` holds an item (or `seconds` pass), yielding now and then so that it hears of it. */
export async function burnCpu(stop: Queue<unknown>, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end && stop.empty()) {
    const slice = Date.now() + 50;
    while (Date.now() < slice) { /* busy */ }
    await new Promise((resolve) => setImmediate(resolve));
  }
}
