// Pipe producer → consumer with multiproc: n small ints over Pipe(false), consumer in a second
// child (both children) and in the main process. A pipe connects its two ends directly, so both
// are one hop. The transfer and its timing are in ../lib/transfer.ts, shared with queue.ts.
import { Pipe, isMainProcess } from 'multiproc';
import { timeTransfer } from '../lib/transfer.ts';
import { add, params, report } from '../lib/side.mjs';

if (isMainProcess()) {
  const { n, reps, tmp } = params();
  const m: Record<string, number[]> = {};
  let k = 0;
  const once = (bothChildren: boolean) => {
    const [r, w] = Pipe(false);
    return timeTransfer(w, r, { n, size: 0, bothChildren, tmp, tag: `r${k++}` });
  };
  for (let r = 0; r < reps; r++) {
    add(m, 'smallCC', (n / (await once(true))) * 1000);
    add(m, 'smallCM', (n / (await once(false))) * 1000);
  }
  report(m);
}
