import assert from 'node:assert/strict';
import { readFileSync, readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  Empty, Full, JoinableQueue, MessageTooLarge, Process, Queue, SerializationError, SimpleQueue, ValueError,
} from 'multiproc';
import * as ipc from './fixtures/ipc.ts';
import * as ends from './fixtures/queue-ends.ts';
import * as faults from './fixtures/queue-faults.ts';
import { checkProducersThatExit } from '../stress/exits.ts';
import * as stress from '../stress/targets.ts';
import { sleepMs, startProcess, tempFile, waitFor } from './helpers.ts';


describe('Queue in one process', () => {
  test('FIFO, qsize, empty, full, getNowait and timeouts', async () => {
    const q = new Queue<number>(2);
    assert.equal(q.empty(), true);
    await q.put(1);
    await q.putNowait(2);
    assert.equal(q.qsize(), 2);
    assert.equal(q.full(), true);
    await assert.rejects(q.putNowait(3), Full);
    const started = Date.now();
    await assert.rejects(q.put(3, { timeout: 0.1 }), Full);
    assert.equal(Date.now() - started >= 90, true);
    assert.equal(await q.get(), 1);
    assert.equal(await q.getNowait(), 2);
    await assert.rejects(q.getNowait(), Empty);
    await assert.rejects(q.get({ timeout: 0.05 }), Empty);
    await assert.rejects(q.get({ block: false }), Empty);
  });

  test('a blocked put goes through when a get makes room, in order', async () => {
    const q = new Queue<string>(1);
    await q.put('a');
    const later = q.put('b');
    assert.equal(await q.get(), 'a');
    await later;
    assert.equal(await q.get(), 'b');
  });

  test('values keep their types; the item is copied at put', async () => {
    const q = new Queue<Record<string, unknown>>();
    const item = { map: new Map([[1, 'one']]), big: 10n ** 20n, date: new Date(5), nested: [1, { x: 'y' }] };
    await q.put(item);
    item.nested = [];
    const got = await q.get();
    assert.deepEqual(got, { map: new Map([[1, 'one']]), big: 10n ** 20n, date: new Date(5), nested: [1, { x: 'y' }] });
    for (const v of [0, -0, NaN, Infinity, 'ü', '', true, false, null, undefined]) {
      await q.put(v as never);
      assert.equal(Object.is(await q.get(), v), true, `round trip of ${String(v)}`);
    }
  });

  test('bad input: unserializable items, too large items, closed queues, bad options', async () => {
    const q = new Queue();
    await assert.rejects(q.put({ f: () => 1 }), (e: Error) => e instanceof SerializationError && /the item\.f cannot be sent.*a function f/.test(e.message));
    await assert.rejects(q.put(new Map([['k', Symbol('s')]])), (e: Error) => e instanceof SerializationError && /the item\.get\(k\) cannot be sent.*a symbol cannot/.test(e.message));
    await assert.rejects(q.put(Buffer.alloc(257 * 1024 * 1024)), (e: Error) => e instanceof MessageTooLarge && /exceeds the limit of 256 MiB.*nothing was sent/.test(e.message));
    assert.equal(q.qsize(), 0);
    await q.put('the queue goes on');
    assert.equal(await q.get(), 'the queue goes on');
    await assert.rejects(q.get({ timeout: -1 }), ValueError);
    assert.throws(() => new Queue(1.5), TypeError);
    q.close();
    await assert.rejects(q.put(1), { name: 'ValueError', message: /is closed/ });
    await assert.rejects(q.get(), { name: 'ValueError', message: /is closed/ });
  });

  test('bad input in a child: an unserializable item and a put after close fail there, naming what; the queue goes on', async () => {
    const q = new Queue<unknown>();
    const out = new Queue<Array<{ name: string; message: string }>>();
    const p = startProcess(ipc.misuseThenClose, q, out);
    const [unserializable, closed] = await out.get();
    assert.equal(unserializable.name, 'SerializationError');
    assert.match(unserializable.message, /^the item\.fn cannot be sent to another process: a function fn cannot be serialized/);
    assert.equal(closed.name, 'ValueError');
    assert.match(closed.message, /^Queue Queue-\d+-\w+ is closed$/);
    assert.equal(await q.get(), 'before the bad item');
    assert.equal(await q.get(), 'after the bad item, before close');
    await p.join();
    assert.equal(p.exitCode, 0);
    await q.put('the owner goes on');
    assert.equal(await q.get(), 'the owner goes on');
  });

  test('SimpleQueue and JoinableQueue', async () => {
    const s = new SimpleQueue<number>();
    await s.put(1);
    assert.equal(await s.get(), 1);
    assert.equal(s.empty(), true);
    const j = new JoinableQueue<number>();
    await j.put(1);
    await j.put(2);
    await j.get();
    j.taskDone();
    let joined = false;
    const done = j.join().then(() => { joined = true; });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(joined, false);
    await j.get();
    j.taskDone();
    await done;
    assert.throws(() => j.taskDone(), { name: 'ValueError', message: 'task_done() called too many times' });
  });
});

describe('Queue between processes', () => {
  test('child → main, main → child, and child → child, in order', async () => {
    const q = new Queue<number>();
    const out = new Queue<unknown>();
    const producer = startProcess(ipc.produce, q, 0, 1000);
    for (let i = 0; i < 1000; i++) assert.equal(await q.get(), i);
    await producer.join();
    assert.equal(producer.exitCode, 0);

    const collector = startProcess(ipc.collect, q, 500, out);
    for (let i = 0; i < 500; i++) await q.put(i);
    assert.deepEqual(await out.get(), Array.from({ length: 500 }, (_, i) => i));

    const consumer = startProcess(ipc.collect, q, 300, out);
    const producer2 = startProcess(ipc.produce, q, 7, 300);
    assert.deepEqual(await out.get(), Array.from({ length: 300 }, (_, i) => i + 7));
    for (const p of [collector, consumer, producer2]) {
      await p.join();
      assert.equal(p.exitCode, 0);
    }
  });

  test('types survive the trip to a child', async () => {
    const q = new Queue();
    const out = new Queue<Record<string, unknown>>();
    const p = startProcess(ipc.echoTyped, q, out);
    await q.put({ map: new Map(), set: new Set([1]), date: new Date(), big: 1n, bytes: new Uint8Array(4), error: new TypeError('t') });
    assert.deepEqual(await out.get(), { map: true, set: true, date: true, big: 'bigint', bytes: true, error: 't' });
    await p.join();
  });

  test('a producer can end and be joined before anyone reads, and nothing is lost (Python deadlocks here)', async () => {
    const q = new Queue<number>();
    const p = startProcess(ipc.produce, q, 0, 20_000);
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.equal(q.qsize(), 20_000);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += await q.get();
    assert.equal(sum, (20_000 * 19_999) / 2);
  });

  test('qsize and empty seen from another process', async () => {
    const q = new Queue<number>();
    const out = new Queue<unknown>();
    for (let i = 0; i < 5; i++) await q.put(i);
    const p = startProcess(ipc.collect, q, 5, out);
    assert.deepEqual(await out.get(), [0, 1, 2, 3, 4]);
    await p.join();
    assert.equal(q.empty(), true);
  });

  test('three levels deep, and a queue sent through a queue', async () => {
    const q = new Queue<string>();
    const p = startProcess(ipc.passDown, q, 'from the great-grandchild', 2);
    assert.equal(await q.get({ timeout: 20 }), 'from the great-grandchild');
    await p.join();
    assert.equal(p.exitCode, 0);
    const carrier = new Queue<Queue<unknown>>();
    const reply = new Queue<string>();
    const a = startProcess(ipc.answerThrough, carrier);
    await carrier.put(reply);
    assert.equal(await reply.get({ timeout: 20 }), 'answer through a queue that came through a queue');
    await a.join();
  });

  test('bounded queue: a remote producer waits for room', async () => {
    const q = new Queue<number>(3);
    const p = startProcess(ipc.produce, q, 0, 50);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(q.qsize() <= 3, true, `qsize ${q.qsize()} exceeds maxsize`);
    for (let i = 0; i < 50; i++) assert.equal(await q.get(), i);
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test('a consumer that gets until empty() while another process puts never blocks on a queue it saw non-empty', async () => {
    // Seed 000's pattern. What it gets depends on timing; but empty() must never count an item
    // twice (once held by the owner, once as sent), or the last get() waits forever.
    for (let round = 0; round < 20; round++) {
      const q = new Queue<number>();
      const out = new Queue<number[]>();
      const producer = startProcess(ipc.produce, q, 0, 3);
      const consumer = startProcess(ipc.getUntilEmpty, q, out);
      const got = await out.get({ timeout: 10 }).catch(() => assert.fail(`round ${round}: the consumer is stuck in get() with qsize ${q.qsize()}`));
      await producer.join();
      await consumer.join();
      const left: number[] = [];
      while (!q.empty()) left.push(await q.get());
      assert.deepEqual([...got, ...left].sort(), [0, 1, 2], `round ${round}`);
    }
  });

  test('a consumer killed mid-stream loses at most the item it was holding', async () => {
    // The victim writes down each item as get() returns it. (A relay to a second queue would not
    // do: what a killed process had put there but not yet sent dies with it, as in Python.)
    const { readFileSync } = await import('node:fs');
    const { tempFile } = await import('./helpers.ts');
    const q = new Queue<number>();
    const n = 2000;
    for (let i = 0; i < n; i++) await q.put(i);
    const file = tempFile('taken');
    const victim = startProcess(ipc.recordEach, q, file);
    const taken = () => readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
    assert.ok(await waitFor(() => { try { return taken().length >= 200; } catch { return false; } }, 20_000), 'the consumer took 200 items');
    victim.kill();
    await victim.join();
    assert.equal(victim.exitCode, -9);
    const got = new Set(taken());
    const rest: number[] = [];
    while (!q.empty()) rest.push(await q.get());
    for (const r of rest) assert.equal(got.has(r), false, `item ${r} was both taken and left in the queue`);
    const total = got.size + rest.length;
    assert.equal(total >= n - 1 && total <= n, true, `${n - total} items lost`);
  });

  test('a fast consumer killed mid-stream gives back what it had read ahead', async () => {
    const { readFileSync } = await import('node:fs');
    const { tempFile } = await import('./helpers.ts');
    const q = new Queue<number>();
    const n = 200_000;
    const producer = startProcess(ipc.produce, q, 0, n);
    await producer.join();
    const file = tempFile('consumed');
    const victim = startProcess(ipc.recordEach, q, file);
    while (q.qsize() > n / 2) await new Promise((r) => setTimeout(r, 5));
    victim.kill();
    await victim.join();
    const consumed = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
    const rest: number[] = [];
    while (!q.empty()) rest.push(await q.get());
    const all = [...consumed, ...rest];
    assert.equal(new Set(all).size, all.length, 'an item was both consumed and given back');
    assert.equal(n - all.length <= 1, true, `${n - all.length} items lost`);
  });

  test('load: 4 producers × 25,000 items, 2 consumers, every item received exactly once', async () => {
    const q = new Queue<number | null>();
    const out = new Queue<number[]>();
    const producers = [0, 1, 2, 3].map((k) => startProcess(ipc.produce, q, k * 25_000, 25_000));
    const consumers = [0, 1].map(() => startProcess(ipc.drain, q, out));
    for (const p of producers) await p.join();
    await q.put(null);
    await q.put(null);
    const all = [...(await out.get()), ...(await out.get())];
    for (const c of consumers) await c.join();
    assert.equal(all.length, 100_000);
    assert.equal(new Set(all).size, 100_000);
    assert.equal(Math.min(...all), 0);
    assert.equal(Math.max(...all), 99_999);
  });

  test('JoinableQueue across processes', async () => {
    const q = new JoinableQueue<number>();
    const results = new Queue<number>();
    const worker = new Process({ target: ipc.work, args: [q, results], daemon: true });
    worker.start();
    for (let i = 0; i < 20; i++) await q.put(i);
    await q.join();
    // Every task is done; their results may still be on their way (Python's put is asynchronous too).
    const squares: number[] = [];
    for (let i = 0; i < 20; i++) squares.push(await results.get({ timeout: 10 }));
    assert.deepEqual(squares.sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i * i));
    worker.terminate();
    await worker.join();
  });

  test('in another process: getNowait, putNowait on a bounded queue, join, the kinds kept, and a queue sent back is the owner\'s own', async () => {
    const s = new SimpleQueue<string>();
    await s.put('held by the owner');
    const bounded = new Queue<number>(1);
    const j = new JoinableQueue<number>();
    await j.put(1);
    await j.put(2);
    const out = new Queue<unknown>();
    const p = startProcess(ends.withoutBlocking, s, bounded, j, out);
    assert.deepEqual(await out.get({ timeout: 20 }), [true, true, 'held by the owner', 'Empty', 'Full', 'joined']);
    assert.equal(await out.get({ timeout: 20 }), s);
    assert.equal(await bounded.get(), 1);
    assert.equal(bounded.empty(), true);
    await j.join();
    await p.join();
    assert.equal(p.exitCode, 0);
  });
});

describe('Queue under faults', () => {
  test('producers that exit right after their last put on a bounded queue, beside a busy CPU: every item arrives once', { timeout: 300_000 }, async () => {
    await checkProducersThatExit({ rounds: 4, producers: 10, perProducer: 200, maxsize: 4 });
  });

  test('a producer that exits while the owner, busy, has not read its last puts: the owner\'s reply to it does not drop them', async () => {
    // Queue(4): the producer's 5th put waits for room and asks for two places (its requests
    // grow); each get below grants one. The owner's event loop is blocked while the producer
    // puts its last item and exits, so that the next get grants the place still asked for, to
    // a process that is gone, before the owner has read that last item.
    const q = new Queue<number>(4);
    const p = startProcess(stress.putThenExit, q, 0, 6);
    const block = (ms: number) => { const end = Date.now() + ms; while (Date.now() < end) { /* the owner reads nothing */ } };
    assert.ok(await waitFor(() => q.qsize() === 4, 30_000));
    await sleepMs(300);
    const got = [await q.get()];
    await new Promise((resolve) => setImmediate(resolve));
    block(1000);
    assert.ok(await waitFor(() => q.qsize() === 4, 30_000));
    await sleepMs(300);
    got.push(await q.get());
    await new Promise((resolve) => setImmediate(resolve));
    block(2000);
    for (let i = 0; i < 4; i++) got.push(await q.get({ timeout: 10 }).catch(() => -1));
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test('a consumer in another process whose get({ timeout }) timed out gets the items put later', async () => {
    const q = new Queue<number>();
    const out = new Queue<unknown>();
    const p = startProcess(faults.pollThenGet, q, 3, out);
    assert.equal(await out.get({ timeout: 30 }), 'Empty');
    for (let i = 0; i < 3; i++) await q.put(i);
    assert.deepEqual(await out.get({ timeout: 30 }), [0, 1, 2]);
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test('get({ timeout: 1e7 }) and a put on a full queue with timeout: Infinity wait, in the owner and in another process', async () => {
    const q = new Queue<string>(1);
    const out = new Queue<unknown>();
    let started = Date.now();
    const putter = startProcess(faults.putLater, q, 'late', 300);
    assert.equal(await q.get({ timeout: 1e7 }), 'late');
    assert.ok(Date.now() - started >= 250, 'the get waited for the item');
    await putter.join();

    await q.put('fills it');
    const getter = startProcess(faults.getLater, q, 300, out);
    started = Date.now();
    await q.put('waits for room', { timeout: Infinity });
    assert.ok(Date.now() - started >= 250, 'the put waited for room');
    assert.equal(await out.get({ timeout: 30 }), 'fills it');
    assert.equal(await q.get(), 'waits for room');
    await getter.join();

    const remote = startProcess(faults.getWithHugeTimeout, q, out);
    await sleepMs(300);
    await q.put('for the child');
    const [item, waited] = await out.get({ timeout: 30 }) as [string, number];
    assert.equal(item, 'for the child');
    assert.ok(waited >= 250, `the child's get waited (${waited} ms)`);
    await remote.join();
  });

  test('two slow consumers in other processes share the items fairly', async () => {
    const q = new Queue<number | null>();
    const out = new Queue<unknown>();
    const consumers = [0, 1].map(() => startProcess(faults.slowConsume, q, 20, out));
    for (let i = 0; i < 2; i++) assert.equal(await out.get({ timeout: 30 }), 'ready');
    const n = 400;
    for (let i = 0; i < n; i++) await q.put(i);
    for (let i = 0; i < 2; i++) await q.put(null);
    const counts = [await out.get({ timeout: 60 }), await out.get({ timeout: 60 })] as number[];
    for (const c of consumers) await c.join();
    assert.equal(counts[0] + counts[1], n);
    assert.ok(Math.min(...counts) >= 0.35 * n, `shares ${counts.join(' and ')} of ${n}`);
  });

  test('1,000 queues created and closed in their owner leave no descriptors and no shared-memory files', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const warm = new Queue();
    const dir = path.dirname(((warm as unknown as Record<symbol, () => { state: { ledger: string } }>)[Symbol.for('multiproc.reduce')]()).state.ledger);
    warm.close();
    const before = { fds: fds(), files: readdirSync(dir).length };
    for (let i = 0; i < 1000; i++) {
      const q = new Queue<number>(i % 2);
      await q.put(i);
      assert.equal(await q.get(), i);
      q.close();
    }
    const after = { fds: fds(), files: readdirSync(dir).length };
    assert.ok(after.fds <= before.fds + 3, `descriptors grew from ${before.fds} to ${after.fds}`);
    assert.ok(after.files <= before.files + 3, `shared-memory files grew from ${before.files} to ${after.files}`);
  });

  test('a queue closed in its owner still serves the processes that hold it', async () => {
    const q = new Queue<number>();
    const out = new Queue<unknown>();
    const p = startProcess(ipc.collect, q, 3, out);
    for (let i = 0; i < 3; i++) await q.put(i);
    q.close();
    assert.deepEqual(await out.get({ timeout: 30 }), [0, 1, 2]);
    await p.join();
    assert.equal(p.exitCode, 0);
  });
});

describe('Big items between processes go through files', () => {
  // A remote producer writes an item of 80 KiB or more to a file in the owner's shared-memory
  // directory (the one of the queue's ledger) and sends only its name.
  const refOf = (q: Queue<unknown>) => (q as unknown as Record<symbol, () => { state: { ledger: string; id: string } }>)[Symbol.for('multiproc.reduce')]().state;
  const ledgerOf = (q: Queue<unknown>) => refOf(q).ledger;
  /** The files of this queue's items (the directory is the owner process's, shared by its queues). */
  const filesIn = (q: Queue<unknown>, prefix: string) => readdirSync(path.dirname(ledgerOf(q))).filter((name) => name.startsWith(`${prefix}${refOf(q).id}-`));
  const filled = (n: number, size: number, from = 0) => Array.from({ length: n }, (_, i): [number, number] => [(from + i) % 256, size]);

  test('from a producer that has exited and been joined before anyone reads them, they arrive intact, in a consumer and in the owner', async () => {
    const q = new Queue<Buffer>();
    const out = new Queue<unknown>();
    const size = 1024 * 1024;
    const p = startProcess(ipc.putFilled, q, 6, size);
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.equal(q.qsize(), 6);
    assert.equal(filesIn(q, 'item-').length, 6, 'each item waits in a file that outlived its producer');
    const c = startProcess(ipc.takeFilled, q, 3, out);
    assert.deepEqual(await out.get(), filled(3, size));
    await c.join();
    assert.deepEqual(ipc.fillOf(await q.get()), [3, size]);
    assert.deepEqual(ipc.fillOf(await q.getNowait()), [4, size]);
    assert.deepEqual(ipc.fillOf(await q.get()), [5, size]);
    assert.deepEqual(filesIn(q, 'item-'), []);
  });

  test('a bounded queue of big items: the producer waits for room, and every item arrives intact and in order', async () => {
    const q = new Queue<Buffer>(2);
    const size = 200 * 1024;
    const p = startProcess(ipc.putFilled, q, 12, size);
    const got: Array<[number, number]> = [];
    for (let i = 0; i < 12; i++) got.push(ipc.fillOf(await q.get({ timeout: 20 })));
    assert.deepEqual(got, filled(12, size));
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test('a consumer killed with references it had not handed out: those items go to another consumer, intact', async () => {
    const q = new Queue<Buffer>();
    const out = new Queue<unknown>();
    const n = 200, size = 96 * 1024, taken = 40;
    const p = startProcess(ipc.putFilled, q, n, size);
    await p.join();
    const file = tempFile('big-taken');
    const victim = startProcess(ipc.takeThenIdle, q, taken, file);
    const takenByVictim = () => { try { return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number); } catch { return []; } };
    assert.ok(await waitFor(() => takenByVictim().length === taken, 20_000), 'the victim took its items');
    // The ledger's first number is what the owner holds: less than what is left means the victim holds the rest, read ahead.
    const heldByOwner = () => readFileSync(ledgerOf(q)).readDoubleLE(0);
    assert.ok(await waitFor(() => heldByOwner() < n - taken, 5000), `the victim read ahead (the owner holds ${heldByOwner()} of ${n - taken})`);
    assert.equal(filesIn(q, 'item-').length, n - taken, 'what the victim read ahead is still in files');
    victim.kill();
    await victim.join();
    assert.equal(victim.exitCode, -9);
    assert.equal(q.qsize(), n - taken);
    const rescuer = startProcess(ipc.takeFilled, q, n - taken, out);
    const got = await out.get() as Array<[number, number]>;
    await rescuer.join();
    assert.deepEqual(takenByVictim(), filled(taken, size).map(([v]) => v));
    assert.deepEqual(got, filled(n - taken, size, taken));
    assert.deepEqual(filesIn(q, 'item-'), []);
  });

  test('no item files are left in the owner\'s directory once everything was consumed by two consumers and the owner', async () => {
    const q = new Queue<Buffer>();
    const out = new Queue<unknown>();
    const size = 128 * 1024;
    const producers = [0, 1].map(() => startProcess(ipc.putFilled, q, 50, size));
    for (const p of producers) await p.join();
    assert.equal(filesIn(q, 'item-').length, 100);
    const consumers = [0, 1].map(() => startProcess(ipc.takeFilled, q, 40, out));
    const got = [...(await out.get()) as unknown[], ...(await out.get()) as unknown[]];
    for (const c of consumers) await c.join();
    for (let i = 0; i < 20; i++) got.push(ipc.fillOf(await q.get()));
    const byValue = (a: [number, number], b: [number, number]) => a[0] - b[0];
    assert.deepEqual((got as Array<[number, number]>).sort(byValue), [...filled(50, size), ...filled(50, size)].sort(byValue));
    assert.deepEqual(filesIn(q, 'item-'), []);
  });

  test('big items the owner put go to a consumer as files too, and it removes each as it takes it', async () => {
    const q = new Queue<Buffer>();
    const out = new Queue<unknown>();
    const size = 512 * 1024;
    for (let i = 0; i < 4; i++) await q.put(Buffer.alloc(size, i));
    assert.deepEqual(filesIn(q, 'item-'), [], 'in the owner, an item waits in memory');
    const c = startProcess(ipc.takeFilled, q, 4, out);
    assert.deepEqual(await out.get(), filled(4, size));
    await c.join();
    assert.deepEqual(filesIn(q, 'item-'), []);
    assert.equal(q.qsize(), 0);
  });

  test('an item whose file is gone fails the get that takes it with a clear error, in the owner and in a consumer; the queue goes on', async () => {
    const q = new Queue<unknown>();
    const out = new Queue<unknown>();
    const p = startProcess(ipc.putFilled, q, 2, 100 * 1024);
    await p.join();
    const dir = path.dirname(ledgerOf(q));
    for (const name of filesIn(q, 'item-')) unlinkSync(path.join(dir, name));
    await assert.rejects(q.get(), { name: 'ValueError', message: /^an item of Queue Queue-\d+-\w+ is gone: its file item-\S+ was removed/ });
    const c = startProcess(ipc.takeFilled, q, 1, out);
    const [error] = await out.get() as Array<{ name: string; message: string }>;
    await c.join();
    assert.equal(c.exitCode, 0);
    assert.equal(error.name, 'ValueError');
    assert.match(error.message, /^an item of Queue Queue-\d+-\w+ is gone: its file item-\S+ was removed/);
    await q.put('the queue goes on');
    assert.equal(await q.get(), 'the queue goes on');
  });
});
