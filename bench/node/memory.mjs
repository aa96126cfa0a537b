// Raw Node memory baselines: an idle child started with child_process.fork (IPC channel, as
// multiproc has) and with a bare `node -e` spawn; the main process's RSS with n of them.
import { fork, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { params, pssMiB, report, rssMiB, sleep, waitForFiles } from '../lib/side.mjs';

const IDLE = fileURLToPath(new URL('./idle.mjs', import.meta.url));
const BARE = "require('node:fs').writeFileSync(process.argv[1], ''); setInterval(() => {}, 1 << 30)";
const kinds = {
  fork: (marker) => fork(IDLE, [marker], { stdio: 'inherit' }),
  bare: (marker) => spawn(process.execPath, ['-e', BARE, marker], { stdio: 'inherit' }),
};

async function startIdle(kind, count, tmp, tag) {
  const markers = Array.from({ length: count }, (_, i) => path.join(tmp, `${kind}-${tag}-${i}`));
  const children = markers.map((marker) => kinds[kind](marker));
  await waitForFiles(markers);
  await sleep(params().settleMs);
  return children;
}

async function stop(children) {
  await Promise.all(children.map((c) => new Promise((resolve) => { c.once('exit', resolve); c.kill('SIGTERM'); })));
}

const { n, tmp } = params();
const m = {};
for (const kind of Object.keys(kinds)) {
  const one = await startIdle(kind, 1, tmp, 'one');
  m[`${kind}.idleChild`] = [rssMiB(one[0].pid)];
  await stop(one);
  const children = await startIdle(kind, n, tmp, 'many');
  m[`${kind}.main`] = [rssMiB()];
  m[`${kind}.treePss`] = [pssMiB() + children.reduce((sum, c) => sum + pssMiB(c.pid), 0)];
  await stop(children);
}
report(m);
