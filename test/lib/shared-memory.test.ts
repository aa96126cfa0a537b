// Shared memory is mapped where the native addon loads (dist/lib/shm.node), and read and written
// with system calls where it does not; processes of both kinds share the same memory.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Queue, Value } from 'multiproc';
import * as ipc from './fixtures/ipc.ts';
import * as sync from './fixtures/sync.ts';
import { ROOT, startProcess } from './helpers.ts';

const pathOf = (shared: object) => (shared as Record<symbol, () => { state: { path?: string; ledger?: string } }>)[Symbol.for('multiproc.reduce')]().state;

/** Starts a child with MULTIPROC_MMAP=0 in its environment (a new process: the warm spare has another environment). */
function startUnmapped(target: (...args: never[]) => unknown, ...args: unknown[]) {
  process.env.MULTIPROC_MMAP = '0';
  try {
    return startProcess(target, ...args);
  } finally {
    delete process.env.MULTIPROC_MMAP;
  }
}

// Linux only, as the product: whether a file is mapped is read from /proc/self/maps.
describe('shared memory', () => {
  test('the build made the addon, and this process maps a Value\'s memory', () => {
    assert.ok(existsSync(path.join(ROOT, 'dist/lib/shm.node')), 'dist/lib/shm.node was not built (see the build\'s warning)');
    const v = new Value('i', 0);
    assert.equal(sync.mapsFile(pathOf(v).path!), true);
  });

  test('a process that maps and one that uses system calls share one Value: 2 × 10,000 increments under the lock give 20,000', async () => {
    const counter = new Value('i', 0);
    const file = pathOf(counter).path!;
    const out = new Queue<boolean>();
    const mapped = startProcess(sync.incrementAndTell, counter, 10_000, file, out);
    const unmapped = startUnmapped(sync.incrementAndTell, counter, 10_000, file, out);
    const told = [await out.get(), await out.get()].sort();
    for (const p of [mapped, unmapped]) {
      await p.join();
      assert.equal(p.exitCode, 0);
    }
    assert.deepEqual(told, [false, true], 'one child mapped the memory and the other did not');
    assert.equal(counter.value, 20_000);
  });

  test('a queue\'s ledger shared by a mapping owner and a consumer that uses system calls: every item once, and the depth right', async () => {
    const q = new Queue<number>();
    const out = new Queue<unknown>();
    for (let i = 0; i < 1000; i++) await q.put(i);
    const c = startUnmapped(ipc.collect, q, 600, out);
    assert.deepEqual(await out.get(), Array.from({ length: 600 }, (_, i) => i));
    await c.join();
    assert.equal(q.qsize(), 400);
    assert.equal(sync.mapsFile(pathOf(q).ledger!), true);
  });
});
