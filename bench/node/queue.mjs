// Raw Node baseline for producer → consumer: child_process.fork IPC, child → parent (the only
// direct path fork IPC has), with the 'json' serialization (small ints) and 'advanced' (small
// ints and 1 MiB Buffers; a Buffer through 'json' becomes an array of numbers). Same timing as
// the multiproc and Python sides: warm-up message, start message, t0 in the child (a
// machine-wide monotonic clock), t1 at the parent's last message.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { add, monoMs, params, report } from '../lib/side.mjs';

const SENDER = fileURLToPath(new URL('./sender.cjs', import.meta.url));

/** One transfer of n messages child → parent; returns its duration in ms. */
export function transfer(serialization, n, size) {
  return new Promise((resolve, reject) => {
    const child = fork(SENDER, [], { serialization, stdio: 'inherit' });
    let got = -1;
    let t1;
    child.on('message', (msg) => {
      if (got === -1) {
        got = 0;
        child.send('go');
      } else if (got < n) {
        if (++got === n) t1 = monoMs();
      } else {
        resolve(t1 - msg.t0);
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => { if (code !== 0) reject(new Error(`sender exited with ${code}`)); });
    child.send({ n, size });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { n, bigN, size, reps } = params();
  const m = {};
  for (let r = 0; r < reps; r++) {
    add(m, 'json.smallCM', (n / (await transfer('json', n, 0))) * 1000);
    add(m, 'advanced.smallCM', (n / (await transfer('advanced', n, 0))) * 1000);
    add(m, 'advanced.bigCM', ((bigN * size) / 2 ** 20 / (await transfer('advanced', bigN, size))) * 1000);
  }
  report(m);
}
