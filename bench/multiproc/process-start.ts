// Process start+join of a no-op, with multiproc: one at a time, then `n` at once.
import { Process, isMainProcess } from 'multiproc';
import { add, nowMs, params, report } from '../lib/side.mjs';

export function noop(): void {}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (isMainProcess()) {
  const { one, many, n } = params();
  const m: Record<string, number[]> = {};
  // Cold: no warm spare, every start is a fresh node.
  process.env.MULTIPROC_WARM_SPARE = '0';
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
  // Warm: the spare that one start leaves behind takes the next start, once it is up.
  delete process.env.MULTIPROC_WARM_SPARE;
  const prime = new Process({ target: noop });
  prime.start();
  await prime.join();
  for (let i = 0; i < one; i++) {
    await pause(500);
    const t = nowMs();
    const p = new Process({ target: noop });
    p.start();
    await p.join();
    add(m, 'warm', nowMs() - t);
    if (p.exitCode !== 0) throw new Error(`child exited with ${p.exitCode}`);
  }
  report(m);
}
