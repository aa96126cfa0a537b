// Big items: one near the limit crosses a Queue and a Pipe intact, both ways between processes;
// one over the limit is refused by put/send before a byte is sent, and what follows it arrives.
import assert from 'node:assert/strict';
import { MAX_MESSAGE_BYTES, MessageTooLarge, Pipe, Pool, Process, Queue } from 'multiproc';
import * as t from './flow-targets.ts';

const MiB = 2 ** 20;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** What a refusal must say: the size, the limit, and that nothing went. */
export function refusal(bytes: number): RegExp {
  return new RegExp(`of ${(bytes / MiB).toFixed(1)} MiB exceeds the limit of ${MAX_MESSAGE_BYTES / MiB} MiB per message; nothing was sent`);
}

function started(target: (...args: never[]) => unknown, ...args: unknown[]): Process {
  const p = new Process({ target: target as (...a: unknown[]) => unknown, args });
  p.start();
  return p;
}

async function joined(...ps: Process[]): Promise<void> {
  for (const p of ps) {
    await p.join();
    assert.equal(p.exitCode, 0, `${p.name} exit code`);
  }
}

/** Sends a fresh pattern buffer with `send`; returns its hash. The buffer is this function's only, so it can be freed once sent. */
async function sendPattern(bytes: number, seed: number, send: (data: Buffer) => unknown): Promise<{ hash: string; sentAt: number }> {
  const data = t.pattern(bytes, seed);
  const hash = t.sha256(data);
  const sentAt = performance.now();
  await send(data);
  return { hash, sentAt };
}

/** The next item of `q`, described by its hash, type and size; the item itself is dropped here. */
async function describeNext(q: Queue<Uint8Array>): Promise<{ hash: string; type: string; bytes: number }> {
  const data = await q.get();
  return { hash: t.sha256(data), type: Object.prototype.toString.call(data), bytes: data.byteLength };
}

const rate = (bytes: number, ms: number) => `${((bytes / MiB) / (ms / 1000)).toFixed(0)} MiB/s`;

/** A `bytes` item from a child to this process and one from this process to a child, hashes compared. */
export async function bigThroughQueue(bytes: number): Promise<string> {
  const q = new Queue<Uint8Array>();
  const hashes = new Queue<string>();
  const reports = new Queue<{ hash: string; type: string; bytes: number }>();

  const producer = started(t.putBig, q, bytes, 1, hashes);
  const got = await describeNext(q);
  assert.deepEqual(got, { hash: await hashes.get(), type: '[object Uint8Array]', bytes }, 'child → main: the hash of what arrived');
  await joined(producer);
  gc();

  const consumer = started(t.hashNext, q, reports);
  const { hash, sentAt } = await sendPattern(bytes, 2, (data) => q.put(data));
  gc();
  const report = await reports.get();
  const ms = performance.now() - sentAt;
  assert.deepEqual(report, { hash, type: '[object Uint8Array]', bytes }, 'main → child: the hash of what arrived');
  await joined(consumer);
  return `Queue main → child: ${rate(bytes, ms)} (put to the hash coming back, the child's sha256 included)`;
}

/** A `bytes` message to a child and back its hash, over a Pipe. */
export async function bigThroughPipe(bytes: number): Promise<string> {
  const [here, there] = Pipe();
  const echo = started(t.hashEcho, there);
  const { hash, sentAt } = await sendPattern(bytes, 3, (data) => here.send(data));
  gc();
  assert.deepEqual(await here.recv(), { hash, bytes }, 'the hash of what arrived');
  const ms = performance.now() - sentAt;
  here.close();
  await joined(echo);
  return `Pipe main → child: ${rate(bytes, ms)} (send to the hash coming back)`;
}

/** An item over the limit is refused by put, here and in a child; the queue goes on. Returns the error's text. */
export async function tooBigForQueue(bytes: number): Promise<string> {
  const q = new Queue<unknown>();
  let text = '';
  await assert.rejects(q.put(Buffer.alloc(bytes)), (e: Error) => {
    text = `${e.name}: ${e.message}`;
    return e instanceof MessageTooLarge && refusal(bytes).test(e.message) && /^the item /.test(e.message);
  });
  gc();
  assert.equal(q.qsize(), 0, 'nothing was queued');
  await q.put('after, here');
  assert.equal(await q.get(), 'after, here');

  const out = new Queue<unknown>();
  const child = started(t.putTooBig, q, bytes, 'after, from the child', out);
  const outcome = await out.get() as { name: string; message: string };
  assert.equal(outcome.name, 'MessageTooLarge');
  assert.match(outcome.message, refusal(bytes));
  assert.equal(await q.get(), 'after, from the child', 'the next item arrives, and nothing before it');
  assert.equal(q.qsize(), 0);
  await joined(child);
  return text;
}

/** A message over the limit is refused by send and sendBytes; the pipe goes on. */
export async function tooBigForPipe(bytes: number): Promise<string> {
  const [here, there] = Pipe();
  const echo = started(t.hashEcho, there);
  let text = '';
  assert.throws(() => here.send(Buffer.alloc(bytes)), (e: Error) => {
    text = `${e.name}: ${e.message}`;
    return e instanceof MessageTooLarge && refusal(bytes).test(e.message);
  });
  assert.throws(() => here.sendBytes(Buffer.alloc(bytes)), (e: Error) => e instanceof MessageTooLarge && refusal(bytes).test(e.message));
  gc();
  const small = Buffer.from('after');
  here.send(small);
  assert.deepEqual(await here.recv(), { hash: t.sha256(small), bytes: small.length }, 'the next message arrives, and nothing before it');
  here.close();
  await joined(echo);
  return text;
}

/** A task's arguments over the limit are refused by apply, a result over it fails the task; the pool goes on. */
export async function tooBigForPool(bytes: number): Promise<string> {
  const pool = new Pool(1);
  try {
    let text = '';
    await assert.rejects(pool.apply(t.byteLength, [Buffer.alloc(bytes)]), (e: Error) => {
      text = `${e.name}: ${e.message}`;
      return e instanceof MessageTooLarge && refusal(bytes).test(e.message) && /^the task's arguments /.test(e.message);
    });
    gc();
    await assert.rejects(pool.apply(t.zeros, [bytes]), (e: Error) => e instanceof MessageTooLarge && refusal(bytes).test(e.message) && /^the task's result /.test(e.message));
    assert.equal(await pool.apply(t.byteLength, [Buffer.alloc(5)]), 5, 'the next task runs');
    return text;
  } finally {
    pool.terminate();
    await pool.join();
  }
}
