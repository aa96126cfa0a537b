import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BufferTooShort, EOFError, MessageTooLarge, Pipe, Process, SerializationError, ValueError } from 'multiproc';
import * as ends from './fixtures/sync-ends.ts';
import * as ipc from './fixtures/ipc.ts';
import { startProcess } from './helpers.ts';


/** Sends each item to a child that echoes it back; `check` sees what came back beside what was sent. */
async function throughEcho<T>(sent: T[], check: (got: T, item: T) => void): Promise<void> {
  const [parent, child] = Pipe();
  const p = startProcess(ipc.echo, child);
  for (const item of sent) parent.send(item);
  for (const item of sent) check(await parent.recv<T>(), item);
  parent.close();
  await p.join();
  assert.equal(p.exitCode, 0);
}

describe('Pipe', () => {
  test('duplex: both ends send and receive, across processes, in order', async () => {
    await throughEcho([1, 'two', { three: new Map([[3, new Set([3])]]) }, [4n], null, undefined, new Date(6)], (got, item) => assert.deepEqual(got, item));
  });

  test('short arrays of primitives (written by hand, not by V8) come back exactly; others go the long way intact', async () => {
    const holey = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const withProp = Object.assign([1, 2], { note: 'kept' });
    const signed = [0, -0, NaN, Infinity, -1.5, 2 ** 53];
    const sent: unknown[][] = [
      [], signed, ['', 'ünïcødé 🎉', 'x'.repeat(1000)], [true, false, null, undefined],
      holey, withProp, Array.from({ length: 65 }, (_, i) => i), ['y'.repeat(5000)], [1, { nested: [2] }], [1n],
    ];
    await throughEcho(sent, (got, item) => {
      assert.deepEqual(got, item);
      if (item === holey) assert.equal(1 in got, false, 'a hole stays a hole');
      if (item === withProp) assert.equal((got as unknown as { note: string }).note, 'kept');
      if (item === signed) assert.ok(Object.is(got[1], -0) && Number.isNaN(got[2]));
    });
  });

  test('a Buffer or typed array sent on its own comes back with its type, contents and memory of its own', async () => {
    const big = Buffer.alloc(3 * 2 ** 20, 7);
    big.writeUInt32LE(0xdeadbeef, 12345);
    const odd = new Float64Array(new ArrayBuffer(8 * 11), 8, 9).map((_, i) => i / 3);
    class Tagged extends Uint8Array { tag = 'kept'; }
    const sent: ArrayBufferView[] = [
      Buffer.from('small'), big, new Uint8Array([1, 2, 3]), new Int16Array([-1, 2, -3]), odd, new BigInt64Array([-(2n ** 60n)]),
      new Float32Array(100_000).fill(0.5), new DataView(new ArrayBuffer(4)), new Uint8Array(0), new Tagged(2),
    ];
    await throughEcho(sent, (got, item) => {
      assert.equal(got.constructor, item instanceof Tagged ? Uint8Array : item.constructor, `a ${item.constructor.name} comes back as one`);
      assert.deepEqual(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(item.buffer, item.byteOffset, item.byteLength));
      if (got.byteLength <= 64 * 1024) assert.equal(got.buffer.byteLength, got.byteLength, 'a small one does not share memory');
    });
  });

  test('the first end can be the one sent to the child', async () => {
    const [a, b] = Pipe();
    const p = startProcess(ipc.echo, a);
    b.send('ping');
    assert.equal(await b.recv(), 'ping');
    b.close();
    await p.join();
  });

  test('an end held by two children: the second one\'s message arrives after the first exits; EOF once both have', async () => {
    const [a, b] = Pipe();
    const first = startProcess(ends.sendAfter, b, 'one', 0);
    const second = startProcess(ends.sendAfter, b, 'two', 1.5);
    assert.equal(await a.recv(), 'one');
    await first.join();
    assert.equal(await a.recv(), 'two');
    await second.join();
    await assert.rejects(a.recv(), EOFError);
    assert.deepEqual([first.exitCode, second.exitCode], [0, 0]);
  });

  test('an end used here can be sent to a child too: both hold it, and EOF comes once both have closed it', async () => {
    const [a, b] = Pipe();
    b.send('here');
    assert.equal(await a.recv(), 'here');
    const child = startProcess(ends.sendAfter, b, 'there', 0.5);
    assert.equal(await a.recv(), 'there');
    await child.join();
    b.send('here again');
    assert.equal(await a.recv(), 'here again');
    assert.equal(await a.poll(0.3), false, 'this process still holds its copy');
    b.close();
    await assert.rejects(a.recv(), EOFError);
  });

  test('recv raises EOFError once the other end is closed and nothing is left', async () => {
    const [reader, writer] = Pipe(false);
    const p = startProcess(ipc.sendThenClose, writer, ['a', 'b']);
    assert.equal(await reader.recv(), 'a');
    assert.equal(await reader.recv(), 'b');
    await assert.rejects(reader.recv(), EOFError);
    await p.join();
    const [x, y] = Pipe();
    y.close();
    await assert.rejects(x.recv(), EOFError);
  });

  test('a burst of 100,000 messages closed right after is all delivered, then EOF', async () => {
    const [reader, writer] = Pipe(false);
    const p = startProcess(ipc.burstThenClose, writer, 100_000);
    let count = 0;
    let sum = 0;
    await assert.rejects(async () => {
      for (;;) {
        sum += await reader.recv<number>();
        count++;
      }
    }, EOFError);
    assert.equal(count, 100_000);
    assert.equal(sum, (100_000 * 99_999) / 2);
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test('sendBytes and recvBytes, maxlength, recvBytesInto and BufferTooShort', async () => {
    const [a, b] = Pipe();
    const p = startProcess(ipc.bytesEcho, b);
    a.sendBytes(Buffer.from('xxhelloxx'), 2, 5);
    assert.equal((await a.recvBytes()).toString(), 'hello!');
    await p.join();

    const [c, d] = Pipe();
    c.sendBytes(new Uint8Array([1, 2, 3, 4]));
    c.sendBytes(new Uint8Array([5, 6, 7]));
    c.sendBytes(new Uint8Array([8, 9]));
    const into = new Uint8Array(6);
    assert.equal(await d.recvBytesInto(into, 1), 4);
    assert.deepEqual([...into], [0, 1, 2, 3, 4, 0]);
    await assert.rejects(d.recvBytesInto(new Uint8Array(2)), BufferTooShort);
    await assert.rejects(d.recvBytes(1), { name: 'ValueError', message: /bad message length/ });
    assert.equal(d.closed, true);
  });

  test('poll waits at most its timeout, and sees data and EOF', async () => {
    const [a, b] = Pipe();
    assert.equal(await a.poll(), false);
    const started = Date.now();
    assert.equal(await a.poll(0.1), false);
    assert.equal(Date.now() - started >= 90, true);
    b.send(1);
    assert.equal(await a.poll(1), true);
    assert.equal(await a.recv(), 1);
    b.close();
    assert.equal(await a.poll(null), true);
  });

  test('one-way pipes refuse the wrong direction; closed ends are errors', async () => {
    const [reader, writer] = Pipe(false);
    assert.equal(reader.writable, false);
    assert.equal(writer.readable, false);
    assert.throws(() => reader.send(1), { name: 'ValueError', message: 'connection is read-only' });
    await assert.rejects(writer.recv(), { name: 'ValueError', message: 'connection is write-only' });
    writer.close();
    assert.throws(() => writer.send(1), { name: 'ValueError', message: 'handle is closed' });
    await assert.rejects(reader.recv(), EOFError, 'the other end hears of the close instead of waiting');
    reader.close();
    await assert.rejects(reader.recv(), { name: 'ValueError', message: 'handle is closed' });
    await assert.rejects(reader.poll(), { name: 'ValueError', message: 'handle is closed' });
    assert.throws(() => new Process({ target: ipc.echo, args: [writer] }).start(), ValueError);
  });

  test('bad input: unserializable objects and messages over the limit are refused before sending', async () => {
    const [a, b] = Pipe();
    const { Socket } = await import('node:net');
    assert.throws(() => a.send({ socket: new Socket() }), (e: Error) => e instanceof SerializationError && /^the object\.socket cannot be sent to another process: a Socket object cannot be serialized/.test(e.message));
    assert.throws(() => a.send(Buffer.alloc(257 * 1024 * 1024)), (e: Error) => e instanceof MessageTooLarge && /^message of 257\.0 MiB exceeds the limit of 256 MiB per message; nothing was sent$/.test(e.message));
    assert.throws(() => a.sendBytes(Buffer.alloc(257 * 1024 * 1024)), (e: Error) => e instanceof MessageTooLarge && /^message of 257\.0 MiB exceeds the limit/.test(e.message));
    assert.throws(() => a.sendBytes('text' as unknown as Buffer), TypeError);
    a.send('still works');
    assert.equal(await b.recv(), 'still works');
  });

  test('an end passed three levels down still reaches the other end', async () => {
    const [a, b] = Pipe();
    const p = startProcess(ipc.pipePassDown, b, 2);
    assert.equal(await a.recv(), 'hello from 0');
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test('the first end, once used here, cannot be sent to another process', async () => {
    const [a, b] = Pipe();
    a.send(1);
    assert.equal(await b.recv(), 1);
    assert.throws(() => new Process({ target: ipc.echo, args: [a] }).start(), /^ValueError: the first end of a Pipe\(\) that has been used in this process cannot be sent to another one \(the second end can\)/);
  });
});
