// Raw Node baselines for process start+join of a no-op: child_process.fork (IPC channel, as
// multiproc has), child_process.spawn of the same file, and a bare `node -e 0`.
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { add, nowMs, params, report } from '../lib/side.mjs';

const NOOP = fileURLToPath(new URL('./noop.cjs', import.meta.url));
const exited = (child) => new Promise((resolve, reject) => {
  child.once('error', reject);
  child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
});
const kinds = {
  fork: () => fork(NOOP, [], { stdio: 'inherit' }),
  spawn: () => spawn(process.execPath, [NOOP], { stdio: 'inherit' }),
  bare: () => spawn(process.execPath, ['-e', '0'], { stdio: 'inherit' }),
};

const { one, many, n } = params();
const m = {};
// Interleaved kind by kind, so that drift within this run hits all three.
for (let i = 0; i < Math.max(one, many); i++) {
  for (const [kind, start] of Object.entries(kinds)) {
    if (i < one) {
      const t = nowMs();
      await exited(start());
      add(m, `${kind}.one`, nowMs() - t);
    }
    if (i < many) {
      const t = nowMs();
      await Promise.all(Array.from({ length: n }, () => exited(start())));
      add(m, `${kind}.many`, nowMs() - t);
    }
  }
}
report(m);
