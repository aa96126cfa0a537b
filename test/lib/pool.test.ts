import assert from 'node:assert/strict';
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

  test('workers are daemon processes named SpawnPoolWorker-N, distinct from the main process', async () => {
    await using pool = new Pool(2);
    const who = await pool.map(f.whoAmI, Array.from({ length: 20 }), 1);
    for (const w of who as Array<{ name: string; pid: number }>) {
      assert.match(w.name, /^SpawnPoolWorker-\d+$/);
      assert.notEqual(w.pid, process.pid);
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
    assert.throws(() => new Pool(0), /Number of processes must be at least 1/);
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
