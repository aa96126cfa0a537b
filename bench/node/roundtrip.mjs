// Raw Node baseline for ping-pong round trips: child_process.fork IPC with the 'json' and the
// 'advanced' serialization, main ↔ one child. One sample per run: the median µs of `trips`
// timed round trips after `warm` untimed ones.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { add, median, nowMs, params, report } from '../lib/side.mjs';

const ECHO = fileURLToPath(new URL('./echo.cjs', import.meta.url));

async function roundTrips(serialization, warm, trips) {
  const child = fork(ECHO, [], { serialization, stdio: 'inherit' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const times = [];
  for (let i = 0; i < warm + trips; i++) {
    const t = nowMs();
    await new Promise((resolve) => { child.once('message', resolve); child.send(i); });
    if (i >= warm) times.push((nowMs() - t) * 1000);
  }
  child.send(null);
  await exited;
  return median(times);
}

const { warm, trips, reps } = params();
const m = {};
for (let r = 0; r < reps; r++) {
  add(m, 'json.rt', await roundTrips('json', warm, trips));
  add(m, 'advanced.rt', await roundTrips('advanced', warm, trips));
}
report(m);
