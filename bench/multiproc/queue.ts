// Queue producer → consumer with multiproc: n small ints, and n items of `size` bytes, with the
// consumer in a second child (both children) and in the main process (child → main). A queue
// lives in the process that created it (here the main process), so "both children" routes every
// item child → main → child, and "child → main" is one hop.
//
// The transfer and its timing are in ../lib/transfer.ts, shared with pipe.ts.
import { Queue, isMainProcess } from 'multiproc';
import { timeTransfer } from '../lib/transfer.ts';
import { add, params, report } from '../lib/side.mjs';

/** One transfer through a new queue (owned by this process); returns its duration in ms. */
function once(n: number, size: number, bothChildren: boolean, tmp: string, tag: string): Promise<number> {
  const q = new Queue<unknown>();
  return timeTransfer(q, q, { n, size, bothChildren, tmp, tag });
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
