// Memory with multiproc: RSS of one idle child; the main process's RSS with `n` idle children.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Process, isMainProcess } from 'multiproc';
import { params, pssMiB, report, rssMiB, sleep, waitForFiles } from '../lib/side.mjs';

/** Marks itself ready, then idles until terminated. */
export async function idle(marker: string): Promise<void> {
  writeFileSync(marker, '');
  await new Promise(() => setInterval(() => {}, 1 << 30));
}

async function startIdle(count: number, tmp: string, tag: string) {
  const markers = Array.from({ length: count }, (_, i) => path.join(tmp, `${tag}-${i}`));
  const ps = markers.map((marker) => new Process({ target: idle, args: [marker], daemon: true }));
  for (const p of ps) p.start();
  await waitForFiles(markers);
  await sleep(params().settleMs);
  return ps;
}

async function stop(ps: Process[]) {
  for (const p of ps) p.terminate();
  for (const p of ps) await p.join();
}

if (isMainProcess()) {
  const { n, tmp } = params();
  const one = await startIdle(1, tmp, 'one');
  const idleChild = rssMiB(one[0].pid);
  await stop(one);
  const ps = await startIdle(n, tmp, 'many');
  const main = rssMiB();
  const tree = pssMiB() + ps.reduce((sum, p) => sum + pssMiB(p.pid), 0);
  await stop(ps);
  report({ idleChild: [idleChild], main: [main], treePss: [tree] });
}
