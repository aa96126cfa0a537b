// Leaves items waiting in a queue and a pipe, and keeps a pool busy, so that an observer sees depths.
import { Pipe, Pool, Process, Queue, isMainProcess } from 'multiproc';

export async function fill(q: Queue<number>): Promise<void> {
  for (let i = 0; i < 5; i++) await q.put(i);
}

export async function nap(seconds: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return seconds;
}

if (isMainProcess()) {
  const q = new Queue<number>(10);
  const p = new Process({ target: fill, args: [q] });
  p.start();
  await p.join();
  const [a, b] = Pipe();
  b.send('one');
  b.send('two');
  await a.poll(1);
  const pool = new Pool(2);
  const busy = pool.map(nap, [0.6, 0.6]);
  await nap(0.4);
  await busy;
  pool.terminate();
  await pool.join();
}
