import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AuthenticationError, Manager, Queue, SyncManager, serveManager, type DictProxy } from 'multiproc';
import * as managed from './fixtures/managed.ts';
import { ROOT, runProgram, startProcess } from './helpers.ts';


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
