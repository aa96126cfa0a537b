// Producer and consumer for the back-pressure and big-item tests: children load this module to
// find them again, so it holds nothing else.
import { createHash } from 'node:crypto';
import type { Connection, Queue } from 'multiproc';

/** The item number `i` of a stream: a number, or a string `pad` characters long that starts with it. */
export function item(i: number, pad: number): number | string {
  return pad ? `${i}:`.padEnd(pad, 'x') : i;
}

/** Puts items 0 … count−1 one after the other, each put awaited as a program would. */
export async function putSequence(q: Queue<number | string>, count: number, pad: number): Promise<void> {
  for (let i = 0; i < count; i++) await q.put(item(i, pad));
}

/**
 * Gets `count` items and checks that item i is the i-th to arrive; reports how many arrived in
 * order and the first one that did not, on `out`.
 */
export async function getSequence(q: Queue<number | string>, count: number, pad: number, out: Queue<unknown>): Promise<void> {
  let firstBad: unknown;
  let inOrder = 0;
  for (let i = 0; i < count; i++) {
    const got = await q.get();
    if (got === item(i, pad)) inOrder++;
    else firstBad ??= { at: i, got: typeof got === 'string' ? got.slice(0, 20) : got };
  }
  await out.put({ inOrder, firstBad });
}

/** A deterministic `bytes`-long buffer (a different one for each seed), not all zeros, so that a mixed-up copy shows in the hash. */
export function pattern(bytes: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(bytes);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i + 4 <= bytes; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b.writeUInt32LE(x, i);
  }
  b.fill(seed & 0xff, bytes - (bytes % 4));
  return b;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Puts a pattern buffer on `q` and reports its hash on `out`. */
export async function putBig(q: Queue<Uint8Array>, bytes: number, seed: number, out: Queue<string>): Promise<void> {
  const data = pattern(bytes, seed);
  const hash = sha256(data);
  await q.put(data);
  await out.put(hash);
}

/** Gets one item and reports its hash and whether it is still a Uint8Array. */
export async function hashNext(q: Queue<Uint8Array>, out: Queue<{ hash: string; type: string; bytes: number }>): Promise<void> {
  const data = await q.get();
  await out.put({ hash: sha256(data), type: Object.prototype.toString.call(data), bytes: data.byteLength });
}

/** Answers each message on `conn` with its hash (and length), until the other end closes. */
export async function hashEcho(conn: Connection): Promise<void> {
  for (;;) {
    let data: Uint8Array;
    try {
      data = await conn.recv<Uint8Array>();
    } catch {
      return;
    }
    conn.send({ hash: sha256(data), bytes: data.byteLength });
  }
}

/** Tries to put `bytes` bytes on `q`, reports how that failed on `out`, then puts `after`. */
export async function putTooBig(q: Queue<unknown>, bytes: number, after: string, out: Queue<unknown>): Promise<void> {
  let outcome: unknown = 'sent';
  try {
    await q.put(Buffer.alloc(bytes));
  } catch (error) {
    outcome = { name: (error as Error).name, message: (error as Error).message };
  }
  await q.put(after);
  await out.put(outcome);
}

/** Pool tasks: the size of what came, and `bytes` zeros to send back. */
export function byteLength(data: Uint8Array): number {
  return data.byteLength;
}

export function zeros(bytes: number): Buffer {
  return Buffer.alloc(bytes);
}
