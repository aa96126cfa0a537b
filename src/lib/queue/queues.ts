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
import { Empty, Full, ValueError } from '../base/errors';
import { checkSize } from '../channel/framing';
import { hold, release } from '../base/keepalive';
import { newId } from '../channel/link';
import { QueueClient } from './client';
import { QueueCore } from './owner';
import { L_UNFINISHED, type QueueKind, type QueueRef } from './protocol';
import { wait, type Waiter } from '../base/waiters';
import { REDUCE, decodeSoon, encode, registerKind, type Reduced } from '../values/reduction';
import { SharedMemory } from '../channel/shared-memory';
import { toMs } from '../base/timeout';

export type { GetOptions, PutOptions } from './protocol';
import type { GetOptions, PutOptions } from './protocol';

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
        const p = wait(core.localPutters as Array<Waiter<void>>, timeoutMs, () => new Full(), { keepAlive: true });
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
    let item: Buffer | undefined;
    if (this.#core) {
      const core = this.#core;
      item = core.take();
      if (!item) {
        const p = wait(core.localGetters, timeoutMs, () => new Empty(), { keepAlive: true });
        core.changed();
        item = await p;
      }
    } else {
      item = this.#client!.take() ?? await this.#client!.get(timeoutMs);
    }
    const value = decodeSoon(item);
    return (value instanceof Promise ? await value : value) as T;
  }

  async getNowait(): Promise<T> {
    this.#check();
    let item: Buffer | undefined;
    if (this.#core) {
      item = this.#core.take();
      if (!item) throw new Empty();
    } else {
      item = await this.#client!.getNowait();
    }
    const value = decodeSoon(item);
    return (value instanceof Promise ? await value : value) as T;
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
