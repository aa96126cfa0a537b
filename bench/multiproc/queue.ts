// Queue producer → consumer with multiproc: n small ints, and n items of `size` bytes, with the
// consumer in a second child (both children) and in the main process (child → main). A queue
// lives in the process that created it (here the main process), so "both children" routes every
// item child → main → child, and "child → main" is one hop.
//
// Timing: each child first moves one warm-up item (so connections are open), then marks itself
// ready; the main process then writes a start file, and the producer takes t0 (a machine-wide
// monotonic clock) when it sees it; the consumer takes t1 after its last get().
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Process, Queue, isMainProcess } from 'multiproc';
import { add, monoMs, params, readNumber, report, waitForFile, waitForFiles, writeNumber } from '../lib/side.mjs';

export async function producer(q: Queue<unknown>, n: number, size: number, ready: string, go: string, t0File: string): Promise<void> {
  const big = size ? Buffer.alloc(size, 1) : undefined;
  void q.put(big ?? -1);
  writeFileSync(ready, '');
  await waitForFile(go);
  const t0 = monoMs();
  if (big) for (let i = 0; i < n; i++) void q.put(big);
  else for (let i = 0; i < n; i++) void q.put(i);
  writeNumber(t0File, t0);
}

export async function consumer(q: Queue<unknown>, n: number, ready: string, t1File: string): Promise<void> {
  await q.get();
  writeFileSync(ready, '');
  for (let i = 0; i < n; i++) await q.get();
  writeNumber(t1File, monoMs());
}

/** One transfer; returns its duration in ms. */
async function once(n: number, size: number, bothChildren: boolean, tmp: string, tag: string): Promise<number> {
  const f = (name: string) => path.join(tmp, `${tag}-${name}`);
  const q = new Queue<unknown>();
  const p = new Process({ target: producer, args: [q, n, size, f('ready-p'), f('go'), f('t0')] });
  let t1: number;
  if (bothChildren) {
    const c = new Process({ target: consumer, args: [q, n, f('ready-c'), f('t1')] });
    c.start();
    p.start();
    await waitForFiles([f('ready-p'), f('ready-c')]);
    writeFileSync(f('go'), '');
    await c.join();
    await p.join();
    if (c.exitCode !== 0) throw new Error(`consumer exited with ${c.exitCode}`);
    t1 = readNumber(f('t1'));
  } else {
    p.start();
    await q.get();
    await waitForFiles([f('ready-p')]);
    writeFileSync(f('go'), '');
    for (let i = 0; i < n; i++) await q.get();
    t1 = monoMs();
    await p.join();
  }
  if (p.exitCode !== 0) throw new Error(`producer exited with ${p.exitCode}`);
  q.close();
  return t1 - readNumber(f('t0'));
}

if (isMainProcess()) {
  const { n, bigN, size, reps, only, tmp } = params();
  const m: Record<string, number[]> = {};
  let k = 0;
  for (let r = 0; r < reps; r++) {
    // `only: 'smallCC'` is the observer workload's run: the time of 100k items, both children.
    if (only === 'smallCC') {
      add(m, 'smallCCms', await once(n, 0, true, tmp, `r${k++}`));
      continue;
    }
    add(m, 'smallCC', n / (await once(n, 0, true, tmp, `r${k++}`)) * 1000);
    add(m, 'smallCM', n / (await once(n, 0, false, tmp, `r${k++}`)) * 1000);
    add(m, 'bigCC', (bigN * size) / 2 ** 20 / (await once(bigN, size, true, tmp, `r${k++}`)) * 1000);
    add(m, 'bigCM', (bigN * size) / 2 ** 20 / (await once(bigN, size, false, tmp, `r${k++}`)) * 1000);
  }
  report(m);
}
