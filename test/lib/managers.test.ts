import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AuthenticationError, Manager, Pipe, Process, Queue, SyncManager, serveManager, type DictProxy, type QueueProxy } from 'multiproc';
import * as managed from './fixtures/managed.ts';
import { ROOT, runProgram, startProcess, tempFile } from './helpers.ts';

/** What a library object sends of itself to another process; a peer can send any such description. */
function forged(kind: string, state: unknown): object {
  return { [Symbol.for('multiproc.reduce')]: () => ({ kind, state }) };
}

/** A process's resident memory, in MiB. */
function rssMiB(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024;
}

function closed(socket: Socket, withinMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}


describe('Manager', () => {
  test('dict, list, Namespace, Value, Queue, Lock and Event proxies', async () => {
    await using m = await Manager();
    const d = await m.dict<string, number>({ a: 1 });
    await d.set('b', 2);
    assert.equal(await d.get('a'), 1);
    assert.equal(await d.get('zz', 9), 9);
    await assert.rejects(d.getItem('zz'), /KeyError/);
    assert.equal(await d.len(), 2);
    assert.deepEqual(await d.copy(), new Map([['a', 1], ['b', 2]]));
    assert.equal(await d.pop('a'), 1);
    assert.deepEqual(await d.keys(), ['b']);

    const l = await m.list([3, 1, 2]);
    await l.append(0);
    await l.sort();
    assert.deepEqual(await l.copy(), [0, 1, 2, 3]);
    assert.equal(await l.get(-1), 3);
    await assert.rejects(l.remove(7), /not in list/);

    const ns = await m.Namespace({ x: 1 });
    ns.y = 'two';
    assert.equal(await ns.x, 1);
    assert.equal(await ns.y, 'two');
    await assert.rejects(ns.get('nope') as Promise<unknown>, /has no attribute 'nope'/);

    const v = await m.Value('i', 5);
    v.value = 6;
    assert.equal(await v.value, 6);

    const q = await m.Queue<number>(1);
    await q.put(1);
    await assert.rejects(q.putNowait(2), { name: 'Full' });
    assert.equal(await q.get(), 1);
    await assert.rejects(q.get({ timeout: 0.05 }), { name: 'Empty' });

    const lock = await m.Lock();
    assert.equal(await lock.acquire(), true);
    assert.equal(await lock.acquire(false), false);
    await lock.release();
    const e = await m.Event();
    assert.equal(await e.isSet(), false);
    await e.set();
    assert.equal(await e.wait(1), true);
  });

  test('proxies passed to processes, three levels deep, and through a queue', async () => {
    await using m = await Manager();
    const d = await m.dict<string, number>();
    const l = await m.list<number>();
    const ps = [1, 2, 3].map((i) => startProcess(managed.record, d, l, i));
    for (const p of ps) {
      await p.join();
      assert.equal(p.exitCode, 0);
    }
    assert.deepEqual([...(await d.copy())].sort(), [['k1', 10], ['k2', 20], ['k3', 30]]);
    assert.deepEqual((await l.copy()).sort(), [1, 2, 3]);

    const deep = await m.dict<string, string>();
    const p = startProcess(managed.deeper, deep, 2);
    await p.join();
    assert.match((await deep.get('deepest')) ?? '', /^set \d+$/);

    const carrier = new Queue<DictProxy<string, number>>();
    await carrier.put(d);
    const back = await carrier.get();
    assert.equal(await back.get('k2'), 20);
  });

  test('a Value updated under a manager Lock from 3 processes is exact', async () => {
    await using m = await Manager();
    const v = await m.Value('i', 0);
    const lock = await m.Lock();
    const ps = [0, 1, 2].map(() => startProcess(managed.addUnderLock, v, lock, 100));
    for (const p of ps) await p.join();
    assert.equal(await v.get(), 300);
  });

  test('served over TCP to another program; a wrong authkey is refused and nothing is served', async () => {
    const jobs = new Queue<string>();
    await jobs.put('job 1');
    let created = 0;
    const server = await serveManager({
      address: { host: '127.0.0.1', port: 0 },
      authkey: 'abracadabra',
      register: { jobs: () => { created++; return jobs; } },
    });
    const { port } = server.address as { host: string; port: number };
    const client = path.join(ROOT, 'test/lib/programs/remote-client.ts');
    const wrong = await runProgram(client, ['127.0.0.1', String(port), 'wrong key']);
    assert.equal(wrong.stdout, 'AuthenticationError: digest sent was rejected\n');
    assert.equal(wrong.code, 3);
    assert.equal(created, 0, 'nothing was served to the client with the wrong key');
    await assert.rejects(SyncManager.connect({ address: server.address, authkey: 'also wrong' }), AuthenticationError);
    const right = await runProgram(client, ['127.0.0.1', String(port), 'abracadabra']);
    assert.equal(right.stdout, 'got job 1\n');
    assert.equal(right.code, 0);
    assert.equal(await jobs.get({ timeout: 5 }), 'done');
    assert.equal(created, 1);
    await server.close();
  });

  test('shutdown ends the server process; its proxies then fail clearly', async () => {
    const m = await Manager();
    const d = await m.dict();
    await m.shutdown();
    await assert.rejects(d.get('x'));
  });
});

describe('Manager security', () => {
  test('before the handshake: a long frame is refused at once without growing the server, a silent peer is dropped, a good client still works', async () => {
    const [ready, tell] = Pipe(false);
    const server = new Process({ target: managed.serveOverTcp, args: ['sesame', 1, tell], daemon: true });
    server.start();
    const port = await ready.recv<number>();
    const before = rssMiB(server.pid!);

    // Four peers each announce a 100 MiB frame and send data until they are cut off.
    const FRAME = 100 * 2 ** 20;
    const chunk = Buffer.alloc(2 ** 20, 7);
    const attacks = [0, 1, 2, 3].map(async () => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.on('error', () => {});
      const head = Buffer.alloc(4);
      head.writeUInt32BE(FRAME, 0);
      const pump = async () => {
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(head);
        for (let sent = 0; sent < FRAME && !socket.destroyed; sent += chunk.length) {
          if (!socket.write(chunk)) await new Promise((resolve) => { socket.once('drain', resolve); socket.once('close', resolve); });
        }
      };
      void pump();
      assert.ok(await closed(socket, 20_000), 'the server dropped the peer');
      return socket.bytesWritten;
    });
    for (const written of await Promise.all(attacks)) assert.ok(written < FRAME / 2, `the server read ${written} bytes of the frame before dropping it`);
    const growth = rssMiB(server.pid!) - before;
    assert.ok(growth < 10, `the server grew by ${growth.toFixed(1)} MiB`);

    const silent = connect({ port, host: '127.0.0.1' });
    silent.on('error', () => {});
    // It reads (the challenge), so that it sees the end; it never answers.
    silent.resume();
    const start = Date.now();
    assert.ok(await closed(silent, 20_000), 'a silent peer is dropped after the handshake timeout');
    assert.ok(Date.now() - start >= 900, `dropped after ${Date.now() - start} ms, before the timeout`);

    const m = await SyncManager.connect({ address: { host: '127.0.0.1', port }, authkey: 'sesame' });
    const d = await m.dict<string, string>();
    await d.set('still', 'works');
    assert.equal(await d.get('still'), 'works');
    await m.shutdown();
    await server.join(10);
    assert.equal(server.exitCode, 0);
  });

  test("a peer's shared objects are held as they came: no file of the server is replaced, opened or imported", async () => {
    await using m = await Manager();
    const d = await m.dict<unknown, unknown>();
    const secret = tempFile('secret');
    writeFileSync(secret, 'the password is swordfish\n');
    chmodSync(secret, 0o600);

    // A pipe end that listens wherever it is received would make the server replace the file with a socket.
    await d.set('end', forged('Connection', { address: secret, listen: true, readable: true, writable: false }));
    const ns = await m.Namespace();
    await ns.set('end', forged('Connection', { address: secret, listen: true, readable: true, writable: false }));
    const q = await m.Queue();
    await q.put(forged('Connection', { address: secret, listen: true, readable: true, writable: false }));
    assert.equal(await d.len(), 1);
    assert.ok(lstatSync(secret).isFile(), 'the file is still a file');

    // Shared memory at the file's path would be opened, and its bytes echoed by a KeyError.
    const array = forged('Array', { path: secret, typecode: 'B', length: 26, lock: null });
    await assert.rejects(d.getItem(array), (error: Error) => {
      assert.equal(error.message, 'KeyError: <Array held for another process>');
      return true;
    });
    await assert.rejects(d.getItem(forged('Value', { path: secret, typecode: 'c', length: 1, lock: null })), { message: 'KeyError: <Value held for another process>' });

    // A function sent by reference names a module: the server imports none.
    const loaded = tempFile('loaded');
    const module = tempFile('module') + '.cjs';
    writeFileSync(module, `require('node:fs').writeFileSync(${JSON.stringify(loaded)}, 'imported'); exports.f = () => 1;\n`);
    await d.set('f', forged('function', { module, kind: 'cjs', name: 'f' }));
    await d.set('secret', forged('function', { module: secret, kind: 'cjs', name: 'f' }));
    assert.equal(await d.len(), 3);
    assert.equal(existsSync(loaded), false, 'the server did not import the module');
    assert.equal(readFileSync(secret, 'utf8'), 'the password is swordfish\n');
  });

  test("over TCP: a peer's shared object is refused from the server program's own Queue, and registered names are only the registered ones", async () => {
    const jobs = new Queue<unknown>();
    const server = await serveManager({ address: { host: '127.0.0.1', port: 0 }, authkey: 'k', register: { jobs: () => jobs } });
    const m = await SyncManager.connect({ address: server.address, authkey: 'k' });
    const q = await m.get<QueueProxy<unknown>>('jobs');
    const secret = tempFile('secret');
    writeFileSync(secret, 'x');
    await assert.rejects(q.put(forged('Connection', { address: secret, listen: true, readable: true, writable: false })), {
      name: 'TypeError', message: "a manager's client cannot put shared objects or functions into the server program's own Queue",
    });
    await q.put('plain data is fine');
    assert.equal(await jobs.get({ timeout: 5 }), 'plain data is fine');
    assert.ok(lstatSync(secret).isFile());
    await assert.rejects(m.get('constructor'), /no registered object named 'constructor'/);
    const ns = await m.Namespace();
    await assert.rejects(ns.get('constructor') as Promise<unknown>, /has no attribute 'constructor'/);
    await ns.set('__proto__', { polluted: true });
    assert.deepEqual(await ns.copy(), { ['__proto__']: { polluted: true } });
    await m.shutdown();
  });

  test('an exported function in a dict comes back by reference; one whose module does not load fails that call only', async () => {
    await using m = await Manager();
    const d = await m.dict<string, unknown>();
    await d.set('f', managed.double);
    const f = (await d.get('f')) as typeof managed.double;
    assert.equal(f, managed.double);
    assert.equal(f(21), 42);
    await d.set('n', 1);
    assert.equal(await d.get('n'), 1);

    await d.set('missing', forged('function', { module: path.join(ROOT, 'no-such-module.cjs'), kind: 'cjs', name: 'f' }));
    await assert.rejects(d.get('missing'), /Cannot find module/);
    assert.deepEqual((await d.keys()).sort(), ['f', 'missing', 'n']);
    const l = await m.list<unknown>([managed.double]);
    assert.equal(((await l.get(0)) as typeof managed.double)(2), 4);
  });

  test('ListProxy.extend with 200,000 items', async () => {
    await using m = await Manager();
    const l = await m.list<number>([1]);
    await l.extend(Array.from({ length: 200_000 }, (_, i) => i));
    assert.equal(await l.len(), 200_001);
    assert.equal(await l.get(-1), 199_999);
  });
});
