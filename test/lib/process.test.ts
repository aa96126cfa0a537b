import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  AssertionError, Process, SerializationError, ValueError, activeChildren, cpuCount, currentProcess, isMainProcess, parentProcess,
} from 'multiproc';
import * as targets from './fixtures/targets.ts';
import { pidAlive, readJson, tempFile } from './helpers.ts';

async function run(p: Process): Promise<Process> {
  p.start();
  await p.join();
  return p;
}

describe('the main process', () => {
  test('is MainProcess, has no parent, and is the main process', () => {
    assert.equal(currentProcess().name, 'MainProcess');
    assert.equal(currentProcess().pid, process.pid);
    assert.equal(currentProcess().daemon, false);
    assert.equal(parentProcess(), null);
    assert.equal(isMainProcess(), true);
    assert.equal(currentProcess().authkey.length, 32);
    assert.equal(cpuCount() >= 1, true);
  });
});

describe('Process', () => {
  test('runs its target in another OS process, with its args, name and parent', async () => {
    const out = tempFile();
    const p = new Process({ target: targets.describeSelf, args: [out, 1, 'two'] });
    assert.match(p.name, /^Process-\d+$/);
    assert.equal(p.pid, undefined);
    assert.equal(p.exitCode, null);
    assert.equal(p.isAlive(), false);
    p.start();
    assert.equal(typeof p.pid, 'number');
    assert.equal(p.isAlive(), true);
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.equal(p.isAlive(), false);
    const seen = readJson<{ name: string; pid: number; ppid: number; authkey: string; parent: { name: string; pid: number; alive: boolean }; received: string[] }>(out);
    assert.equal(seen.name, p.name);
    assert.equal(seen.pid, p.pid);
    assert.notEqual(seen.pid, process.pid);
    assert.equal(seen.ppid, process.pid);
    assert.deepEqual(seen.parent, { name: 'MainProcess', pid: process.pid, alive: true });
    assert.equal(seen.authkey, currentProcess().authkey.toString('hex'));
    assert.deepEqual(seen.received, ['[object Number]', '[object String]']);
  });

  test('numbers processes as Python does and names subclasses after their class', () => {
    const a = new Process();
    const b = new Process({ name: 'custom' });
    const na = Number(a.name.split('-')[1]);
    assert.equal(b.name, 'custom');
    const c = new Process();
    assert.equal(c.name, `Process-${na + 2}`);
    const g = new targets.Greeter(tempFile(), new Map());
    assert.equal(g.name, `Greeter-${na + 3}`);
  });

  test('passes Map, Set, Date, BigInt, typed arrays, Error and kwargs with their types', async () => {
    const p = await run(new Process({
      target: targets.checkTypes,
      args: [new Map([['a', 1]]), new Set([2]), new Date(0), 2n ** 70n, new Uint8Array([1, 2, 3]), new RangeError('range')],
      kwargs: { k: 7 },
    }));
    assert.equal(p.exitCode, 0);
  });

  test('exit codes: 0, process.exit(N), 1 for an error or a rejected promise, −N for signal N', async () => {
    assert.equal((await run(new Process({ target: targets.noop }))).exitCode, 0);
    assert.equal((await run(new Process({ target: targets.exitWith, args: [7] }))).exitCode, 7);
    assert.equal((await run(new Process({ target: targets.throwError, args: ['boom'] }))).exitCode, 1);
    assert.equal((await run(new Process({ target: targets.rejectLater, args: ['later'] }))).exitCode, 1);
    const t = new Process({ target: targets.sleep, args: [30] });
    t.start();
    t.terminate();
    await t.join();
    assert.equal(t.exitCode, -15);
    const k = new Process({ target: targets.sleep, args: [30] });
    k.start();
    k.kill();
    await k.join();
    assert.equal(k.exitCode, -9);
  });

  test('join(timeout) resolves after the timeout with the process still running', async () => {
    const p = new Process({ target: targets.sleep, args: [30] });
    p.start();
    const started = Date.now();
    await p.join(0.2);
    assert.equal(Date.now() - started >= 190, true);
    assert.equal(p.exitCode, null);
    assert.equal(p.isAlive(), true);
    p.kill();
    await p.join();
    assert.equal(p.exitCode, -9);
  });

  test('join(Infinity) and a timeout past setTimeout\'s limit wait for the process to end', async () => {
    const forever = new Process({ target: targets.sleep, args: [0.3] });
    const long = new Process({ target: targets.sleep, args: [0.3] });
    forever.start();
    long.start();
    await Promise.all([forever.join(Infinity), long.join(1e7)]);
    assert.equal(forever.exitCode, 0);
    assert.equal(long.exitCode, 0);
  });

  test('parentProcess().join(Infinity) in a child waits while the parent lives', async () => {
    const out = tempFile();
    const p = await run(new Process({ target: targets.joinParent, args: [out, Infinity, 0.2] }));
    assert.equal(p.exitCode, 0);
    assert.equal(readFileSync(out, 'utf8'), 'waiting');
  });

  test('a subclass that overrides run() is rebuilt in the child with its fields', async () => {
    const out = tempFile();
    const g = new targets.Greeter(out, new Map([['name', 'world']]));
    await run(g);
    assert.equal(g.exitCode, 0);
    assert.equal(readFileSync(out, 'utf8'), `hello world from ${g.name} (true)`);
  });

  test('a three-level tree: names Process-N:M, parents, pids', async () => {
    const outChild = tempFile();
    const outGrandchild = tempFile();
    const p = await run(new Process({ target: targets.startGrandchild, args: [outChild, outGrandchild] }));
    assert.equal(p.exitCode, 0);
    const child = readJson<{ name: string; pid: number; parent: { pid: number } }>(outChild);
    const grandchild = readJson<{ name: string; ppid: number; parent: { name: string; pid: number } }>(outGrandchild);
    assert.equal(child.name, p.name);
    assert.equal(grandchild.name, `${p.name}:1`);
    assert.equal(grandchild.ppid, child.pid);
    assert.deepEqual(grandchild.parent, { name: p.name, pid: child.pid, alive: true });
  });

  test('activeChildren() lists the running children of the calling process', async () => {
    const out = tempFile();
    const p = await run(new Process({ target: targets.countActiveChildren, args: [out] }));
    assert.equal(p.exitCode, 0);
    assert.equal(readFileSync(out, 'utf8'), '2');
    const q = new Process({ target: targets.sleep, args: [30] });
    q.start();
    assert.equal(activeChildren().includes(q), true);
    q.kill();
    await q.join();
    assert.equal(activeChildren().includes(q), false);
  });
});

describe("Python's rules, with Python's errors", () => {
  test('start twice', async () => {
    const p = new Process({ target: targets.noop });
    p.start();
    assert.throws(() => p.start(), { name: 'AssertionError', message: 'cannot start a process twice' });
    await p.join();
  });

  test('join before start', async () => {
    const p = new Process({ target: targets.exitWith, args: [4] });
    await assert.rejects(p.join(), { name: 'AssertionError', message: 'can only join a started process' });
    // The process object is as it was: it can still be started and joined.
    p.start();
    await p.join();
    assert.equal(p.exitCode, 4);
  });

  test('terminate and kill before start', () => {
    assert.throws(() => new Process().terminate(), AssertionError);
    assert.throws(() => new Process().kill(), AssertionError);
  });

  test('join, terminate and isAlive from a process that is not the parent', async () => {
    // currentProcess() inside a child is the Process object itself; from the main process we
    // can only show the rule on the object that stands for this process.
    const self = currentProcess();
    await assert.rejects(self.join(), { name: 'AssertionError', message: 'can only join a child process' });
  });

  test('setting daemon after start', async () => {
    const p = new Process({ target: targets.noop });
    p.start();
    assert.throws(() => { p.daemon = true; }, { name: 'AssertionError', message: 'process has already started' });
    await p.join();
  });

  test('a daemon cannot have children', async () => {
    const out = tempFile();
    const p = await run(new Process({ target: targets.startFromDaemon, args: [out], daemon: true }));
    assert.equal(p.exitCode, 0);
    assert.equal(readFileSync(out, 'utf8'), 'AssertionError: daemonic processes are not allowed to have children');
  });

  test('close() on a running process, and use after close', async () => {
    const p = new Process({ target: targets.sleep, args: [30] });
    p.start();
    assert.throws(() => p.close(), { name: 'ValueError', message: /Cannot close a process while it is still running/ });
    p.kill();
    await p.join();
    p.close();
    assert.throws(() => p.pid, ValueError);
    assert.throws(() => p.isAlive(), { message: 'process object is closed' });
    assert.throws(() => p.start(), ValueError);
  });

  test('a target the child cannot find again fails at start() and says how to fix it', () => {
    const arrow = () => 1;
    assert.throws(() => new Process({ target: arrow }).start(), (error: Error) => {
      assert.equal(error.name, 'TypeError');
      assert.match(error.message, /arrow function/);
      assert.match(error.message, /Export it from the top level of its module/);
      return true;
    });
    function local(): void {}
    assert.throws(() => new Process({ target: local }).start(), /its target "local" is not exported from a module/);
  });

  test('an argument that cannot travel fails at start() and names the argument', async () => {
    const { Socket } = await import('node:net');
    assert.throws(() => new Process({ target: targets.noop, args: [1, () => 2] }).start(), (error: Error) => {
      assert.ok(error instanceof SerializationError);
      assert.match(error.message, /^args\[1\] cannot be sent to another process: an anonymous function cannot be serialized/);
      return true;
    });
    assert.throws(() => new Process({ target: targets.noop, args: [{ conn: new Socket() }] }).start(), /^SerializationError: args\[0\]\.conn cannot be sent to another process: a Socket object cannot be serialized \(its \.\S+ is a function/);
    const local = function helper(): void {};
    const p = new Process({ target: targets.noop, kwargs: { cb: local } });
    assert.throws(() => p.start(), /kwargs\.cb cannot be sent to another process: a function helper/);
    // Nothing was started, and starting others is not disturbed.
    assert.equal(p.pid, undefined);
    assert.equal(p.isAlive(), false);
    assert.equal(p.exitCode, null);
    await run(new Process({ target: targets.exitWith, args: [5] })).then((ok) => assert.equal(ok.exitCode, 5));
  });

  test('an exported function travels by reference, as pickle sends it', async () => {
    const p = new Process({ target: targets.callWith, args: [targets.exitWith, 9] });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 9);
  });

  test('bad options are clear errors', async () => {
    assert.throws(() => new Process({ target: 'noop' as unknown as () => void }), /target must be a function, not string/);
    assert.throws(() => new Process({ args: 'x' as unknown as unknown[] }), /args must be an array/);
    await assert.rejects(new Process({ target: targets.noop }).join('soon' as unknown as number), /timeout must be a number of seconds/);
  });
});

describe('the warm spare', () => {
  async function spares(): Promise<number[]> {
    const { readdirSync, readFileSync } = await import('node:fs');
    const found: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (ppid === process.pid && cmdline.includes('--multiproc-spare')) found.push(Number(entry));
      } catch {
        // the process ended while we looked
      }
    }
    return found;
  }

  test('after a start, a pre-started child waits; the next start takes it; a changed environment does not', async () => {
    await run(new Process({ target: targets.noop }));
    let waiting: number[] = [];
    for (let i = 0; i < 100 && waiting.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      waiting = await spares();
    }
    assert.equal(waiting.length, 1, 'one warm spare');
    const p = await run(new Process({ target: targets.noop }));
    assert.equal(p.pid, waiting[0], 'the next start used the spare');
    assert.equal(p.exitCode, 0);
    let next: number[] = [];
    for (let i = 0; i < 100 && next.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      next = await spares();
    }
    process.env.MULTIPROC_TEST_CHANGED = '1';
    try {
      const q = await run(new Process({ target: targets.noop }));
      assert.notEqual(q.pid, next[0], 'a spare started with another environment is not used');
      assert.equal(q.exitCode, 0);
    } finally {
      delete process.env.MULTIPROC_TEST_CHANGED;
    }
  });
});

describe('daemon children and orphans', () => {
  test('a daemon child is terminated when its parent ends; a non-daemon child is joined', async () => {
    const daemonOut = tempFile();
    let started = Date.now();
    const d = await run(new Process({ target: targets.leaveChild, args: [daemonOut, true, 30] }));
    assert.equal(d.exitCode, 0);
    assert.equal(Date.now() - started < 10_000, true, 'the parent did not wait for its daemon child');
    assert.equal(pidAlive(Number(readFileSync(daemonOut, 'utf8'))), false, 'the daemon grandchild is gone once its parent is joined');

    const out = tempFile();
    started = Date.now();
    const n = await run(new Process({ target: targets.leaveChild, args: [out, false, 1.5] }));
    assert.equal(n.exitCode, 0);
    assert.equal(Date.now() - started >= 1500, true, 'the parent waited for its non-daemon child');
    assert.equal(pidAlive(Number(readFileSync(out, 'utf8'))), false);
  });
});
