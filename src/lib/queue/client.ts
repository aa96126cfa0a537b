// A queue as seen from a process other than its owner: streams puts, reads ahead while its
// caller consumes fast, counts every item it hands out in the shared ledger before the caller
// sees it, and asks the owner for room in a bounded queue.
import path from 'node:path';
import { Empty, Full, ValueError } from '../base/errors';
import { Fifo } from '../base/fifo';
import { FILE_FLAG, FILE_THRESHOLD, ItemFile, type QueuedItem, readItem, removeItem, writeItem } from './item-files';
import { settleWith, wait, type Waiter } from '../base/waiters';
import { type Link } from '../channel/link';
import { reach } from '../channel/server';
import {
  L_UNFINISHED, MAX_READ_AHEAD, OP, TOO_MANY_TASKS_DONE, ToClient, ToOwner, ledgerDepth, op, waitToPut,
  type Putter, type QueueEnd, type QueueRef,
} from './protocol';
import { SharedMemory } from '../channel/shared-memory';

/** Hand-outs the owner hears of at once (it frees the copies it keeps past these); fewer wait for the next frame or this delay. */
const TAKEN_PROMPT_BYTES = 1024 * 1024;
const TAKEN_PROMPT_ITEMS = 512;
const TAKEN_DELAY_MS = 20;

export class QueueClient implements QueueEnd {
  private link: Link | undefined;
  private slot = -1;
  private readonly ledger: SharedMemory;
  private readonly buffer = new Fifo<QueuedItem>();
  /** The owner's directory, where big items wait in files (see item-files.ts). */
  private readonly dir: string;
  private readonly getters: Array<Waiter<Buffer>> = [];
  private readonly nowaiters: Array<Waiter<Buffer>> = [];
  private readonly putters: Putter[] = [];
  private readonly joiners: Array<Waiter<void>> = [];
  private readonly tryPutters: Putter[] = [];
  private requested = 0;
  private readAhead = 0;
  private lastHandOut = 0;
  private handed = 0;
  private takenUnsent = 0;
  private takenBytes = 0;
  private takenTimer: NodeJS.Timeout | undefined;
  private takenSoon = false;
  private credits = 0;
  private creditsRequested = 0;
  /** How many places to ask for when a put must wait: doubles while puts keep waiting, so a fast producer pays one round trip per batch, not per item. */
  private creditBatch = 1;
  private returnScheduled = false;
  private error: Error | undefined;

  constructor(readonly ref: QueueRef) {
    this.ledger = SharedMemory.open(ref.ledger);
    this.dir = path.dirname(ref.ledger);
  }

  depth(): number {
    return ledgerDepth(this.ledger);
  }

  private connection(): Link {
    if (this.error) throw this.error;
    if (!this.link) {
      const link = reach(this.ref.address, this.ref.id);
      link.unref();
      link.handle((body) => this.onFrame(body), () => this.onClose());
      this.link = link;
    }
    return this.link;
  }

  private onFrame(body: Buffer): void {
    switch ((body[0] & ~FILE_FLAG) as ToClient) {
      case ToClient.Slot:
        this.slot = body.readUInt32LE(1);
        break;
      case ToClient.Item: {
        this.requested--;
        const item = this.itemOf(body);
        const getter = this.getters.shift();
        if (getter) this.handTo(getter, item);
        else this.buffer.push(item);
        break;
      }
      case ToClient.NowaitItem: {
        const getter = this.nowaiters.shift();
        if (getter) this.handTo(getter, this.itemOf(body));
        break;
      }
      case ToClient.Empty:
        this.nowaiters.shift()?.reject(new Empty());
        break;
      case ToClient.Grant: {
        const n = body.readUInt32LE(1);
        this.creditsRequested = Math.max(0, this.creditsRequested - n);
        this.credits += n;
        while (this.credits > 0 && this.putters.length) {
          const putter = this.putters.shift()!;
          this.credits--;
          this.sendPut(putter.item);
          putter.resolve();
        }
        this.scheduleReturn();
        break;
      }
      case ToClient.Joined:
        this.joiners.shift()?.resolve();
        break;
      case ToClient.TryGrant: {
        const putter = this.tryPutters.shift();
        if (!putter) break;
        if (body.readUInt32LE(1) === 1) {
          this.sendPut(putter.item);
          putter.resolve();
        } else {
          putter.reject(new Full());
        }
        break;
      }
      case ToClient.Error:
        process.emitWarning(`multiproc: ${body.toString('utf8', 1)}`, 'ValueError');
        break;
    }
  }

  private onClose(): void {
    this.link = undefined;
    this.error = new ValueError(`the process that owns ${this.ref.kind} ${this.ref.id} has ended; the queue is gone`);
    for (const list of [this.getters, this.nowaiters, this.putters, this.joiners, this.tryPutters] as Array<Array<Waiter<never>>>) {
      for (const w of list.splice(0)) w.reject(this.error);
    }
  }

  private itemOf(body: Buffer): QueuedItem {
    return body[0] & FILE_FLAG ? ItemFile.decode(body.subarray(1)) : body.subarray(1);
  }

  private handTo(getter: Waiter<Buffer>, item: QueuedItem): void {
    settleWith(getter, () => this.handOut(item));
  }

  /**
   * Counts the item as handed to the caller, in the ledger, before the caller sees it. An item
   * in a file is read first and removed after: killed before the count, this process leaves the
   * file for the next consumer; a file someone removed fails this get, and counts as taken.
   */
  private handOut(item: QueuedItem): Buffer {
    let value: Buffer | undefined;
    let gone: unknown;
    if (item instanceof ItemFile) {
      try {
        value = readItem(this.dir, item, `${this.ref.kind} ${this.ref.id}`);
      } catch (error) {
        gone = error;
      }
    }
    this.count(item);
    if (item instanceof ItemFile) {
      removeItem(this.dir, item);
      if (!value) throw gone;
      return value;
    }
    return item;
  }

  private count(item: QueuedItem): void {
    this.handed++;
    this.ledger.setFloat64(this.slot, this.handed);
    this.lastHandOut = performance.now();
    this.takenUnsent++;
    this.takenBytes += item.length;
    // The owner needs to hear of it soon only to free room in a bounded queue or the copies it
    // keeps for this consumer; otherwise it learns with the next frame this process sends, or
    // within TAKEN_DELAY_MS. (A crash loses nothing either way: the ledger already counts it.)
    // So a ping-pong item costs one write on each side, not two.
    if (this.ref.maxsize > 0 || this.takenBytes >= TAKEN_PROMPT_BYTES || this.takenUnsent >= TAKEN_PROMPT_ITEMS) {
      if (!this.takenSoon) {
        this.takenSoon = true;
        setImmediate(() => this.sendTaken());
      }
    } else {
      this.takenTimer ??= setTimeout(() => {
        this.takenTimer = undefined;
        this.sendTaken();
      }, TAKEN_DELAY_MS).unref();
    }
  }

  private sendTaken(): void {
    this.takenSoon = false;
    if (this.takenUnsent === 0) return;
    const n = this.takenUnsent;
    this.takenUnsent = 0;
    this.takenBytes = 0;
    this.link?.send(op(ToOwner.Taken, n));
  }

  /** Sends a put: a big item as a file in the owner's directory (through the socket if there is no room there). */
  private sendPut(item: Buffer): void {
    if (item.length >= FILE_THRESHOLD) {
      let file: ItemFile | undefined;
      try {
        file = writeItem(this.dir, this.ref.id, item);
      } catch { /* the socket carries it */ }
      if (file) {
        this.send([OP(ToOwner.Put, true), file.encode()]);
        return;
      }
    }
    this.send([OP(ToOwner.Put), item]);
  }

  /** Sends a frame to the owner, after the hand-outs it has not heard of yet. */
  private send(body: Buffer | Buffer[], now = false): void {
    this.sendTaken();
    if (now) this.connection().sendNow(body);
    else this.connection().send(body);
  }

  private topUp(): void {
    const want = this.getters.length + this.readAhead - this.buffer.length - this.requested;
    // A getter that what was asked for does not cover asks at once; read-ahead is topped up a
    // quarter of the window at a time.
    const uncovered = this.getters.length > this.buffer.length + this.requested;
    if (want > 0 && (uncovered || want * 4 >= this.readAhead)) {
      this.requested += want;
      // At once: a caller draining what was read ahead runs in one chain of microtasks, and the
      // end-of-tick flush would send this only when the read-ahead is gone.
      this.send(op(ToOwner.Want, want), true);
    }
  }

  /**
   * An item already read ahead, handed out at once; undefined if there is none. Called once per
   * get(): a caller that comes back within a millisecond of its last item reads ahead more, a
   * slow one reads none ahead, so that work is shared fairly between consumers. (Time spent
   * waiting for an item does not make a consumer slow.)
   */
  take(): Buffer | undefined {
    if (this.error) throw this.error;
    this.readAhead = performance.now() - this.lastHandOut < 1 ? Math.min(MAX_READ_AHEAD, this.readAhead * 2 + 1) : 0;
    const ready = this.buffer.shift();
    if (!ready) return undefined;
    try {
      return this.handOut(ready);
    } finally {
      this.topUp();
    }
  }

  /** Waits for an item (after take() found none). */
  async get(timeoutMs: number | undefined): Promise<Buffer> {
    this.connection();
    const p = wait(this.getters, timeoutMs, () => new Empty(), { keepAlive: true });
    this.topUp();
    try {
      return await p;
    } catch (error) {
      if (error instanceof Empty && this.getters.length === 0 && this.requested > 0 && this.link) {
        // Nobody waits here any more: let the owner give those items to others. Items it sent
        // before it read this arrive all the same and take `requested` below zero, as they take
        // the owner's window: both then count them against what is asked for next.
        this.send(op(ToOwner.Cancel, this.requested));
        this.requested = 0;
      }
      throw error;
    }
  }

  getNowait(): Buffer | Promise<Buffer> {
    const ready = this.buffer.shift();
    if (ready) return this.handOut(ready);
    this.connection();
    const p = wait(this.nowaiters, undefined, () => new Empty(), { keepAlive: true });
    this.send(OP(ToOwner.Nowait));
    return p;
  }

  put(item: Buffer, timeoutMs: number | undefined, block: boolean): Promise<void> | void {
    this.connection();
    if (this.ref.maxsize <= 0) {
      this.sendPut(item);
      return;
    }
    if (this.credits > 0 && this.putters.length === 0) {
      this.credits--;
      this.sendPut(item);
      this.scheduleReturn();
      return;
    }
    if (!block) {
      // Only the owner knows whether there is room: ask it for one place, and fail if there is none.
      const p = waitToPut(this.tryPutters, item, undefined);
      this.send(op(ToOwner.TryCredit, 1));
      return p;
    }
    const p = waitToPut(this.putters, item, timeoutMs);
    const need = this.putters.length - this.creditsRequested;
    if (need > 0) {
      const ask = Math.max(need, this.creditBatch);
      this.creditBatch = Math.min(Math.max(1, Math.floor(this.ref.maxsize / 2)), this.creditBatch * 2);
      this.creditsRequested += ask;
      this.send(op(ToOwner.Credit, ask));
    }
    return p;
  }

  private scheduleReturn(): void {
    if (this.returnScheduled) return;
    this.returnScheduled = true;
    setImmediate(() => {
      this.returnScheduled = false;
      // Places unused when nobody waits to put go back, with what is still asked for, so that
      // this producer holds no room that others (or the owner's own puts) wait for.
      if ((this.credits > 0 || this.creditsRequested > 0) && this.putters.length === 0 && this.link) {
        this.send(op(ToOwner.Return, this.credits));
        this.credits = 0;
        this.creditsRequested = 0;
        this.creditBatch = Math.max(1, this.creditBatch >> 1);
      }
    }).unref();
  }

  /** Refused here when the ledger counts no unfinished task; the owner, which alone knows exactly, refuses the rest. */
  taskDone(): void {
    if (this.ledger.getFloat64(L_UNFINISHED) <= 0) throw new ValueError(TOO_MANY_TASKS_DONE);
    this.send(op(ToOwner.TaskDone, 1));
  }

  join(): Promise<void> {
    this.connection();
    const p = wait(this.joiners, undefined, () => new Error('unreachable'), { keepAlive: true });
    this.send(OP(ToOwner.Join));
    return p;
  }

  close(): Promise<void> {
    this.sendTaken();
    const link = this.link;
    this.error = new ValueError(`${this.ref.kind} is closed`);
    this.link = undefined;
    if (!link) return Promise.resolve();
    return link.flushed().then(() => link.close());
  }
}
