// The owner's side of a queue: it keeps the items, hands them to local getters and to remote
// consumers within their read-ahead window, admits remote producers to a bounded queue with
// credits, takes back what a departed consumer had not handed out, and publishes the depth.
import path from 'node:path';
import { Empty, Full, ValueError } from '../base/errors';
import { settleWith, wait, type Waiter } from '../base/waiters';
import { ItemFifo } from './item-fifo';
import { FILE_FLAG, FILE_THRESHOLD, ItemFile, type QueuedItem, materialize, writeItem } from './item-files';
import { type Link } from '../channel/link';
import { serve, unserve } from '../channel/server';
import { newId } from '../channel/addresses';
import { reportSoon } from '../reporter';
import type { Report } from '../../wire/wire';
import {
  L_FIRST_CONSUMER, L_ITEMS, L_SLOTS, L_UNFINISHED, OP, TOO_MANY_TASKS_DONE, ToClient, ToOwner, op, waitToPut,
  type Putter, type QueueEnd, type QueueKind, type QueueRef,
} from './protocol';
import { SharedMemory } from '../channel/shared-memory';

/** `sent` counts every item sent to it; `acked` those it said it handed out; `inflight` keeps the rest, to take back if it dies. */
interface Consumer { slot: number; window: number; inflight: ItemFifo; sent: number; acked: number }

/** What a consumer may hold that it has not handed out, in bytes (it may always hold one item). */
const MAX_INFLIGHT_BYTES = 8 * 1024 * 1024;
interface Producer { credits: number }

export class QueueCore implements QueueEnd {
  readonly ref: QueueRef;
  private readonly ledger: SharedMemory;
  private readonly items = new ItemFifo();
  private readonly localGetters: Array<Waiter<Buffer>> = [];
  private readonly localPutters: Putter[] = [];
  private readonly consumers = new Map<Link, Consumer>();
  private readonly producers = new Map<Link, Producer>();
  private readonly creditWaiters: Array<{ link: Link; n: number }> = [];
  /** Local join() calls, and remote ones (whose waiter answers Joined). */
  private readonly joiners: Array<Waiter<void>> = [];
  private nextSlot = L_FIRST_CONSUMER;
  private unfinished = 0;
  private ledgerDirty = false;
  /** What this process last wrote at each ledger index it alone writes: an unchanged value is not written again. */
  private readonly published = new Map<number, number>();

  /** Where big items wait in files (see item-files.ts): beside the ledger. */
  private readonly dir: string;

  constructor(kind: QueueKind, maxsize: number) {
    this.ledger = SharedMemory.create('queue', 8 * 8);
    const id = newId(kind);
    this.ref = { id, address: serve(id, (link) => this.accept(link)), ledger: this.ledger.path, maxsize, kind };
    this.dir = path.dirname(this.ledger.path);
  }

  /** An item as a local getter receives it: read from its file if it waits in one. */
  private materialize(item: QueuedItem): Buffer {
    return materialize(this.dir, item, `${this.ref.kind} ${this.ref.id}`);
  }

  private handTo(getter: Waiter<Buffer>, item: QueuedItem): void {
    settleWith(getter, () => this.materialize(item));
  }

  /**
   * Writes a ledger entry unless this process last wrote that value there: a store into the
   * mapped ledger, or a system call where the native addon is not built.
   */
  private publish(index: number, value: number): void {
    if (this.published.get(index) === value) return;
    this.published.set(index, value);
    this.ledger.setFloat64(index, value);
  }

  private inflightCount(): number {
    let n = 0;
    for (const c of this.consumers.values()) n += c.inflight.count;
    return n;
  }

  private outstandingCredits(): number {
    let n = 0;
    for (const p of this.producers.values()) n += p.credits;
    return n;
  }

  /** Free places for a bounded queue (Infinity when unbounded). */
  private available(): number {
    if (this.ref.maxsize <= 0) return Infinity;
    return this.ref.maxsize - this.items.count - this.inflightCount() - this.outstandingCredits();
  }

  /** Items here plus those sent to consumers that they have not handed out yet (their own count, in the ledger). */
  depth(): number {
    let depth = this.items.count;
    for (const c of this.consumers.values()) depth += c.sent - this.ledger.getFloat64(c.slot);
    return depth;
  }

  /** Whether a consumer asked for more and may hold more. */
  private canSend(c: Consumer): boolean {
    return c.window > 0 && (c.inflight.size < MAX_INFLIGHT_BYTES || c.inflight.count === 0);
  }

  /** Sends a consumer what it asked for, as far as there are items and room. */
  private feed(link: Link, c: Consumer): void {
    while (this.canSend(c) && this.sendFirst(link, c)) { /* sent one */ }
  }

  /** Sends the oldest item held here to a consumer with room; false if there is none. */
  private sendFirst(link: Link, c: Consumer): boolean {
    return this.items.shiftInto((bytes, start, end) => this.sendBytesTo(link, c, bytes, start, end), (item) => {
      c.window--;
      this.sendTo(link, c, item);
    });
  }

  /** A consumer that asked for more and may hold more, if any: the next in turn. */
  private readyConsumer(): [Link, Consumer] | undefined {
    for (const entry of this.consumers) {
      if (!this.canSend(entry[1])) continue;
      if (this.consumers.size > 1) {
        // Rotate so that consumers take turns.
        this.consumers.delete(entry[0]);
        this.consumers.set(entry[0], entry[1]);
      }
      return entry;
    }
    return undefined;
  }

  /** Sends a small item that lies in `bytes[start, end)` to a consumer with room, keeping a copy until it is handed out. */
  private sendBytesTo(link: Link, c: Consumer, bytes: Buffer, start: number, end: number): void {
    c.window--;
    c.sent++;
    c.inflight.pushBytes(bytes, start, end);
    link.sendCoded(ToClient.Item, bytes, start, end);
  }

  /**
   * Sends an item to a consumer; the ledger counts it just before the frame goes out (see
   * publishLedger). A big one goes as a file, which the consumer reads when it hands it out.
   */
  private sendTo(link: Link, c: Consumer, item: QueuedItem, code: ToClient = ToClient.Item): void {
    if (!(item instanceof ItemFile) && item.length >= FILE_THRESHOLD) {
      try {
        item = writeItem(this.dir, this.ref.id, item);
      } catch { /* no room in /dev/shm: it goes through the socket */ }
    }
    c.inflight.push(item);
    c.sent++;
    link.send(item instanceof ItemFile ? [OP(code, true), item.encode()] : [OP(code), item]);
  }

  /**
   * Writes what changed to the ledger: the items held here, then what each consumer was sent.
   * Runs before any frame to a consumer goes to the OS, so a consumer never reads a depth that
   * counts an item it holds both here and as sent; and once per batch, not per item.
   */
  private publishLedger(): void {
    this.publish(L_ITEMS, this.items.count);
    for (const c of this.consumers.values()) this.publish(c.slot + 1, c.sent);
  }

  put(item: Buffer, timeoutMs: number | undefined, block: boolean): Promise<void> | void {
    if (this.available() > 0) return this.add(item);
    if (!block) throw new Full();
    const p = waitToPut(this.localPutters, item, timeoutMs);
    this.changed();
    return p;
  }

  /** Adds an item and hands it to whoever waits: a local get, else a remote consumer with room. */
  private add(item: QueuedItem): void {
    if (this.ref.kind === 'JoinableQueue') this.unfinished++;
    const getter = this.localGetters.shift();
    if (getter) {
      this.handTo(getter, item);
    } else {
      const ready = this.items.count === 0 ? this.readyConsumer() : undefined;
      if (ready) {
        ready[1].window--;
        this.sendTo(ready[0], ready[1], item);
      } else {
        this.items.push(item);
      }
    }
    this.changed();
  }

  /** Hands queued items to whoever waits for one. */
  private dispatch(): void {
    while (this.items.count) {
      const getter = this.localGetters.shift();
      if (getter) {
        this.handTo(getter, this.items.shift()!);
        continue;
      }
      const ready = this.readyConsumer();
      if (!ready) return;
      this.sendFirst(ready[0], ready[1]);
    }
  }

  /** The oldest item, if any; throws if it waited in a file that someone removed (it is gone all the same). */
  take(): Buffer | undefined {
    const item = this.items.shift();
    if (!item) return undefined;
    this.freed();
    this.changed();
    return this.materialize(item);
  }

  get(timeoutMs: number | undefined): Promise<Buffer> {
    const p = wait(this.localGetters, timeoutMs, () => new Empty(), { keepAlive: true });
    this.changed();
    return p;
  }

  getNowait(): Buffer {
    const item = this.take();
    if (!item) throw new Empty();
    return item;
  }

  /** Room was made: admit waiting local putters and remote credit requests, in order. */
  private freed(): void {
    while (this.localPutters.length && this.available() > 0) {
      const putter = this.localPutters.shift()!;
      this.add(putter.item);
      putter.resolve();
    }
    while (this.creditWaiters.length && this.available() > 0) {
      const w = this.creditWaiters[0];
      const producer = this.producers.get(w.link);
      if (!producer || w.link.closed) {
        this.creditWaiters.shift();
        continue;
      }
      const n = Math.min(w.n, this.available());
      producer.credits += n;
      w.n -= n;
      w.link.send(op(ToClient.Grant, n));
      if (w.n === 0) this.creditWaiters.shift();
    }
  }

  taskDone(): void {
    if (!this.finish(1)) throw new ValueError(TOO_MANY_TASKS_DONE);
  }

  /** Marks `n` tasks done, unless that is more than are unfinished. */
  private finish(n: number): boolean {
    if (n > this.unfinished) return false;
    this.unfinished -= n;
    if (this.unfinished === 0) for (const joiner of this.joiners.splice(0)) joiner.resolve();
    this.changed();
    return true;
  }

  join(): Promise<void> | void {
    if (this.unfinished === 0) return;
    return wait(this.joiners, undefined, () => new Error('unreachable'), { keepAlive: true });
  }

  /** The queue stays for the other processes; the facade refuses this process's calls. */
  close(): void {}

  private released = false;

  /** Frees the ledger and the address, for a queue no other process can reach (it was never sent to one). */
  release(): void {
    if (this.released) return;
    this.released = true;
    unserve(this.ref.id);
    this.ledger.destroy();
  }

  private accept(link: Link): void {
    link.beforeFlush(() => this.publishLedger());
    link.handle((body) => this.onFrame(link, body), () => this.onClose(link));
    link.handleRaw((chunk, start, end) => this.relay(link, chunk, start, end));
  }

  /**
   * A small item put from another process goes straight on to a consumer that has room, copied
   * from where it was read into that consumer's next write and into what the owner keeps for it,
   * with no Buffer made of it. False (the frame then takes the ordinary way) for anything else.
   */
  private relay(link: Link, chunk: Buffer, start: number, end: number): boolean {
    if (chunk[start] !== ToOwner.Put || end - start > FILE_THRESHOLD || this.localGetters.length) return false;
    this.creditUsed(link);
    if (this.ref.kind === 'JoinableQueue') this.unfinished++;
    const ready = this.items.count === 0 ? this.readyConsumer() : undefined;
    if (ready) {
      this.sendBytesTo(ready[0], ready[1], chunk, start + 1, end);
    } else {
      this.items.pushBytes(chunk, start + 1, end);
    }
    this.changed();
    return true;
  }

  /** A put arrived from `link`: in a bounded queue, one of the places it was granted is used. */
  private creditUsed(link: Link): void {
    const producer = this.producers.get(link);
    if (producer && this.ref.maxsize > 0) producer.credits = Math.max(0, producer.credits - 1);
  }

  private consumer(link: Link): Consumer {
    let c = this.consumers.get(link);
    if (!c) {
      c = { slot: this.nextSlot, window: 0, inflight: new ItemFifo(), sent: 0, acked: 0 };
      this.nextSlot += 2;
      this.ledger.setFloat64(c.slot, 0);
      this.publish(c.slot + 1, 0);
      this.publish(L_SLOTS, (this.nextSlot - L_FIRST_CONSUMER) / 2);
      this.consumers.set(link, c);
      link.send(op(ToClient.Slot, c.slot));
    }
    return c;
  }

  private onFrame(link: Link, body: Buffer): void {
    switch (body[0]) {
      case ToOwner.Put:
      case ToOwner.Put | FILE_FLAG: {
        this.creditUsed(link);
        this.add(body[0] === ToOwner.Put ? body.subarray(1) : ItemFile.decode(body.subarray(1)));
        break;
      }
      case ToOwner.Want: {
        const c = this.consumer(link);
        c.window += body.readUInt32LE(1);
        this.feed(link, c);
        this.changed();
        break;
      }
      case ToOwner.Cancel: {
        const c = this.consumer(link);
        // Not clamped at 0: what was sent before the client cancelled counts against its next Want, as it does there.
        c.window -= body.readUInt32LE(1);
        break;
      }
      case ToOwner.Taken: {
        const c = this.consumer(link);
        const n = body.readUInt32LE(1);
        c.inflight.drop(n);
        c.acked += n;
        this.feed(link, c);
        this.freed();
        this.changed();
        break;
      }
      case ToOwner.Nowait: {
        const c = this.consumer(link);
        const item = this.items.shift();
        if (item) {
          this.sendTo(link, c, item, ToClient.NowaitItem);
          this.changed();
        } else {
          link.send(OP(ToClient.Empty));
        }
        break;
      }
      case ToOwner.TryCredit: {
        const producer = this.producers.get(link) ?? { credits: 0 };
        this.producers.set(link, producer);
        const granted = this.creditWaiters.length === 0 && this.available() > 0 ? 1 : 0;
        producer.credits += granted;
        link.send(op(ToClient.TryGrant, granted));
        break;
      }
      case ToOwner.Credit: {
        if (!this.producers.has(link)) this.producers.set(link, { credits: 0 });
        this.creditWaiters.push({ link, n: body.readUInt32LE(1) });
        this.freed();
        break;
      }
      case ToOwner.Return: {
        // Unused places come back, and what the producer still asked for is no longer wanted.
        const producer = this.producers.get(link);
        if (producer) producer.credits = Math.max(0, producer.credits - body.readUInt32LE(1));
        for (let i = this.creditWaiters.length - 1; i >= 0; i--) if (this.creditWaiters[i].link === link) this.creditWaiters.splice(i, 1);
        this.freed();
        break;
      }
      case ToOwner.TaskDone: {
        if (!this.finish(body.readUInt32LE(1))) link.send([OP(ToClient.Error), Buffer.from(TOO_MANY_TASKS_DONE)]);
        break;
      }
      case ToOwner.Join: {
        if (this.unfinished === 0) link.send(OP(ToClient.Joined));
        else this.joiners.push({ resolve: () => link.send(OP(ToClient.Joined)), reject: () => {} });
        break;
      }
    }
  }

  /** A client went away (closed, exited or was killed): take back what it had not handed out. */
  private onClose(link: Link): void {
    const c = this.consumers.get(link);
    if (c) {
      this.consumers.delete(link);
      const handed = this.ledger.getFloat64(c.slot);
      c.inflight.drop(handed - c.acked);
      const keep = c.inflight.takeAll();
      if (keep.length) {
        this.items.unshiftAll(keep);
        this.dispatch();
      }
      // What it had not handed out is back here: its slot no longer adds to the depth.
      c.sent = handed;
      this.publish(c.slot + 1, handed);
    }
    this.producers.delete(link);
    this.freed();
    this.changed();
  }

  /** Publishes depth to the ledger (for qsize() elsewhere) and to an observer, at most once per tick / 100 ms. */
  private changed(): void {
    // What was sent to consumers is published before each flush to them; here only what is held
    // and unfinished, and only when either moved (a ping-pong item never rests here).
    if (!this.ledgerDirty && (this.published.get(L_ITEMS) !== this.items.count || this.published.get(L_UNFINISHED) !== this.unfinished)) {
      this.ledgerDirty = true;
      setImmediate(() => {
        this.ledgerDirty = false;
        if (this.released) return;
        this.publishLedger();
        this.publish(L_UNFINISHED, this.unfinished);
      }).unref();
    }
    reportSoon(this, this.report);
  }

  /** The queue's state for an observer (one function, not a closure per item changed). */
  private readonly report = (): Report => {
    let getters = this.localGetters.length;
    for (const c of this.consumers.values()) getters += c.window > 0 ? 1 : 0;
    return {
      t: 'queue', id: this.ref.id, pid: process.pid, kind: this.ref.kind, depth: this.depth(), bytes: this.items.size,
      getters, putters: this.localPutters.length + this.creditWaiters.length, maxsize: this.ref.maxsize, time: Date.now(),
    };
  };
}
