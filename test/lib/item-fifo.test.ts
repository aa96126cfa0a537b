// The owner's list of queue items: small ones packed end to end in one buffer, big ones and
// items in files kept as they are, in one order. A random workload is checked against an array.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ItemFifo } from '../../src/lib/queue/item-fifo.ts';
import { ItemFile, type QueuedItem } from '../../src/lib/queue/item-files.ts';

/** A deterministic random sequence (xorshift32). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const same = (a: QueuedItem | undefined, b: QueuedItem | undefined) =>
  a instanceof ItemFile || b instanceof ItemFile ? a === b : !!a && !!b && a.equals(b);

test('a random mix of pushes, shifts, drops and take-backs keeps every item, in order, with its bytes', () => {
  const next = random(12345);
  const fifo = new ItemFifo();
  let model: QueuedItem[] = [];
  let made = 0;
  const make = (): QueuedItem => {
    const kind = next();
    const n = made++;
    if (kind < 0.05) return new ItemFile(`item-${n}`, 100_000 + n);
    const size = kind < 0.1 ? 20_000 + Math.floor(next() * 50_000) : Math.floor(next() * 300);
    return Buffer.alloc(size, n % 251);
  };
  for (let step = 0; step < 50_000; step++) {
    const r = next();
    if (r < 0.45) {
      const item = make();
      if (item instanceof Buffer && next() < 0.5) {
        // As the relay does: bytes in the middle of a larger chunk.
        const chunk = Buffer.concat([Buffer.alloc(7, 9), item, Buffer.alloc(3, 9)]);
        fifo.pushBytes(chunk, 7, 7 + item.length);
      } else {
        fifo.push(item);
      }
      model.push(item);
    } else if (r < 0.75) {
      assert.ok(same(fifo.shift(), model.shift()) || model.length === 0, `step ${step}: shift`);
    } else if (r < 0.85) {
      let got: QueuedItem | undefined;
      const had = fifo.shiftInto((bytes, start, end) => { got = Buffer.from(bytes.subarray(start, end)); }, (item) => { got = item; });
      assert.equal(had, model.length > 0);
      if (had) assert.ok(same(got, model.shift()), `step ${step}: shiftInto`);
    } else if (r < 0.95) {
      const n = Math.floor(next() * 5);
      fifo.drop(n);
      model.splice(0, n);
    } else {
      // A consumer died: what it held goes back before what the owner holds.
      const back = [make(), make()];
      fifo.unshiftAll(back);
      model = [...back, ...model];
    }
    assert.equal(fifo.count, model.length, `step ${step}: count`);
    assert.equal(fifo.size, model.reduce((n, item) => n + item.length, 0), `step ${step}: size`);
  }
  const rest = fifo.takeAll();
  assert.equal(rest.length, model.length);
  rest.forEach((item, i) => assert.ok(same(item, model[i]), `left item ${i}`));
  assert.equal(fifo.count, 0);
  assert.equal(fifo.size, 0);
});

test('an item taken out is a copy: later pushes do not change it', () => {
  const fifo = new ItemFifo();
  fifo.push(Buffer.from('first'));
  const first = fifo.shift() as Buffer;
  for (let i = 0; i < 1000; i++) fifo.push(Buffer.alloc(100, i));
  assert.equal(first.toString(), 'first');
});
