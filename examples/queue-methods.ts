// From seed 004, section 2.1 "进程队列queue" (seed 003, section 5 describes the same methods): put and get with block and timeout, Full and Empty, put_nowait, get_nowait, qsize, empty and full.
import { Empty, Full, Process, Queue, isMainProcess } from 'multiproc';

// The tutorial lists these methods without a program; this one calls each as described, across
// two processes. Timeouts are in seconds, as in Python.

const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));
const since = (t: number) => ((performance.now() - t) / 1000).toFixed(1);

/** Runs `call` and prints what it returned, or which exception it raised and after how long. */
async function show(label: string, call: () => Promise<unknown>): Promise<void> {
  const t = performance.now();
  try {
    const value = await call();
    console.log(`${label} -> ${value === undefined ? 'ok' : JSON.stringify(value)}`);
  } catch (error) {
    if (!(error instanceof Full || error instanceof Empty)) throw error;
    console.log(`${label} -> ${error.name} after ${since(t)} s`);
  }
}

export async function producer(q: Queue<string>): Promise<void> {
  await show("q.put('a')", () => q.put('a'));
  await show("q.put_nowait('b')", () => q.putNowait('b'));
  // The queue holds 2 items and nobody takes one: put waits `timeout` seconds for room, then Full.
  await show("q.put('c', timeout=0.2)", () => q.put('c', { timeout: 0.2 }));
  // With block=False it does not wait at all.
  await show("q.put('c', block=False)", () => q.put('c', { block: false }));
  await show("q.put_nowait('c')", () => q.putNowait('c'));
}

export async function consumer(q: Queue<string>): Promise<void> {
  // Nothing there yet: get waits up to 2 s, and the parent puts 'd' after 0.2 s.
  await show('q.get(timeout=2)', () => q.get({ timeout: 2 }));
}

if (isMainProcess()) {
  const q = new Queue<string>(2); // maxsize: at most 2 items
  console.log('q.empty() ->', q.empty());

  const p = new Process({ target: producer, args: [q] });
  p.start();
  await p.join();

  console.log('q.qsize() ->', q.qsize());
  console.log('q.full() ->', q.full());
  await show('q.get()', () => q.get());
  await show('q.get_nowait()', () => q.getNowait());
  console.log('q.empty() ->', q.empty());
  // Empty now: get waits `timeout` seconds for an item, then Empty; block=False and get_nowait() do not wait.
  await show('q.get(timeout=0.2)', () => q.get({ timeout: 0.2 }));
  await show('q.get(block=False)', () => q.get({ block: false }));
  await show('q.get_nowait()', () => q.getNowait());

  const c = new Process({ target: consumer, args: [q] });
  c.start();
  await sleep(0.2);
  await q.put('d');
  await c.join();
  console.log('q.empty() ->', q.empty());
}
