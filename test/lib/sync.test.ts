import assert from 'node:assert/strict';
import { constants as bufferConstants } from 'node:buffer';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  Array as SharedArray, Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, Lock, Queue, RawArray, RawValue, RLock, Semaphore, Value, ValueError,
} from 'multiproc';
import * as ends from './fixtures/sync-ends.ts';
import * as sync from './fixtures/sync.ts';
import { startProcess } from './helpers.ts';


describe('locks', () => {
  test('Lock: acquire, non-blocking and timed acquire, release too many times', async () => {
    const lock = new Lock();
    assert.equal(await lock.acquire(), true);
    assert.equal(lock.locked(), true);
    assert.equal(await lock.acquire(false), false);
    const started = Date.now();
    assert.equal(await lock.acquire({ timeout: 0.1 }), false);
    assert.equal(Date.now() - started >= 90, true);
    lock.release();
    assert.equal(lock.locked(), false);
    assert.throws(() => lock.release(), { name: 'ValueError', message: 'semaphore or lock released too many times' });
    {
      using _held = await lock.enter();
      assert.equal(lock.locked(), true);
    }
    assert.equal(lock.locked(), false);
    assert.equal(await lock.withLock(() => 5), 5);
  });

  test('a Lock held in another process blocks here until released', async () => {
    const lock = new Lock();
    const held = new Event();
    const p = startProcess(sync.holdFor, lock, 0.3, held);
    assert.equal(await held.wait(10), true);
    assert.equal(await lock.acquire(false), false);
    const started = Date.now();
    assert.equal(await lock.acquire({ timeout: 10 }), true);
    assert.equal(Date.now() - started >= 100, true);
    lock.release();
    await p.join();
  });

  test('an acquire with a timeout past setTimeout\'s limit (1e7 s) waits until the lock is released', async () => {
    const lock = new Lock();
    await lock.acquire();
    const out = new Queue<string>();
    const p = startProcess(sync.acquireLong, lock, 1e7, out);
    assert.equal(await out.get(), 'waiting');
    const started = Date.now();
    await assert.rejects(out.get({ timeout: 0.3 }));
    lock.release();
    assert.equal(await out.get({ timeout: 10 }), 'acquired true');
    assert.equal(Date.now() - started >= 290, true);
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test('a Lock whose holder is killed is released (Python would leave it locked forever)', async () => {
    const lock = new Lock();
    const held = new Event();
    const p = startProcess(sync.holdAndDie, lock, held);
    assert.equal(await held.wait(10), true);
    assert.equal(await lock.acquire(false), false);
    p.kill();
    assert.equal(await lock.acquire({ timeout: 5 }), true);
    await p.join();
  });

  test('RLock: re-entrant for its owner; only the owner may release', async () => {
    const r = new RLock();
    assert.equal(await r.acquire(), true);
    assert.equal(await r.acquire(), true);
    r.release();
    r.release();
    assert.throws(() => r.release(), { name: 'AssertionError', message: 'cannot release un-acquired lock' });
    await r.acquire();
    const out = new Queue<string>();
    const p = startProcess(sync.tryRelease, r, out);
    assert.equal(await out.get(), 'AssertionError: cannot release un-acquired lock');
    await p.join();
    r.release();
  });

  test('Semaphore limits concurrency across processes; BoundedSemaphore refuses extra releases', async () => {
    const sem = new Semaphore(2);
    assert.equal(sem.getValue(), 2);
    const holders = new Value('i', 0);
    const seen = new Queue<number>();
    const ps = [0, 1, 2, 3].map(() => startProcess(sync.countUnder, sem, holders, seen));
    const counts: number[] = [];
    for (let i = 0; i < ps.length; i++) counts.push(await seen.get());
    for (const p of ps) await p.join();
    // Two holders always overlap; a third let in would have counted 3.
    assert.equal(Math.max(...counts), 2);
    assert.equal(holders.value, 0);
    const b = new BoundedSemaphore(1);
    await b.acquire();
    b.release();
    assert.throws(() => b.release(), { name: 'ValueError', message: 'Semaphore released too many times' });
    assert.throws(() => new Semaphore(-1), ValueError);
  });
});

describe('Event, Condition, Barrier', () => {
  test('Event wakes waiters in other processes', async () => {
    const event = new Event();
    const out = new Queue<string>();
    const ps = [0, 1].map(() => startProcess(sync.waitEvent, event, out));
    assert.equal(event.isSet(), false);
    assert.equal(await event.wait(0.05), false);
    event.set();
    assert.deepEqual([await out.get(), await out.get()], ['woke true true', 'woke true true']);
    for (const p of ps) await p.join();
    event.clear();
    assert.equal(event.isSet(), false);
  });

  test('Event.wait(Infinity) and wait(1e7) in a child return true when set, not early', async () => {
    const event = new Event();
    const out = new Queue<string>();
    const ps = [Infinity, 1e7].map((timeout) => startProcess(sync.waitEventLong, event, timeout, out));
    assert.deepEqual([await out.get(), await out.get()], ['waiting', 'waiting']);
    const here = event.wait(Infinity);
    await assert.rejects(out.get({ timeout: 0.3 }));
    event.set();
    assert.deepEqual([await out.get({ timeout: 10 }), await out.get({ timeout: 10 })], ['woke true', 'woke true']);
    assert.equal(await here, true);
    for (const p of ps) await p.join();
  });

  test('Condition: wait releases the lock, notify wakes one, notifyAll wakes all', async () => {
    const cond = new Condition();
    const ready = new Queue<string>();
    const out = new Queue<string>();
    const ps = [0, 1, 2].map(() => startProcess(sync.waitCondition, cond, ready, out));
    for (let i = 0; i < 3; i++) await ready.get();
    // All three wait, so none holds the lock now.
    await cond.acquire();
    cond.notify();
    cond.release();
    assert.equal(await out.get(), 'notified true');
    await assert.rejects(out.get({ timeout: 0.2 }));
    await cond.acquire();
    cond.notifyAll();
    cond.release();
    assert.deepEqual([await out.get(), await out.get()], ['notified true', 'notified true']);
    for (const p of ps) await p.join();
    await cond.acquire();
    assert.equal(await cond.wait(0.05), false);
    assert.equal(await cond.waitFor(() => true), true);
    cond.release();
  });

  test('Barrier releases all parties together, with distinct indexes; its action runs once', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = `${mkdtempSync(`${tmpdir()}/barrier-`)}/action`;
    process.env.BARRIER_ACTION_FILE = file;
    const barrier = new Barrier(3, sync.barrierAction);
    const out = new Queue<number>();
    const ps = [0, 1].map(() => startProcess(sync.meet, barrier, out));
    const mine = await barrier.wait(10);
    const all = [mine, await out.get(), await out.get()].sort();
    assert.deepEqual(all, [0, 1, 2]);
    assert.match(readFileSync(file, 'utf8'), /^action in \d+$/);
    for (const p of ps) await p.join();
    assert.equal(barrier.broken, false);
    const lonely = new Barrier(2);
    await assert.rejects(lonely.wait(0.1), BrokenBarrierError);
    assert.equal(lonely.broken, true);
    await lonely.reset();
    assert.equal(lonely.broken, false);
  });

  test('a Barrier whose action\'s process is killed breaks at once for the others (no wait for their timeout)', async () => {
    const barrier = new Barrier(3, ends.killSelf);
    const out = new Queue<string>();
    const first = startProcess(ends.meetOrBreak, barrier, 60, out);
    while (barrier.nWaiting < 1) await new Promise((r) => setTimeout(r, 10));
    const mine = barrier.wait(60);
    const started = Date.now();
    // The third to arrive runs the action, so the killed one is this child, never the test.
    const last = startProcess(ends.meetOrBreak, barrier, 60, out);
    await assert.rejects(mine, BrokenBarrierError);
    assert.equal(await out.get({ timeout: 30 }), 'BrokenBarrierError');
    assert.ok(Date.now() - started < 30_000, `broken after ${Date.now() - started} ms`);
    await last.join();
    assert.equal(last.exitCode, -9);
    await first.join();
    assert.equal(barrier.broken, true);
  });
});

describe('reprs, as Python\'s', () => {
  test('Lock and RLock name their owner: None, this process, or another process', async () => {
    const lock = new Lock();
    assert.equal(inspect(lock), '<Lock(owner=None)>');
    await lock.acquire();
    assert.equal(inspect(lock), '<Lock(owner=MainProcess)>');
    lock.release();
    const r = new RLock();
    assert.equal(inspect(r), '<RLock(None, 0)>');
    await r.acquire();
    assert.equal(inspect(r), '<RLock(MainProcess, 1)>');
    await r.acquire();
    assert.equal(inspect(r), '<RLock(MainProcess, 2)>');
    r.release();
    r.release();
    const out = new Queue<string>();
    const child = startProcess(ends.reprHeld, lock, out);
    assert.match(await out.get({ timeout: 30 }), /^<Lock\(owner=Process-\d+\)>$/);
    await child.join();
    const held = new Event();
    const holder = startProcess(sync.holdFor, lock, 0.5, held);
    assert.equal(await held.wait(30), true);
    assert.equal(inspect(lock), '<Lock(owner=SomeOtherProcess)>');
    await holder.join();
    assert.equal(inspect(lock), '<Lock(owner=None)>');
  });

  test('Event, Semaphore, BoundedSemaphore, Condition', async () => {
    const event = new Event();
    assert.match(inspect(event), /^<Event at Event-\d+-[0-9a-f]+ unset>$/);
    event.set();
    assert.match(inspect(event), /^<Event at Event-\d+-[0-9a-f]+ set>$/);
    const sem = new Semaphore(3);
    await sem.acquire();
    assert.equal(inspect(sem), '<Semaphore(value=2)>');
    const bounded = new BoundedSemaphore(2);
    await bounded.acquire();
    assert.equal(inspect(bounded), '<BoundedSemaphore(value=1, maxvalue=2)>');
    const cond = new Condition();
    assert.equal(inspect(cond), '<Condition(<RLock(None, 0)>, 0)>');
    assert.equal(inspect(new Condition(new Lock())), '<Condition(<Lock(owner=None)>, 0)>');
    const ready = new Queue<string>();
    const out = new Queue<string>();
    const p = startProcess(sync.waitCondition, cond, ready, out);
    await ready.get({ timeout: 30 });
    const end = Date.now() + 30_000;
    while (inspect(cond) !== '<Condition(<RLock(None, 0)>, 1)>' && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.equal(inspect(cond), '<Condition(<RLock(None, 0)>, 1)>');
    await cond.acquire();
    cond.notify();
    assert.equal(inspect(cond), '<Condition(<RLock(MainProcess, 1)>, 0)>');
    cond.release();
    assert.equal(await out.get({ timeout: 30 }), 'notified true');
    await p.join();
  });
});

describe('Value and Array', () => {
  test('4 processes × 10,000 increments under the lock: exactly 40,000', async () => {
    const counter = new Value('i', 0);
    const ps = [0, 1, 2, 3].map(() => startProcess(sync.increment, counter, 10_000));
    for (const p of ps) {
      await p.join();
      assert.equal(p.exitCode, 0);
    }
    assert.equal(counter.value, 40_000);
  });

  test('without the lock, increments race (the lock is what makes them exact)', async () => {
    const counter = new Value('i', 0, { lock: false });
    const ps = [0, 1, 2, 3].map(() => startProcess(sync.incrementUnlocked, counter, 50_000));
    for (const p of ps) await p.join();
    assert.equal(counter.value <= 200_000, true);
    assert.throws(() => counter.getLock(), TypeError);
  });

  test('raw objects (lock: false, RawValue, RawArray) have no getLock() or getObj(), here and in a child', async () => {
    const raw = [new Value('i', 0, { lock: false }), RawValue('d', 1), new SharedArray('i', 2, { lock: false }), RawArray('b', [1, 2])];
    const synced = [new Value('i', 0), new SharedArray('i', 2, { lock: new Lock() })];
    for (const r of raw) {
      assert.equal('getLock' in r, false);
      assert.equal('getObj' in r, false);
      assert.throws(() => (r as unknown as Value).getLock(), TypeError);
    }
    assert.ok(synced[0].getLock() instanceof RLock);
    assert.ok(synced[1].getLock() instanceof Lock);
    assert.equal(synced[1].getObj(), synced[1]);
    const out = new Queue<string[]>();
    const p = startProcess(ends.lockMethods, [...raw, ...synced], out);
    assert.deepEqual(await out.get({ timeout: 30 }), [...raw.map(() => 'false false'), 'true true', 'true true']);
    await p.join();
    assert.equal(RawArray('i', 3)[2], 0);
    assert.deepEqual(RawArray('b', [1, 2]).toArray(), [1, 2]);
  });

  test('bad typecodes are a TypeError listing the good ones; too large an Array is a ValueError naming the size and the limit', () => {
    const expected = "bad typecode 'z' (must be b, B, h, H, i, I, l, L, q, Q, f, d, ? or c, or a ctypes name such as 'c_int')";
    assert.throws(() => new SharedArray('z', 3), { name: 'TypeError', message: expected });
    assert.throws(() => new Value('z'), { name: 'TypeError', message: expected });
    assert.throws(() => RawValue('constructor'), { name: 'TypeError', message: /^bad typecode 'constructor'/ });
    const most = Math.floor(bufferConstants.MAX_LENGTH / 4);
    for (const make of [() => new SharedArray('i', most + 1), () => RawArray('i', most + 1)]) {
      assert.throws(make, { name: 'ValueError', message: `array size ${most + 1} is too large: at most ${most} elements of typecode 'i' (${bufferConstants.MAX_LENGTH} bytes, Node's largest Buffer)` });
    }
    assert.throws(() => new SharedArray('i', -1), { name: 'ValueError', message: 'array size must be a non-negative integer, not -1' });
  });

  test('types, wrap-around, bad typecodes; an Array filled by a child', async () => {
    const d = new Value('d', 1.5);
    d.value *= 2;
    assert.equal(d.value, 3);
    const b = new Value('b', 127);
    b.value += 1;
    assert.equal(b.value, -128);
    const q = new Value<bigint>('q', 2n ** 40n);
    assert.equal(q.value, 2n ** 40n);
    const flag = new Value<boolean>('c_bool', true);
    assert.equal(flag.value, true);
    assert.throws(() => { d.value = 'x' as unknown as number; }, TypeError);
    const arr = new SharedArray('i', 10);
    const p = startProcess(sync.fillSquares, arr);
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.deepEqual(arr.toArray(), [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    assert.equal(arr[3], 9);
    arr[3] = -1;
    assert.equal(arr.get(3), -1);
    assert.equal(arr.get(-1), 81);
    assert.deepEqual([...new SharedArray('d', [0.5, 1.5])], [0.5, 1.5]);
    assert.throws(() => arr.get(10), RangeError);
  });
});
