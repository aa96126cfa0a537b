// Pipe producer → consumer with multiproc: n small ints over Pipe(false), consumer in a second
// child (both children) and in the main process. A pipe connects its two ends directly, so both
// are one hop. Timing as in queue.ts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Connection, Pipe, Process, isMainProcess } from 'multiproc';
import { add, monoMs, params, readNumber, report, waitForFile, waitForFiles, writeNumber } from '../lib/side.mjs';

export async function producer(w: Connection, n: number, ready: string, go: string, t0File: string): Promise<void> {
  w.send(-1);
  writeFileSync(ready, '');
  await waitForFile(go);
  const t0 = monoMs();
  for (let i = 0; i < n; i++) w.send(i);
  writeNumber(t0File, t0);
  w.close();
}

export async function consumer(r: Connection, n: number, ready: string, t1File: string): Promise<void> {
  await r.recv();
  writeFileSync(ready, '');
  for (let i = 0; i < n; i++) await r.recv();
  writeNumber(t1File, monoMs());
}

async function once(n: number, bothChildren: boolean, tmp: string, tag: string): Promise<number> {
  const f = (name: string) => path.join(tmp, `${tag}-${name}`);
  const [r, w] = Pipe(false);
  const p = new Process({ target: producer, args: [w, n, f('ready-p'), f('go'), f('t0')] });
  let t1: number;
  if (bothChildren) {
    const c = new Process({ target: consumer, args: [r, n, f('ready-c'), f('t1')] });
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
    await r.recv();
    await waitForFiles([f('ready-p')]);
    writeFileSync(f('go'), '');
    for (let i = 0; i < n; i++) await r.recv();
    t1 = monoMs();
    await p.join();
    r.close();
  }
  if (p.exitCode !== 0) throw new Error(`producer exited with ${p.exitCode}`);
  return t1 - readNumber(f('t0'));
}

if (isMainProcess()) {
  const { n, reps, tmp } = params();
  const m: Record<string, number[]> = {};
  let k = 0;
  for (let r = 0; r < reps; r++) {
    add(m, 'smallCC', (n / (await once(n, true, tmp, `r${k++}`))) * 1000);
    add(m, 'smallCM', (n / (await once(n, false, tmp, `r${k++}`))) * 1000);
  }
  report(m);
}
