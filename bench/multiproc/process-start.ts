// Process start+join of a no-op, with multiproc: one at a time, then `n` at once.
import { Process, isMainProcess } from 'multiproc';
import { add, nowMs, params, report } from '../lib/side.mjs';

export function noop(): void {}

if (isMainProcess()) {
  const { one, many, n } = params();
  const m: Record<string, number[]> = {};
  for (let i = 0; i < one; i++) {
    const t = nowMs();
    const p = new Process({ target: noop });
    p.start();
    await p.join();
    add(m, 'one', nowMs() - t);
    if (p.exitCode !== 0) throw new Error(`child exited with ${p.exitCode}`);
  }
  for (let i = 0; i < many; i++) {
    const t = nowMs();
    const ps = Array.from({ length: n }, () => new Process({ target: noop }));
    for (const p of ps) p.start();
    for (const p of ps) await p.join();
    add(m, 'many', nowMs() - t);
  }
  report(m);
}
