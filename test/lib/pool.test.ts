import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { AsyncResult, Pool, Queue, TimeoutError, ValueError, WorkerLostError } from 'multiproc';
import * as f from './fixtures/pool.ts';
import { tooBigForPool } from '../stress/big.ts';

describe('Pool', () => {
  test('apply, applyAsync with callbacks, map, starmap, imap, imapUnordered', async () => {
    await using pool = new Pool(2);
    assert.equal(pool.processes, 2);
    assert.equal(await pool.apply(f.add, [2, 3]), 5);
    assert.equal(await pool.apply(f.withKwargs, [2], { scale: 10 }), 20);
    const seen: number[] = [];
    const results = [1, 2, 3].map((x) => pool.applyAsync(f.square, [x], { callback: (r) => seen.push(r as number) }));
    assert.deepEqual(await Promise.all(results.map((r) => r.get())), [1, 4, 9]);
    assert.deepEqual(seen.sort(), [1, 4, 9]);
    assert.deepEqual(await pool.map(f.square, [1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);
    assert.deepEqual(await pool.map(f.square, Array.from({ length: 1000 }, (_, i) => i), 7), Array.from({ length: 1000 }, (_, i) => i * i));
    assert.deepEqual(await pool.map(f.square, []), []);
    assert.deepEqual(await pool.starmap(f.add, [[1, 2], [3, 4]]), [3, 7]);
    assert.deepEqual(await pool.mapAsync(f.square, [6]).get(), [36]);
    assert.deepEqual(await pool.starmapAsync(f.add, [[5, 5]]).get(), [10]);
    const ordered: number[] = [];
    for await (const r of pool.imap(f.slowSquare, [5, 4, 3, 2, 1])) ordered.push(r as number);
    assert.deepEqual(ordered, [25, 16, 9, 4, 1]);
    const unordered: number[] = [];
    for await (const r of pool.imapUnordered(f.square, [1, 2, 3], 2)) unordered.push(r as number);
    assert.deepEqual(unordered.sort(), [1, 4, 9]);
  });

  test('map carries chunks of numbers (sent packed) and of anything else exactly', async () => {
    await using pool = new Pool(2);
    const numbers = [0, -0, NaN, Infinity, -1.5, 2 ** 53, 1e-300, ...Array.from({ length: 5000 }, (_, i) => i * 3)];
    const back = await pool.map(f.ident, numbers, 100);
    assert.equal(back.length, numbers.length);
    numbers.forEach((x, i) => assert.ok(Object.is(back[i], x), `item ${i}: ${String(back[i])} is not ${String(x)}`));
    const mixed = [...Array.from({ length: 40 }, (_, i) => i), 'forty', 41n, null, { k: [1] }, new Map([[1, 2]])];
    assert.deepEqual(await pool.map(f.ident, mixed, 45), mixed);
    assert.deepEqual(await pool.map(f.square, Array.from({ length: 3000 }, (_, i) => i / 2)), Array.from({ length: 3000 }, (_, i) => (i / 2) ** 2));
  });

  test('a chunk of an async function: each item is awaited before the next starts, results in order', async () => {
    await using pool = new Pool(2);
    assert.deepEqual(await pool.map(f.slowSquare, [1, 2, 3, 4, 5, 6], 3), [1, 4, 9, 16, 25, 36]);
    assert.deepEqual(await pool.map(f.countRunning, Array.from({ length: 12 }, (_, i) => i), 6), new Array(12).fill(1));
  });

  test('imap pulls an endless generator as results are taken; break closes it and the pool ends cleanly', async () => {
    for (const ordered of [true, false]) {
      const pool = new Pool(2);
      let pulled = 0;
      let closed = false;
      function* naturals(): Generator<number> {
        try {
          // Without laziness the pool would pull forever; this makes such a failure quick.
          for (let i = 0; ; i++, pulled++) {
            if (pulled > 1_000_000) throw new Error('a million items pulled ahead');
            yield i;
          }
        } finally {
          closed = true;
        }
      }
      const got: number[] = [];
      for await (const r of (ordered ? pool.imap<number>(f.square, naturals()) : pool.imapUnordered<number>(f.square, naturals(), 3))) {
        got.push(r);
        if (got.length === 50) break;
      }
      if (ordered) assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i * i));
      else assert.equal(new Set(got).size, 50);
      assert.ok(closed, 'break closed the generator');
      assert.ok(pulled < 5000, `${pulled} items pulled for 50 results`);
      if (ordered) {
        pool.close();
      } else {
        pool.terminate();
      }
      await pool.join();
    }
  });

  test('imap over 200,000 items: a few hundred pulled before the first result, and memory stays flat', async () => {
    await using pool = new Pool(2);
    let pulled = 0;
    function* items(n: number): Generator<number> {
      for (let i = 0; i < n; i++, pulled++) yield i;
    }
    // Warm up first, so that what is measured is the run, not the code and the connections.
    for await (const _ of pool.imap(f.ident, items(20_000))) { /* warm-up */ }
    pulled = 0;
    const before = process.memoryUsage().rss;
    let peak = before;
    let pulledAtFirst = -1;
    let n = 0;
    for await (const r of pool.imap<number>(f.ident, items(200_000))) {
      if (pulledAtFirst < 0) pulledAtFirst = pulled;
      assert.equal(r, n++);
      if (n % 2000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    assert.equal(n, 200_000);
    assert.ok(pulledAtFirst < 5000, `${pulledAtFirst} items pulled before the first result`);
    const grew = (peak - before) / 2 ** 20;
    assert.ok(grew < 60, `RSS grew by ${grew.toFixed(1)} MiB over the run`);
  });

  test('imap after close() and join(): the pool still pulls the whole iterable, and the results wait for the caller', async () => {
    const pool = new Pool(2);
    function* items(n: number): Generator<number> {
      for (let i = 0; i < n; i++) yield i;
    }
    const it = pool.imap<number>(f.square, items(3000));
    pool.close();
    await pool.join();
    const got: number[] = [];
    for await (const r of it) got.push(r);
    assert.deepEqual(got, Array.from({ length: 3000 }, (_, i) => i * i));
  });

  test('an error thrown by the iterable comes at the next() that reaches it, after the results before it; the pool goes on', async () => {
    await using pool = new Pool(2);
    function* breaking(n: number): Generator<number> {
      for (let i = 1; i <= n; i++) yield i;
      throw new RangeError('the iterable broke');
    }
    for (const [ordered, chunksize] of [[true, 1], [true, 2], [false, 1], [false, 2]] as const) {
      const it = ordered ? pool.imap<number>(f.slowSquare, breaking(5), chunksize) : pool.imapUnordered<number>(f.slowSquare, breaking(5), chunksize);
      const got: number[] = [];
      await assert.rejects(async () => {
        for await (const r of it) got.push(r);
      }, { name: 'RangeError', message: 'the iterable broke' });
      assert.deepEqual(ordered ? got : got.sort((a, b) => a - b), [1, 4, 9, 16, 25], `ordered ${ordered}, chunksize ${chunksize}`);
      assert.deepEqual(await it.next(), { done: true, value: undefined });
    }
    await assert.rejects(pool.imap(f.square, breaking(0)).next(), /the iterable broke/);
    assert.equal(await pool.apply(f.square, [7]), 49);
    assert.deepEqual(await pool.map(f.square, [1, 2, 3]), [1, 4, 9]);
  });

  test('next() called several times at once: each waits for its own result', async () => {
    await using pool = new Pool(2);
    const it = pool.imap<number>(f.slowSquare, [1, 2, 3]);
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next()]);
    assert.deepEqual(results.map((r) => r.value), [1, 4, 9, undefined]);
  });

  test('bad Pool options are refused, naming the option and the value', () => {
    assert.throws(() => new Pool('2' as never), { name: 'TypeError', message: "Pool option processes must be a number, not '2'" });
    assert.throws(() => new Pool({ processes: '2' as never }), { name: 'TypeError', message: "Pool option processes must be a number, not '2'" });
    for (const bad of [0, -1, 1.5, NaN, Infinity]) {
      assert.throws(() => new Pool(bad), { name: 'ValueError', message: `Pool option processes must be an integer of at least 1, not ${inspect(bad)}` });
    }
    assert.throws(() => new Pool({ maxtasksperchild: 0 }), { name: 'ValueError', message: 'Pool option maxtasksperchild must be an integer of at least 1, not 0' });
    assert.throws(() => new Pool({ maxtasksperchild: '3' as never }), { name: 'TypeError', message: "Pool option maxtasksperchild must be a number, not '3'" });
    assert.throws(() => new Pool({ initializer: f.init, initargs: 'ready' as never }), { name: 'TypeError', message: "Pool option initargs must be an array, not 'ready'" });
    assert.throws(() => new Pool({ initializer: 'init' as never }), { name: 'TypeError', message: "Pool option initializer must be a function, not 'init'" });
    assert.throws(() => new Pool({ process: 2 } as never), { name: 'TypeError', message: "Pool has no option 'process'" });
  });

  test('workers are daemon processes named SpawnPoolWorker-N, distinct from the main process', async () => {
    await using pool = new Pool(2);
    const who = await pool.map(f.whoAmI, Array.from({ length: 20 }), 1);
    for (const w of who as Array<{ name: string; pid: number }>) {
      assert.match(w.name, /^SpawnPoolWorker-\d+$/);
      assert.notEqual(w.pid, process.pid);
    }
  });

  test('get(timeout) and next(timeout) past setTimeout\'s limit, or Infinity, wait for the result', async () => {
    await using pool = new Pool(1);
    for (const timeout of [1e7, Infinity]) {
      const started = performance.now();
      assert.equal(await pool.applyAsync(f.slowSquare, [3, 0.3]).get(timeout), 9);
      assert.deepEqual(await pool.imap(f.slowSquare, [4]).next(timeout), { done: false, value: 16 });
      assert.ok(performance.now() - started >= 300, `get(${timeout}) returned after ${performance.now() - started} ms`);
    }
  });

  test('AsyncResult: ready, successful, wait, get(timeout)', async () => {
    await using pool = new Pool(1);
    const r = pool.applyAsync(f.slowSquare, [3, 0.3]);
    assert.equal(r.ready(), false);
    assert.throws(() => r.successful(), ValueError);
    await assert.rejects(r.get(0.05), TimeoutError);
    await r.wait(0.01);
    assert.equal(r.ready(), false);
    assert.equal(await r.get(10), 9);
    assert.equal(r.ready(), true);
    assert.equal(r.successful(), true);
    assert.ok(r instanceof AsyncResult);
  });

  test('an error in a task is re-thrown by get with its class, message and the worker stack as cause', async () => {
    await using pool = new Pool(2);
    const failures: Error[] = [];
    const r = pool.applyAsync(f.failOn, [3], { errorCallback: (e) => failures.push(e) });
    await assert.rejects(r.get(), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, 'bad item 3');
      const cause = error.cause as Error;
      assert.match(cause.stack ?? '', /at failOn .*fixtures[\\/]pool\.ts/);
      return true;
    });
    assert.equal(r.successful(), false);
    assert.equal(failures.length, 1);
    await assert.rejects(pool.map(f.failOn, [1, 2, 3, 4]), /bad item 3/);
    const it = pool.imap(f.failOn, [2, 3]);
    assert.deepEqual(await it.next(), { done: false, value: 2 });
    await assert.rejects(it.next(), RangeError);
  });

  test('a worker killed by its own task fails that task only; 100 others succeed; join returns', async () => {
    const pool = new Pool(2);
    const fatal = pool.applyAsync(f.killSelf, []);
    const others = Array.from({ length: 100 }, (_, i) => pool.applyAsync(f.slowSquare, [i, 0.005]));
    await assert.rejects(fatal.get(), (error: Error) => {
      assert.ok(error instanceof WorkerLostError);
      assert.match(error.message, /SpawnPoolWorker-\d+ \(pid \d+\) was killed by SIGKILL \(exit code -9\) while running killSelf\(\)/);
      return true;
    });
    const values = await Promise.all(others.map((r) => r.get()));
    assert.deepEqual(values, Array.from({ length: 100 }, (_, i) => i * i));
    const exited = pool.applyAsync(f.exitSelf, [3]);
    await assert.rejects(exited.get(), /exited with code 3 while running exitSelf\(3\)/);
    assert.equal(await pool.apply(f.square, [12]), 144);
    pool.close();
    await pool.join();
  });

  test('after a run of quick tasks, slow tasks are still shared between the workers', async () => {
    await using pool = new Pool(2);
    await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.applyAsync(f.square, [i]).get()));
    const pids = await pool.map<number>(f.busyPid, Array.from({ length: 8 }, () => 100), 1);
    assert.equal(new Set(pids).size, 2, `8 tasks of 100 ms ran on ${new Set(pids).size} worker(s)`);
  });

  test('initializer runs in every worker; maxtasksperchild replaces workers without losing tasks', async () => {
    await using pool = new Pool({ processes: 2, initializer: f.init, initargs: ['ready'], maxtasksperchild: 3 });
    const states = await pool.map(f.initState, Array.from({ length: 12 }), 1);
    for (const s of states as string[]) assert.match(s, /^ready in \d+$/);
    const pids = new Set((states as string[]).map((s) => s.split(' ').pop()));
    assert.equal(pids.size >= 4, true, `12 tasks, 3 per worker: at least 4 workers, saw ${pids.size}`);
  });

  test('a failing initializer does not make the pool restart workers forever', async () => {
    await using pool = new Pool({ processes: 1, initializer: f.failingInit });
    await assert.rejects(pool.apply(f.square, [2]), /keep dying as they start/);
    // The pool starts no more workers: a later task is refused instead of waiting forever.
    assert.throws(() => pool.applyAsync(f.square, [3]), /keep dying as they start/);
  });

  test('queues can be passed to tasks', async () => {
    await using pool = new Pool(2);
    const q = new Queue<string>();
    assert.deepEqual(await pool.starmap(f.putAndReturn, [[q, 1], [q, 2]]), [1, 2]);
    assert.deepEqual([await q.get(), await q.get()].sort(), ['task 1', 'task 2']);
  });

  test("Python's rules: join while running, tasks after close, bad arguments", async () => {
    const pool = new Pool(1);
    await assert.rejects(pool.join(), { name: 'ValueError', message: 'Pool is still running' });
    assert.throws(() => pool.applyAsync(() => 1), /not exported from a module/);
    assert.throws(() => pool.applyAsync(f.square, [() => 1]), /cannot be sent to another process/);
    await assert.rejects(pool.map(f.square, [1], 0), /Chunksize must be 1\+/);
    assert.throws(() => pool.imap(f.square, [1], 0), /Chunksize must be 1\+, not 0/);
    pool.close();
    assert.throws(() => pool.applyAsync(f.square, [1]), { name: 'ValueError', message: 'Pool not running' });
    await pool.join();
  });

  test('arguments over the message limit are refused by apply, a result over it fails its task; the pool goes on', async () => {
    // Both used to be sent: the worker (or the pool) dropped the connection, and the task went to a new worker, forever.
    await tooBigForPool(257 * 2 ** 20);
  });

  test('terminate fails unfinished tasks and stops the workers', async () => {
    const pool = new Pool(1);
    const r = pool.applyAsync(f.slowSquare, [2, 10]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    pool.terminate();
    await assert.rejects(r.get(), /terminated/);
    await pool.join();
  });
});
