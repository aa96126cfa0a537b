// Pool with 2 workers, with multiproc: start (constructor + first result), apply round trip,
// applyAsync burst, map of trivial items (default chunksize, and 1000), imap, map of CPU tasks
// of ~5 ms (efficiency = tasks × single-task time / workers / wall time), shutdown (close+join).
import { Pool, isMainProcess } from 'multiproc';
import { add, median, nowMs, params, report } from '../lib/side.mjs';

export function ident(x: number): number {
  return x;
}

/** CPU work: k steps of an integer recurrence. */
export function spin(k: number): number {
  let x = 0;
  for (let i = 0; i < k; i++) x = (x * 31 + i) % 1000003;
  return x;
}

/** Steps for ~`ms` of spin() in this process (after warming it up), and one task's median time. */
function calibrate(ms: number): { k: number; taskMs: number } {
  let k = 100_000;
  for (let i = 0; i < 5; i++) {
    const t = nowMs();
    spin(k);
    k = Math.max(1000, Math.round((k * ms) / Math.max(0.01, nowMs() - t)));
  }
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t = nowMs();
    spin(k);
    times.push(nowMs() - t);
  }
  return { k, taskMs: median(times) };
}

if (isMainProcess()) {
  const { workers, applyTrips, burst, reps, mapN, imapN, cpuTasks, cpuMs } = params();
  const m: Record<string, number[]> = {};
  const { k, taskMs } = calibrate(cpuMs);

  let t = nowMs();
  const pool = new Pool(workers);
  await pool.apply(ident, [0]);
  add(m, 'start', nowMs() - t);

  // Let both workers be up before the steady-state figures.
  await pool.map(ident, [1, 2, 3, 4], 1);
  const trips: number[] = [];
  for (let i = 0; i < applyTrips + 50; i++) {
    t = nowMs();
    await pool.apply(ident, [i]);
    if (i >= 50) trips.push((nowMs() - t) * 1000);
  }
  add(m, 'applyRT', median(trips));

  // The first burst and map in a fresh pool run while V8 is still compiling the hot paths; the
  // target rows take the median of the `reps` that follow (Python's figures barely move).
  const bursts: number[] = [];
  for (let b = 0; b <= reps; b++) {
    t = nowMs();
    const results = [];
    for (let i = 0; i < burst; i++) results.push(pool.applyAsync(ident, [i]));
    for (const r of results) await r.get();
    const rate = (burst / (nowMs() - t)) * 1000;
    if (b === 0) add(m, 'burstFirst', rate);
    else bursts.push(rate);
  }
  add(m, 'burst', median(bursts));

  const items = Array.from({ length: mapN }, (_, i) => i);
  const maps: number[] = [];
  for (let b = 0; b <= reps; b++) {
    t = nowMs();
    const out = await pool.map<number>(ident, items);
    const took = nowMs() - t;
    if (out.length !== mapN || out[mapN - 1] !== mapN - 1) throw new Error('map returned the wrong result');
    if (b === 0) add(m, 'mapFirst', took);
    else maps.push(took);
  }
  add(m, 'mapDefault', median(maps));
  t = nowMs();
  await pool.map(ident, items, 1000);
  add(m, 'map1000', nowMs() - t);

  const imapItems = items.slice(0, imapN);
  t = nowMs();
  let count = 0;
  for await (const _ of pool.imap(ident, imapItems)) count++;
  add(m, 'imap', nowMs() - t);
  if (count !== imapN) throw new Error(`imap yielded ${count} of ${imapN}`);

  t = nowMs();
  await pool.map(spin, Array.from({ length: cpuTasks }, () => k));
  const wall = nowMs() - t;
  add(m, 'cpuWall', wall);
  add(m, 'cpuTask', taskMs);
  add(m, 'cpuEfficiency', (cpuTasks * taskMs) / workers / wall);

  t = nowMs();
  pool.close();
  await pool.join();
  add(m, 'shutdown', nowMs() - t);
  report(m);
}
