// A first-in first-out list of queue items for the queue's owner: the items it holds, and per
// consumer what it sent and has not heard handed out. Small items stream through these at
// hundreds of thousands a second, so their bytes are kept end to end in one buffer with their
// lengths beside, not as a Buffer object each (allocating and collecting those cost the owner
// more than the relay itself). Big items and items in files are kept as they are.
import { Fifo } from '../base/fifo';
import type { QueuedItem } from './item-files';

/** The length recorded for an item kept as an object (in `objects`). */
const OBJECT = -1;
/** Items smaller than this are copied in; larger ones are kept by reference. */
const INLINE_MAX = 16 * 1024;
const INITIAL_BYTES = 16 * 1024;
/** An empty list lets go of a buffer larger than this that a burst made it grow to. */
const KEEP_BYTES = 1024 * 1024;

export class ItemFifo {
  private bytes = Buffer.allocUnsafe(INITIAL_BYTES);
  private start = 0;
  private end = 0;
  private readonly lengths = new Fifo<number>();
  private readonly objects = new Fifo<QueuedItem>();
  /** Items kept. */
  count = 0;
  /** Their size in bytes (an item in a file counts its size). */
  size = 0;

  /** Keeps a copy of `source[start, end)`, a small item. */
  pushBytes(source: Buffer, start: number, end: number): void {
    const length = end - start;
    this.reserve(length);
    source.copy(this.bytes, this.end, start, end);
    this.end += length;
    this.lengths.push(length);
    this.count++;
    this.size += length;
  }

  push(item: QueuedItem): void {
    if (item instanceof Buffer && item.length < INLINE_MAX) {
      this.pushBytes(item, 0, item.length);
      return;
    }
    this.objects.push(item);
    this.lengths.push(OBJECT);
    this.count++;
    this.size += item.length;
  }

  /** Removes the oldest item and returns it (a small one as a Buffer of its own). */
  shift(): QueuedItem | undefined {
    const length = this.lengths.shift();
    if (length === undefined) return undefined;
    let item: QueuedItem;
    if (length === OBJECT) {
      item = this.objects.shift()!;
    } else {
      item = Buffer.from(this.bytes.subarray(this.start, this.start + length));
      this.start += length;
    }
    this.count--;
    this.size -= item.length;
    if (this.count === 0) this.empty();
    return item;
  }

  /**
   * Removes the oldest item and gives it to `small(bytes, start, end)` where it lies (valid only
   * during the call) or, kept as an object, to `object(item)`. False if there is none.
   */
  shiftInto(small: (bytes: Buffer, start: number, end: number) => void, object: (item: QueuedItem) => void): boolean {
    const length = this.lengths.shift();
    if (length === undefined) return false;
    this.count--;
    if (length === OBJECT) {
      const item = this.objects.shift()!;
      this.size -= item.length;
      if (this.count === 0) this.empty();
      object(item);
    } else {
      const at = this.start;
      this.start += length;
      this.size -= length;
      small(this.bytes, at, at + length);
      if (this.count === 0) this.empty();
    }
    return true;
  }

  /** Forgets the oldest `n`. */
  drop(n: number): void {
    for (let i = 0; i < n && this.count > 0; i++) {
      const length = this.lengths.shift()!;
      this.count--;
      if (length === OBJECT) {
        this.size -= this.objects.shift()!.length;
      } else {
        this.start += length;
        this.size -= length;
      }
    }
    if (this.count === 0) this.empty();
  }

  /** Removes and returns every item, oldest first. */
  takeAll(): QueuedItem[] {
    const items: QueuedItem[] = [];
    let item: QueuedItem | undefined;
    while ((item = this.shift())) items.push(item);
    return items;
  }

  /** Puts `items` before those kept, in their order. */
  unshiftAll(items: QueuedItem[]): void {
    const rest = this.takeAll();
    for (const item of items) this.push(item);
    for (const item of rest) this.push(item);
  }

  private empty(): void {
    this.start = this.end = 0;
    if (this.bytes.length > KEEP_BYTES) this.bytes = Buffer.allocUnsafe(INITIAL_BYTES);
  }

  /** Makes room for `n` more bytes: moves what is kept to the front, or grows. */
  private reserve(n: number): void {
    if (this.end + n <= this.bytes.length) return;
    const used = this.end - this.start;
    // Moved only when that frees at least half, so that each byte is moved a bounded number of times.
    if (used + n <= this.bytes.length / 2) {
      this.bytes.copy(this.bytes, 0, this.start, this.end);
    } else {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, used + n));
      this.bytes.copy(grown, 0, this.start, this.end);
      this.bytes = grown;
    }
    this.start = 0;
    this.end = used;
  }
}
