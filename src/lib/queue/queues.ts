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
import { ValueError } from '../base/errors';
import { checkSize } from '../channel/framing';
import { QueueClient } from './client';
import { QueueCore } from './owner';
import type { QueueEnd, QueueKind, QueueRef } from './protocol';
import { REDUCE, Rebuild, decodeSoon, encode, registerKind, type Reduced } from '../values/reduction';
import { toMs } from '../base/timeout';

export type { GetOptions, PutOptions } from './protocol';
import type { GetOptions, PutOptions } from './protocol';

// The queues this process can be handed back by id: those received from another process, and
// those it owns that it has sent to one. A queue it owns and never sent stays out, so that it can
// be collected, and then its ledger and address are freed: no other process can reach it.
const handles = new Map<string, Queue<unknown>>();
const unshared = new FinalizationRegistry<QueueCore>((core) => core.release());

export class Queue<T = unknown> {
  /** The owner's end in the process that made the queue, a client's in any other. */
  readonly #end: QueueEnd;
  #closed = false;

  /** `maxsize` ≤ 0 means unbounded, as in Python. */
  constructor(maxsize?: number);
  /** @internal A queue received from another process. */
  constructor(rebuild: Rebuild<QueueRef>);
  constructor(arg: number | Rebuild<QueueRef> = 0) {
    if (arg instanceof Rebuild) {
      this.#end = new QueueClient(arg.state);
      handles.set(arg.state.id, this as Queue<unknown>);
    } else {
      if (typeof arg !== 'number' || !Number.isInteger(arg)) throw new TypeError(`maxsize must be an integer, not ${inspect(arg)}`);
      const core = new QueueCore(this.kind, arg);
      this.#end = core;
      unshared.register(this, core, this);
    }
  }

  protected get kind(): QueueKind {
    return 'Queue';
  }

  get maxsize(): number {
    return this.#end.ref.maxsize;
  }

  #check(): void {
    if (this.#closed) throw new ValueError(`Queue ${this.#end.ref.id} is closed`);
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
      return Promise.resolve(this.#end.put(item, timeoutMs, block));
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
    const end = this.#end;
    let item: Buffer | Promise<Buffer>;
    if (options.block ?? true) {
      const timeoutMs = toMs(options.timeout, true);
      item = end.take() ?? end.get(timeoutMs);
    } else {
      item = end.getNowait();
    }
    const value = decodeSoon(item instanceof Promise ? await item : item);
    return (value instanceof Promise ? await value : value) as T;
  }

  getNowait(): Promise<T> {
    return this.get({ block: false });
  }

  /** The approximate number of items in the queue (exact in the owning process). */
  qsize(): number {
    this.#check();
    return this.#end.depth();
  }

  empty(): boolean {
    return this.qsize() === 0;
  }

  full(): boolean {
    return this.maxsize > 0 && this.qsize() >= this.maxsize;
  }

  /** No more puts or gets from this process; what it put is still delivered. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#end instanceof QueueCore && !handles.has(this.#end.ref.id)) {
      unshared.unregister(this);
      this.#end.release();
    }
    void this.#end.close();
  }

  /** Resolves when everything this process put has reached the owner. */
  async joinThread(): Promise<void> {
    // Items are handed to the OS as they are put; there is no feeder thread to wait for.
  }

  cancelJoinThread(): void {}

  /** @internal For JoinableQueue: this process's end, once the queue is known to be open. */
  protected openEnd(): QueueEnd {
    this.#check();
    return this.#end;
  }

  [REDUCE](): Reduced {
    this.#check();
    // Sent: other processes may reach it for as long as this one runs.
    if (!handles.has(this.#end.ref.id)) {
      unshared.unregister(this);
      handles.set(this.#end.ref.id, this as Queue<unknown>);
    }
    return { kind: this.#end.ref.kind, state: this.#end.ref };
  }

  [inspect.custom](): string {
    const ref = this.#end.ref;
    return `<${ref.kind} ${ref.id}${ref.maxsize > 0 ? ` maxsize=${ref.maxsize}` : ''}${this.#end instanceof QueueClient ? ' (remote)' : ''}>`;
  }
}


/** Python's SimpleQueue: get, put, empty, close. */
export class SimpleQueue<T = unknown> extends Queue<T> {
  constructor();
  /** @internal */
  constructor(rebuild: Rebuild<QueueRef>);
  constructor(rebuild?: Rebuild<QueueRef>) {
    if (rebuild) super(rebuild);
    else super(0);
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
    this.openEnd().taskDone();
  }

  /** Waits until every item put has been marked done. */
  async join(): Promise<void> {
    await this.openEnd().join();
  }
}

function rebuildAs(kind: QueueKind, cls: new (rebuild: Rebuild<QueueRef>) => Queue<unknown>): void {
  registerKind<QueueRef>(kind, (ref) => handles.get(ref.id) ?? new cls(new Rebuild(ref)));
}
rebuildAs('Queue', Queue);
rebuildAs('SimpleQueue', SimpleQueue);
rebuildAs('JoinableQueue', JoinableQueue);
