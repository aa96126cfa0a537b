// Queue, SimpleQueue and JoinableQueue: Python's multiprocessing queues.
//
// A queue lives in the process that created it (its owner), which keeps the items and serves
// the other processes over a Unix socket. Producers stream items to the owner without waiting;
// consumers read ahead a few items when they consume fast, and every item a consumer hands to
// its caller is counted in a shared-memory ledger. So a consumer killed mid-traffic loses only
// the item it was holding (the ones it had read ahead go back to the queue), a producer's items
// are with the owner as soon as they are sent (it may end before anyone reads them), and a
// killed producer can only leave a half-sent frame on its own connection, which is dropped.
import { inspect } from 'node:util';
import { Empty, Full, ValueError } from './errors';
import { checkSize } from './framing';
import { Fifo } from './fifo';
import { type Link, newId, reach, serve } from './link';
import { observed, report } from './observer/reporter';
import { REDUCE, decodeAsync, encode, registerKind, type Reduced } from './reduction';
import { hold, release } from './keepalive';
import { SharedMemory } from './shared-memory';
import { toMs } from './timeout';

// Client → owner
const PUT = 1, WANT = 2, CREDIT = 3, RETURN = 4, TASK_DONE = 5, JOIN = 6, NOWAIT = 7, TAKEN = 8, CANCEL = 9, TRY_CREDIT = 10;
// Owner → client
const ITEM = 1, GRANT = 2, JOINED = 3, EMPTY = 4, SLOT = 5, NOWAIT_ITEM = 7, ERROR = 9, TRY_GRANT = 10;

// The ledger (float64 each), what every process can read synchronously: the depth as the owner
// knows it, unfinished tasks, the number of consumer slots, then per consumer the items it has
// handed to its callers and how many of those the owner has counted. A reader subtracts the
// difference, so a consumer's qsize() is right the moment after its own get().
const L_DEPTH = 0, L_UNFINISHED = 1, L_SLOTS = 2, L_FIRST_CONSUMER = 3;

const MAX_READ_AHEAD = 256;

export interface PutOptions { block?: boolean; timeout?: number | null }
export interface GetOptions { block?: boolean; timeout?: number | null }

interface QueueRef { id: string; address: string; ledger: string; maxsize: number; kind: QueueKind }
type QueueKind = 'Queue' | 'SimpleQueue' | 'JoinableQueue';

function op(code: number, n = 0): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = code;
  b.writeUInt32LE(n, 1);
  return b;
}
const OP = (code: number) => Buffer.from([code]);

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

function wait<T>(list: Array<Waiter<T>>, timeoutMs: number | undefined, onTimeout: () => Error, onSettle?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const waiter: Waiter<T> = {
      resolve: (v) => { clearTimeout(waiter.timer); onSettle?.(); resolve(v); },
      reject: (e) => { clearTimeout(waiter.timer); onSettle?.(); reject(e); },
    };
    if (timeoutMs !== undefined) {
      waiter.timer = setTimeout(() => {
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
        onSettle?.();
        reject(onTimeout());
      }, timeoutMs);
    }
    list.push(waiter);
  });
}

// --- the owner's side ---------------------------------------------------------------------

interface Consumer { slot: number; window: number; inflight: Buffer[]; acked: number }
interface Producer { credits: number }

class QueueCore {
  readonly items = new Fifo<Buffer>();
  bytes = 0;
  readonly localGetters: Array<Waiter<Buffer>> = [];
  readonly localPutters: Array<Waiter<void> & { item: Buffer }> = [];
  readonly consumers = new Map<Link, Consumer>();
  readonly producers = new Map<Link, Producer>();
  readonly creditWaiters: Array<{ link: Link; n: number }> = [];
  readonly joinWaiters: Array<() => void> = [];
  private nextSlot = L_FIRST_CONSUMER;
  unfinished = 0;
  private reportTimer: NodeJS.Timeout | undefined;
  private ledgerDirty = false;

  constructor(readonly ref: QueueRef, readonly ledger: SharedMemory) {
    ref.address = serve(ref.id, (link) => this.accept(link));
  }

  private inflightCount(): number {
    let n = 0;
    for (const c of this.consumers.values()) n += c.inflight.length;
    return n;
  }

  private outstandingCredits(): number {
    let n = 0;
    for (const p of this.producers.values()) n += p.credits;
    return n;
  }

  /** Free places for a bounded queue (Infinity when unbounded). */
  available(): number {
    if (this.ref.maxsize <= 0) return Infinity;
    return this.ref.maxsize - this.items.length - this.inflightCount() - this.outstandingCredits();
  }

  depth(): number {
    return this.items.length + this.inflightCount();
  }

  /** Adds an item and hands it to whoever waits: a local get, else a remote consumer with room. */
  add(item: Buffer): void {
    if (this.ref.kind === 'JoinableQueue') this.unfinished++;
    const getter = this.localGetters.shift();
    if (getter) {
      getter.resolve(item);
    } else if (!this.sendToConsumer(item)) {
      this.items.push(item);
      this.bytes += item.length;
    }
    this.changed();
  }

  private sendToConsumer(item: Buffer): boolean {
    for (const [link, c] of this.consumers) {
      if (c.window > 0) {
        c.window--;
        c.inflight.push(item);
        link.send([OP(ITEM), item]);
        // Rotate so that consumers take turns.
        this.consumers.delete(link);
        this.consumers.set(link, c);
        return true;
      }
    }
    return false;
  }

  /** Hands queued items to whoever waits for one. */
  private dispatch(): void {
    while (this.items.length) {
      const getter = this.localGetters.shift();
      const item = this.items.shift()!;
      this.bytes -= item.length;
      if (getter) getter.resolve(item);
      else if (!this.sendToConsumer(item)) {
        this.items.unshiftAll([item]);
        this.bytes += item.length;
        return;
      }
    }
  }

  take(): Buffer | undefined {
    const item = this.items.shift();
    if (item) {
      this.bytes -= item.length;
      this.freed();
      this.changed();
    }
    return item;
  }

  /** Room was made: admit waiting local putters and remote credit requests, in order. */
  freed(): void {
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
      w.link.send(op(GRANT, n));
      if (w.n === 0) this.creditWaiters.shift();
    }
  }

  taskDone(n: number): string | undefined {
    if (n > this.unfinished) return 'task_done() called too many times';
    this.unfinished -= n;
    if (this.unfinished === 0) for (const wake of this.joinWaiters.splice(0)) wake();
    this.changed();
    return undefined;
  }

  private accept(link: Link): void {
    link.handle((body) => this.onFrame(link, body), () => this.onClose(link));
  }

  private consumer(link: Link): Consumer {
    let c = this.consumers.get(link);
    if (!c) {
      c = { slot: this.nextSlot, window: 0, inflight: [], acked: 0 };
      this.nextSlot += 2;
      this.ledger.setFloat64(c.slot, 0);
      this.ledger.setFloat64(c.slot + 1, 0);
      this.ledger.setFloat64(L_SLOTS, (this.nextSlot - L_FIRST_CONSUMER) / 2);
      this.consumers.set(link, c);
      link.send(op(SLOT, c.slot));
    }
    return c;
  }

  private onFrame(link: Link, body: Buffer): void {
    switch (body[0]) {
      case PUT: {
        const producer = this.producers.get(link);
        if (producer && this.ref.maxsize > 0) producer.credits = Math.max(0, producer.credits - 1);
        this.add(body.subarray(1));
        break;
      }
      case WANT: {
        const c = this.consumer(link);
        c.window += body.readUInt32LE(1);
        let item: Buffer | undefined;
        while (c.window > 0 && (item = this.items.shift())) {
          this.bytes -= item.length;
          c.window--;
          c.inflight.push(item);
          link.send([OP(ITEM), item]);
        }
        this.changed();
        break;
      }
      case CANCEL: {
        const c = this.consumer(link);
        c.window = Math.max(0, c.window - body.readUInt32LE(1));
        break;
      }
      case TAKEN: {
        const c = this.consumer(link);
        const n = body.readUInt32LE(1);
        c.inflight.splice(0, n);
        c.acked += n;
        this.ledger.setFloat64(c.slot + 1, c.acked);
        this.ledger.setFloat64(L_DEPTH, this.depth());
        this.freed();
        this.changed();
        break;
      }
      case NOWAIT: {
        const c = this.consumer(link);
        const item = this.items.shift();
        if (item) {
          this.bytes -= item.length;
          c.inflight.push(item);
          link.send([OP(NOWAIT_ITEM), item]);
          this.changed();
        } else {
          link.send(OP(EMPTY));
        }
        break;
      }
      case TRY_CREDIT: {
        const producer = this.producers.get(link) ?? { credits: 0 };
        this.producers.set(link, producer);
        const granted = this.creditWaiters.length === 0 && this.available() > 0 ? 1 : 0;
        producer.credits += granted;
        link.send(op(TRY_GRANT, granted));
        break;
      }
      case CREDIT: {
        if (!this.producers.has(link)) this.producers.set(link, { credits: 0 });
        this.creditWaiters.push({ link, n: body.readUInt32LE(1) });
        this.freed();
        break;
      }
      case RETURN: {
        const producer = this.producers.get(link);
        if (producer) producer.credits = Math.max(0, producer.credits - body.readUInt32LE(1));
        this.freed();
        break;
      }
      case TASK_DONE: {
        const error = this.taskDone(body.readUInt32LE(1));
        if (error) link.send([OP(ERROR), Buffer.from(error)]);
        break;
      }
      case JOIN: {
        if (this.unfinished === 0) link.send(OP(JOINED));
        else this.joinWaiters.push(() => link.send(OP(JOINED)));
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
      const keep = c.inflight.slice(Math.max(0, handed - c.acked));
      if (keep.length) {
        this.items.unshiftAll(keep);
        for (const item of keep) this.bytes += item.length;
        this.dispatch();
      }
      this.ledger.setFloat64(c.slot + 1, handed);
      this.ledger.setFloat64(L_DEPTH, this.depth());
    }
    this.producers.delete(link);
    this.freed();
    this.changed();
  }

  /** Publishes depth to the ledger (for qsize() elsewhere) and to an observer, at most once per tick / 100 ms. */
  changed(): void {
    if (!this.ledgerDirty) {
      this.ledgerDirty = true;
      setImmediate(() => {
        this.ledgerDirty = false;
        this.ledger.setFloat64(L_DEPTH, this.depth());
        this.ledger.setFloat64(L_UNFINISHED, this.unfinished);
      }).unref();
    }
    if (this.reportTimer || !observed()) return;
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      this.report();
    }, 100);
    this.reportTimer.unref();
  }

  report(closed = false): void {
    let getters = this.localGetters.length;
    for (const c of this.consumers.values()) getters += c.window > 0 ? 1 : 0;
    report({
      t: 'queue', id: this.ref.id, pid: process.pid, kind: this.ref.kind, depth: this.depth(), bytes: this.bytes,
      getters, putters: this.localPutters.length + this.creditWaiters.length, maxsize: this.ref.maxsize,
      ...(closed ? { closed } : {}), time: Date.now(),
    });
  }
}

// --- another process's side ---------------------------------------------------------------

class QueueClient {
  private link: Link | undefined;
  private slot = -1;
  private ledgerFd: SharedMemory;
  private readonly buffer = new Fifo<Buffer>();
  private readonly getters: Array<Waiter<Buffer>> = [];
  private readonly nowaiters: Array<Waiter<Buffer | undefined>> = [];
  private readonly putters: Array<Waiter<void> & { item: Buffer }> = [];
  private readonly joiners: Array<Waiter<void>> = [];
  private readonly tryPutters: Array<Waiter<void> & { item?: Buffer }> = [];
  private requested = 0;
  private readAhead = 0;
  private lastHandOut = 0;
  private handed = 0;
  private takenUnsent = 0;
  private credits = 0;
  private creditsRequested = 0;
  private returnScheduled = false;
  private error: Error | undefined;

  constructor(readonly ref: QueueRef) {
    this.ledgerFd = SharedMemory.open(ref.ledger);
  }

  get ledger(): SharedMemory {
    return this.ledgerFd;
  }

  /** The owner's depth less what consumers have handed out that the owner has not counted yet. */
  depth(): number {
    const slots = this.ledgerFd.getFloat64(L_SLOTS);
    const all = Buffer.alloc(8 * (L_FIRST_CONSUMER + 2 * slots));
    this.ledgerFd.read(all, 0);
    let depth = all.readDoubleLE(L_DEPTH * 8);
    for (let j = 0; j < slots; j++) {
      const at = (L_FIRST_CONSUMER + 2 * j) * 8;
      depth -= all.readDoubleLE(at) - all.readDoubleLE(at + 8);
    }
    return Math.max(0, depth);
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

  /** Keeps the process alive exactly while a call waits on the owner. */
  private busy(delta: number): void {
    if (delta > 0) hold();
    else release();
  }

  private onFrame(body: Buffer): void {
    switch (body[0]) {
      case SLOT:
        this.slot = body.readUInt32LE(1);
        break;
      case ITEM: {
        this.requested--;
        const item = body.subarray(1);
        const getter = this.getters.shift();
        if (getter) getter.resolve(this.handOut(item));
        else this.buffer.push(item);
        break;
      }
      case NOWAIT_ITEM:
        this.nowaiters.shift()?.resolve(this.handOut(body.subarray(1)));
        break;
      case EMPTY:
        this.nowaiters.shift()?.resolve(undefined);
        break;
      case GRANT: {
        const n = body.readUInt32LE(1);
        this.creditsRequested -= n;
        this.credits += n;
        while (this.credits > 0 && this.putters.length) {
          const putter = this.putters.shift()!;
          this.credits--;
          this.link!.send([OP(PUT), putter.item]);
          putter.resolve();
        }
        this.scheduleReturn();
        break;
      }
      case JOINED:
        this.joiners.shift()?.resolve();
        break;
      case TRY_GRANT: {
        const putter = this.tryPutters.shift();
        if (!putter) break;
        if (body.readUInt32LE(1) === 1) {
          this.link!.send([OP(PUT), putter.item!]);
          putter.resolve();
        } else {
          putter.reject(new Full());
        }
        break;
      }
      case ERROR:
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

  /** Counts the item as handed to the caller, in the ledger, before the caller sees it. */
  private handOut(item: Buffer): Buffer {
    this.handed++;
    this.ledgerFd.setFloat64(this.slot, this.handed);
    const now = performance.now();
    // A consumer that comes back quickly reads ahead more; a slow one reads none ahead, so that
    // work is shared fairly between consumers.
    this.readAhead = now - this.lastHandOut < 1 ? Math.min(MAX_READ_AHEAD, this.readAhead * 2 + 1) : 0;
    this.lastHandOut = now;
    if (this.takenUnsent++ === 0) {
      process.nextTick(() => {
        const n = this.takenUnsent;
        this.takenUnsent = 0;
        this.link?.send(op(TAKEN, n));
      });
    }
    return item;
  }

  private topUp(): void {
    const want = this.getters.length + this.readAhead - this.buffer.length - this.requested;
    if (want > 0) {
      this.requested += want;
      this.connection().send(op(WANT, want));
    }
  }

  async get(timeoutMs: number | undefined): Promise<Buffer> {
    const link = this.connection();
    const ready = this.buffer.shift();
    if (ready) {
      const item = this.handOut(ready);
      this.topUp();
      return item;
    }
    this.busy(1);
    const p = wait(this.getters, timeoutMs, () => new Empty(), () => this.busy(-1));
    this.topUp();
    try {
      return await p;
    } catch (error) {
      if (error instanceof Empty && this.getters.length === 0 && this.requested > this.buffer.length) {
        // Nobody waits here any more: let the owner give those items to others.
        link.send(op(CANCEL, this.requested));
      }
      throw error;
    }
  }

  async getNowait(): Promise<Buffer> {
    const ready = this.buffer.shift();
    if (ready) return this.handOut(ready);
    const link = this.connection();
    this.busy(1);
    const p = wait<Buffer | undefined>(this.nowaiters, undefined, () => new Empty(), () => this.busy(-1));
    link.send(OP(NOWAIT));
    const item = await p;
    if (!item) throw new Empty();
    return item;
  }

  put(item: Buffer, timeoutMs: number | undefined, block: boolean): Promise<void> | void {
    const link = this.connection();
    if (this.ref.maxsize <= 0) {
      link.send([OP(PUT), item]);
      return;
    }
    if (this.credits > 0 && this.putters.length === 0) {
      this.credits--;
      link.send([OP(PUT), item]);
      this.scheduleReturn();
      return;
    }
    if (!block) {
      // Only the owner knows whether there is room: ask it for one place, and fail if there is none.
      this.busy(1);
      const p = wait(this.tryPutters, undefined, () => new Full(), () => this.busy(-1));
      this.tryPutters[this.tryPutters.length - 1].item = item;
      link.send(op(TRY_CREDIT, 1));
      return p;
    }
    this.busy(1);
    const p = wait(this.putters as Array<Waiter<void>>, timeoutMs, () => new Full(), () => this.busy(-1));
    (this.putters[this.putters.length - 1] as { item?: Buffer }).item = item;
    const need = this.putters.length - this.creditsRequested;
    if (need > 0) {
      this.creditsRequested += need;
      link.send(op(CREDIT, need));
    }
    return p;
  }

  private scheduleReturn(): void {
    if (this.returnScheduled) return;
    this.returnScheduled = true;
    setImmediate(() => {
      this.returnScheduled = false;
      if (this.credits > 0 && this.putters.length === 0 && this.link) {
        this.link.send(op(RETURN, this.credits));
        this.credits = 0;
      }
    }).unref();
  }

  taskDone(): void {
    this.connection().send(op(TASK_DONE, 1));
  }

  join(): Promise<void> {
    const link = this.connection();
    this.busy(1);
    const p = wait(this.joiners, undefined, () => new Error('unreachable'), () => this.busy(-1));
    link.send(OP(JOIN));
    return p;
  }

  blockedGetters(): number {
    return this.getters.length;
  }

  close(): Promise<void> {
    const link = this.link;
    this.error = new ValueError(`${this.ref.kind} is closed`);
    this.link = undefined;
    if (!link) return Promise.resolve();
    return link.flushed().then(() => link.close());
  }
}

// --- the public classes -------------------------------------------------------------------

const handles = new Map<string, Queue<unknown>>();
/** Set while a queue received from another process is being rebuilt: the constructor adopts it. */
let adopting: QueueRef | undefined;

export class Queue<T = unknown> {
  readonly #ref: QueueRef;
  readonly #core: QueueCore | undefined;
  readonly #client: QueueClient | undefined;
  #closed = false;

  /** `maxsize` ≤ 0 means unbounded, as in Python. */
  constructor(maxsize = 0) {
    if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) throw new TypeError(`maxsize must be an integer, not ${inspect(maxsize)}`);
    const shared = adopting;
    adopting = undefined;
    if (shared) {
      this.#ref = shared;
      this.#client = new QueueClient(shared);
    } else {
      const ledger = SharedMemory.create('queue', 8 * 8);
      this.#ref = { id: newId(this.kind), address: '', ledger: ledger.path, maxsize, kind: this.kind };
      this.#core = new QueueCore(this.#ref, ledger);
    }
    handles.set(this.#ref.id, this as Queue<unknown>);
  }

  protected get kind(): QueueKind {
    return 'Queue';
  }

  get maxsize(): number {
    return this.#ref.maxsize;
  }

  #check(): void {
    if (this.#closed) throw new ValueError(`Queue ${this.#ref.id} is closed`);
  }

  /**
   * Puts an item. Resolves at once unless the queue is bounded and full; then waits (at most
   * `timeout` seconds) for room, or with `block: false` fails at once with `Full`.
   */
  put(obj: T, options: PutOptions = {}): Promise<void> {
    try {
      this.#check();
      const block = options.block ?? true;
      const timeoutMs = block ? toMs(options.timeout, true) : 0;
      const item = encode(obj, 'the item');
      checkSize(item.length, 'the item');
      if (this.#core) {
        const core = this.#core;
        if (core.available() > 0) {
          core.add(item);
          return Promise.resolve();
        }
        if (!block) return Promise.reject(new Full());
        hold();
        const p = wait(core.localPutters as Array<Waiter<void>>, timeoutMs, () => new Full(), release);
        (core.localPutters[core.localPutters.length - 1] as { item?: Buffer }).item = item;
        core.changed();
        return p;
      }
      return Promise.resolve(this.#client!.put(item, timeoutMs, block));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  putNowait(obj: T): Promise<void> {
    return this.put(obj, { block: false });
  }

  /** Takes the oldest item, waiting for one (at most `timeout` seconds; `Empty` after that). */
  async get(options: GetOptions = {}): Promise<T> {
    this.#check();
    const block = options.block ?? true;
    if (!block) return this.getNowait();
    const timeoutMs = toMs(options.timeout, true);
    if (this.#core) {
      const core = this.#core;
      const item = core.take();
      if (item) return (await decodeAsync(item)) as T;
      hold();
      const p = wait(core.localGetters, timeoutMs, () => new Empty(), release);
      core.changed();
      return (await decodeAsync(await p)) as T;
    }
    return (await decodeAsync(await this.#client!.get(timeoutMs))) as T;
  }

  async getNowait(): Promise<T> {
    this.#check();
    if (this.#core) {
      const item = this.#core.take();
      if (!item) throw new Empty();
      return (await decodeAsync(item)) as T;
    }
    return (await decodeAsync(await this.#client!.getNowait())) as T;
  }

  /** The approximate number of items in the queue (exact in the owning process). */
  qsize(): number {
    this.#check();
    return this.#core ? this.#core.depth() : this.#client!.depth();
  }

  empty(): boolean {
    return this.qsize() === 0;
  }

  full(): boolean {
    return this.#ref.maxsize > 0 && this.qsize() >= this.#ref.maxsize;
  }

  /** No more puts or gets from this process; what it put is still delivered. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.#client?.close();
  }

  /** Resolves when everything this process put has reached the owner. */
  async joinThread(): Promise<void> {
    // Items are handed to the OS as they are put; there is no feeder thread to wait for.
  }

  cancelJoinThread(): void {}

  protected get core(): QueueCore | undefined {
    return this.#core;
  }

  protected get client(): QueueClient | undefined {
    return this.#client;
  }

  protected checkOpen(): void {
    this.#check();
  }

  [REDUCE](): Reduced {
    this.#check();
    return { kind: this.#ref.kind, state: this.#ref };
  }

  [inspect.custom](): string {
    return `<${this.#ref.kind} ${this.#ref.id}${this.#ref.maxsize > 0 ? ` maxsize=${this.#ref.maxsize}` : ''}${this.#core ? '' : ' (remote)'}>`;
  }
}


/** Python's SimpleQueue: get, put, empty, close. */
export class SimpleQueue<T = unknown> extends Queue<T> {
  constructor() {
    super(0);
  }

  protected override get kind(): QueueKind {
    return 'SimpleQueue';
  }
}

/** A Queue whose join() waits until every item put has been marked done with taskDone(). */
export class JoinableQueue<T = unknown> extends Queue<T> {
  protected override get kind(): QueueKind {
    return 'JoinableQueue';
  }

  /** Marks one item taken with get() as processed. More calls than items put is a ValueError. */
  taskDone(): void {
    this.checkOpen();
    const core = this.core;
    if (core) {
      const error = core.taskDone(1);
      if (error) throw new ValueError(error);
      return;
    }
    if (this.client!.ledger.getFloat64(L_UNFINISHED) <= 0) throw new ValueError('task_done() called too many times');
    this.client!.taskDone();
  }

  /** Waits until every item put has been marked done. */
  async join(): Promise<void> {
    this.checkOpen();
    const core = this.core;
    if (core) {
      if (core.unfinished === 0) return;
      hold();
      await new Promise<void>((resolve) => core.joinWaiters.push(resolve)).finally(release);
      return;
    }
    await this.client!.join();
  }
}

function rebuild(kind: QueueKind, cls: new (maxsize?: number) => Queue<unknown>) {
  registerKind(kind, (state) => {
    const ref = state as QueueRef;
    const known = handles.get(ref.id);
    if (known) return known;
    adopting = ref;
    return new cls(ref.maxsize);
  });
}
rebuild('Queue', Queue);
rebuild('SimpleQueue', SimpleQueue);
rebuild('JoinableQueue', JoinableQueue);
