// Shared memory is mapped where the native addon loads (dist/lib/multiproc.node), and read and written
// with system calls where it does not; processes of both kinds share the same memory.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Queue, Value } from 'multiproc';
import * as ipc from './fixtures/ipc.ts';
import * as leftovers from './fixtures/leftovers.ts';
import * as sync from './fixtures/sync.ts';
import { ROOT, startProcess, waitFor } from './helpers.ts';

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
    assert.ok(existsSync(path.join(ROOT, 'dist/lib/multiproc.node')), 'dist/lib/multiproc.node was not built (see the build\'s warning)');
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

  test('shared memory larger than /dev/shm has room for is an OSError (ENOSPC) at creation, not a SIGBUS', () => {
    // A 1 MiB tmpfs as this program's shared-memory directory, in a mount namespace of its own
    // (a user namespace too when not root), so nothing outside sees it.
    const dir = mkdtempSync(path.join(tmpdir(), 'multiproc-small-shm-'));
    try {
      const node = [process.execPath, '--import', './dist/lib/register.js', 'test/lib/programs/shm-full.ts'].map((a) => `'${a}'`).join(' ');
      const script = `mount -t tmpfs -o size=1m tmpfs '${dir}' && MULTIPROC_USER_SHM='${dir}' exec ${node}`;
      const r = spawnSync('unshare', [process.getuid?.() === 0 ? '-m' : '-rm', 'sh', '-c', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `exit ${r.status} signal ${r.signal}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^OSError ENOSPC: \[ENOSPC\] cannot allocate 8388608 bytes of shared memory in .*make room in \/dev\/shm/m);
      assert.match(r.stdout, /small value still works: 7/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what a killed program leaves behind', () => {
  test('the next multiproc process of the user removes the directories of a SIGKILLed one', async () => {
    const child = spawn(process.execPath, ['--import', './dist/lib/register.js', 'test/lib/programs/leave-files.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    assert.equal(await waitFor(() => /sockets /.test(out), 15_000), true, `no paths printed: ${out}`);
    const dirs = [...out.matchAll(/^(?:memory|ledger|sockets) (.+)$/gm)].map((m) => m[1]);
    assert.equal(dirs.length, 3);
    child.kill('SIGKILL');
    await exited;
    for (const d of dirs) assert.equal(existsSync(d), true, `${d} is there after the SIGKILL`);
    const next = spawnSync(process.execPath, ['--import', './dist/lib/register.js', '-e', "const { Value } = require('multiproc'); new Value('i', 1); setTimeout(() => {}, 300)"], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(next.status, 0, next.stderr);
    for (const d of dirs) assert.equal(existsSync(d), false, `${d} was left behind`);
  });
});

describe('a child ended by a signal', () => {
  for (const how of ['terminate', 'kill'] as const) {
    test(`${how}(): its parent removes the directories the child could not (its shared memory, big items and socket)`, async () => {
      const out = new Queue<string[]>();
      const p = startProcess(leftovers.leaveFiles, out);
      const dirs = await out.get();
      assert.equal(dirs.length, 3);
      for (const d of dirs) assert.equal(existsSync(d), true, `${d} exists while the child runs`);
      p[how]();
      await p.join();
      assert.equal(p.exitCode, how === 'kill' ? -9 : -15);
      for (const d of dirs) assert.equal(existsSync(d), false, `${d} was left behind`);
    });
  }
});
