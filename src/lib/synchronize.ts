// Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition and Barrier across processes.
//
// Each primitive lives in the process that created it; other processes call it over a socket
// (rpc.ts), and the owner decides every acquire, wait and timeout, so the outcome is the same as
// with one lock in one place. Small state that Python reads without blocking (a semaphore's
// value, whether an event is set) is mirrored in a shared-memory ledger, so those reads stay
// synchronous everywhere. Ownership is per process: one process's async tasks share it.
import { inspect } from 'node:util';
import { AssertionError, ValueError } from './errors';
import { newId } from './link';
import { REDUCE, registerKind, type Reduced } from './reduction';
import { RpcClient, serveRpc, type Caller, type RpcTarget } from './rpc';
import { SharedMemory } from './shared-memory';
import { toMs } from './timeout';

export class BrokenBarrierError extends Error {
  override name = 'BrokenBarrierError';
}

export interface AcquireOptions { block?: boolean; timeout?: number | null }

function acquireArgs(blockOrOptions: boolean | AcquireOptions | undefined, timeout?: number | null): { block: boolean; timeoutMs: number | undefined } {
  const o = typeof blockOrOptions === 'object' && blockOrOptions !== null ? blockOrOptions : { block: blockOrOptions, timeout };
  const block = o.block ?? true;
  return { block, timeoutMs: block ? toMs(o.timeout) : 0 };
}

interface Waiter<T> { caller: Caller; resolve: (value: T) => void; timer?: NodeJS.Timeout }

/** Queues `caller` until woken or `timeoutMs` passes (then resolves with `onTimeout`). */
function enqueue<T>(list: Array<Waiter<T>>, caller: Caller, timeoutMs: number | undefined, onTimeout: T): Promise<T> {
  return new Promise((resolve) => {
    const waiter: Waiter<T> = { caller, resolve: (v) => { clearTimeout(waiter.timer); resolve(v); } };
    if (timeoutMs !== undefined) {
      waiter.timer = setTimeout(() => {
        list.splice(list.indexOf(waiter), 1);
        resolve(onTimeout);
      }, timeoutMs);
    }
    list.push(waiter);
  });
}

function dropCaller<T>(list: Array<Waiter<T>>, caller: Caller): void {
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i].caller === caller) {
      clearTimeout(list[i].timer);
      list.splice(i, 1);
    }
  }
}

// --- cores: the owner's side --------------------------------------------------------------

abstract class Core implements RpcTarget {
  constructor(readonly ledger: SharedMemory) {}
  abstract call(caller: Caller, method: string, args: unknown[]): unknown;
  gone?(caller: Caller): void;
}

class SemaphoreCore extends Core {
  readonly waiters: Array<Waiter<boolean>> = [];
  /** For locks: who holds it, so that a holder that dies does not leave it locked forever. */
  holder: Caller | undefined;

  constructor(ledger: SharedMemory, private value: number, private readonly bound: number | null, private readonly isLock: boolean) {
    super(ledger);
    ledger.setFloat64(0, value);
  }

  private set(value: number): void {
    this.value = value;
    this.ledger.setFloat64(0, value);
  }

  call(caller: Caller, method: string, args: unknown[]): unknown {
    if (method === 'acquire') {
      const [block, timeoutMs] = args as [boolean, number | undefined];
      if (this.value > 0 && this.waiters.length === 0) {
        this.set(this.value - 1);
        if (this.isLock) this.holder = caller;
        return true;
      }
      if (!block) return false;
      return enqueue(this.waiters, caller, timeoutMs, false);
    }
    if (method === 'release') {
      if (this.bound !== null && this.value >= this.bound) {
        throw new ValueError(this.isLock ? 'semaphore or lock released too many times' : 'Semaphore released too many times');
      }
      this.holder = undefined;
      const next = this.waiters.shift();
      if (next) {
        if (this.isLock) this.holder = next.caller;
        next.resolve(true);
      } else {
        this.set(this.value + 1);
      }
      return undefined;
    }
    throw new TypeError(`no method ${method}`);
  }

  override gone(caller: Caller): void {
    dropCaller(this.waiters, caller);
    // Python leaves a lock whose holder died locked, and every other process waits forever.
    if (this.isLock && this.holder === caller) this.call(caller, 'release', []);
  }
}

class RLockCore extends Core {
  owner: Caller | undefined;
  count = 0;
  readonly waiters: Array<Waiter<boolean>> = [];

  private publish(): void {
    this.ledger.setFloat64(0, this.count);
    this.ledger.setFloat64(1, this.owner?.pid ?? 0);
  }

  private same(a: Caller | undefined, b: Caller): boolean {
    return !!a && a.pid === b.pid;
  }

  call(caller: Caller, method: string, args: unknown[]): unknown {
    switch (method) {
      case 'acquire': {
        const [block, timeoutMs, restore] = args as [boolean, number | undefined, number | undefined];
        const count = restore ?? 1;
        if (this.same(this.owner, caller)) {
          this.count += count;
          this.publish();
          return true;
        }
        if (!this.owner) {
          this.owner = caller;
          this.count = count;
          this.publish();
          return true;
        }
        if (!block) return false;
        return enqueue(this.waiters, caller, timeoutMs, false).then((ok) => {
          if (ok) this.count = count;
          this.publish();
          return ok;
        });
      }
      case 'release':
      case 'releaseAll': {
        if (!this.same(this.owner, caller)) throw new AssertionError('cannot release un-acquired lock');
        const all = method === 'releaseAll';
        const released = all ? this.count : 1;
        this.count -= released;
        if (this.count === 0) this.handOn();
        this.publish();
        return released;
      }
      case 'owned':
        return this.same(this.owner, caller);
    }
    throw new TypeError(`no method ${method}`);
  }

  private handOn(): void {
    this.owner = undefined;
    const next = this.waiters.shift();
    if (next) {
      this.owner = next.caller;
      next.resolve(true);
    }
  }

  override gone(caller: Caller): void {
    dropCaller(this.waiters, caller);
    if (this.owner === caller) {
      this.count = 0;
      this.handOn();
      this.publish();
    }
  }
}

class EventCore extends Core {
  flag = false;
  readonly waiters: Array<Waiter<boolean>> = [];

  call(caller: Caller, method: string, args: unknown[]): unknown {
    switch (method) {
      case 'set':
        this.flag = true;
        this.ledger.setFloat64(0, 1);
        for (const w of this.waiters.splice(0)) w.resolve(true);
        return undefined;
      case 'clear':
        this.flag = false;
        this.ledger.setFloat64(0, 0);
        return undefined;
      case 'wait':
        return this.flag || enqueue(this.waiters, caller, args[0] as number | undefined, false);
    }
    throw new TypeError(`no method ${method}`);
  }

  override gone(caller: Caller): void {
    dropCaller(this.waiters, caller);
  }
}

class ConditionCore extends Core {
  private nextTicket = 1;
  /** Enrolled waiters, in order; `wake` is set once the waiter asks to wait. */
  private readonly enrolled: Array<{ ticket: number; caller: Caller; notified: boolean; wake?: (ok: boolean) => void; timer?: NodeJS.Timeout }> = [];

  call(caller: Caller, method: string, args: unknown[]): unknown {
    switch (method) {
      case 'enroll': {
        const ticket = this.nextTicket++;
        this.enrolled.push({ ticket, caller, notified: false });
        return ticket;
      }
      case 'wait': {
        const [ticket, timeoutMs] = args as [number, number | undefined];
        const entry = this.enrolled.find((e) => e.ticket === ticket);
        if (!entry) return true;
        if (entry.notified) {
          this.enrolled.splice(this.enrolled.indexOf(entry), 1);
          return true;
        }
        return new Promise<boolean>((resolve) => {
          entry.wake = (ok) => { clearTimeout(entry.timer); resolve(ok); };
          if (timeoutMs !== undefined) {
            entry.timer = setTimeout(() => {
              this.enrolled.splice(this.enrolled.indexOf(entry), 1);
              resolve(false);
            }, timeoutMs);
          }
        });
      }
      case 'notify': {
        let n = args[0] as number;
        for (const entry of [...this.enrolled]) {
          if (n-- <= 0) break;
          if (entry.notified) { n++; continue; }
          entry.notified = true;
          if (entry.wake) {
            this.enrolled.splice(this.enrolled.indexOf(entry), 1);
            entry.wake(true);
          }
        }
        return undefined;
      }
    }
    throw new TypeError(`no method ${method}`);
  }

  override gone(caller: Caller): void {
    for (let i = this.enrolled.length - 1; i >= 0; i--) {
      if (this.enrolled[i].caller === caller) {
        clearTimeout(this.enrolled[i].timer);
        this.enrolled.splice(i, 1);
      }
    }
  }
}

class BarrierCore extends Core {
  private waiting: Array<{ caller: Caller; resolve: (r: { index: number; runAction: boolean } | null) => void; timer?: NodeJS.Timeout }> = [];
  private broken = false;
  /** Set while the last arrival runs the action; the others are released when it reports back. */
  private releasing = false;

  constructor(ledger: SharedMemory, readonly parties: number, private readonly defaultTimeoutMs: number | undefined, private readonly hasAction: boolean) {
    super(ledger);
    this.publish();
  }

  private publish(): void {
    this.ledger.setFloat64(0, this.waiting.length);
    this.ledger.setFloat64(1, this.broken ? 1 : 0);
  }

  private breakAll(): void {
    this.broken = true;
    this.releasing = false;
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
    this.publish();
  }

  private releaseAll(): void {
    this.releasing = false;
    const all = this.waiting.splice(0);
    this.publish();
    all.forEach((w, i) => {
      clearTimeout(w.timer);
      w.resolve({ index: i, runAction: false });
    });
  }

  call(caller: Caller, method: string, args: unknown[]): unknown {
    switch (method) {
      case 'wait': {
        if (this.broken) return null;
        const timeoutMs = (args[0] as number | undefined) ?? this.defaultTimeoutMs;
        const index = this.waiting.length;
        if (index + 1 === this.parties) {
          if (this.hasAction) {
            this.releasing = true;
            return { index, runAction: true };
          }
          this.releaseAll();
          return { index, runAction: false };
        }
        return new Promise((resolve) => {
          const entry: (typeof this.waiting)[number] = { caller, resolve };
          if (timeoutMs !== undefined) entry.timer = setTimeout(() => this.breakAll(), timeoutMs);
          this.waiting.push(entry);
          this.publish();
        }).then((r) => r && { index, runAction: false });
      }
      case 'actionDone':
        if (this.releasing) this.releaseAll();
        return undefined;
      case 'abort':
        this.breakAll();
        return undefined;
      case 'reset':
        if (this.waiting.length) this.breakAll();
        this.broken = false;
        this.publish();
        return undefined;
    }
    throw new TypeError(`no method ${method}`);
  }

  override gone(caller: Caller): void {
    // A party that died can never arrive: the barrier is broken, as a timeout would break it.
    if (this.waiting.some((w) => w.caller === caller)) this.breakAll();
  }
}

/** @internal For managers: a primitive's core, whose callers are the manager's connections. */
export function makeCore(kind: string, args: unknown[], ledger: SharedMemory): RpcTarget {
  switch (kind) {
    case 'Lock': return new SemaphoreCore(ledger, 1, 1, true);
    case 'RLock': return new RLockCore(ledger);
    case 'Semaphore': return new SemaphoreCore(ledger, (args[0] as number | undefined) ?? 1, null, false);
    case 'BoundedSemaphore': return new SemaphoreCore(ledger, (args[0] as number | undefined) ?? 1, (args[0] as number | undefined) ?? 1, false);
    case 'Event': return new EventCore(ledger);
    default: throw new TypeError(`no such primitive ${kind}`);
  }
}

// --- the public classes -------------------------------------------------------------------

interface SyncRef { kind: string; id: string; address: string; ledger: string; args: unknown[] }

const known = new Map<string, Primitive>();
let adopting: SyncRef | undefined;

/** The part every primitive shares: a core here, or a client of the core in its owner. */
abstract class Primitive {
  protected readonly ref: SyncRef;
  protected readonly core: Core | undefined;
  protected readonly client: RpcClient | undefined;
  protected readonly ledger: SharedMemory;

  protected constructor(kind: string, args: unknown[], makeCore: (ledger: SharedMemory) => Core) {
    const shared = adopting;
    adopting = undefined;
    if (shared) {
      this.ref = shared;
      this.ledger = SharedMemory.open(shared.ledger);
      this.client = RpcClient.to(shared.address, shared.id, kind);
    } else {
      this.ledger = SharedMemory.create(kind.toLowerCase(), 16);
      const id = newId(kind);
      this.core = makeCore(this.ledger);
      this.ref = { kind, id, address: serveRpc(id, this.core), ledger: this.ledger.path, args };
    }
    known.set(this.ref.id, this);
  }

  protected static here: Caller = { pid: process.pid };

  /** Runs `method` on the core: directly in the owner, over the socket elsewhere. */
  protected invoke(method: string, ...args: unknown[]): Promise<unknown> {
    if (this.core) {
      try {
        return Promise.resolve(this.core.call(Primitive.here, method, args));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.client!.call(method, ...args);
  }

  /** Like invoke, for calls whose errors must surface at once in the owner (release). */
  protected invokeSync(method: string, ...args: unknown[]): void {
    if (this.core) {
      this.core.call(Primitive.here, method, args);
      return;
    }
    this.client!.call(method, ...args).catch((error: Error) => process.emitWarning(error.message, error.name));
  }

  [REDUCE](): Reduced {
    return { kind: this.ref.kind, state: this.ref };
  }

  [inspect.custom](): string {
    return `<${this.ref.kind} ${this.ref.id}${this.core ? '' : ' (remote)'}>`;
  }
}

function register<T extends Primitive>(kind: string, make: (args: unknown[]) => T): void {
  registerKind(kind, (state) => {
    const ref = state as SyncRef;
    const existing = known.get(ref.id);
    if (existing) return existing;
    adopting = ref;
    return make(ref.args);
  });
}

/** A guard for `using`: releases what was acquired when the scope ends. */
export interface Held extends Disposable, AsyncDisposable {}

abstract class Acquirable extends Primitive {
  /**
   * Acquires, waiting at most `timeout` seconds (or not at all with `block: false`). Resolves
   * with whether it was acquired, as Python's acquire() returns.
   */
  acquire(blockOrOptions?: boolean | AcquireOptions, timeout?: number | null): Promise<boolean> {
    try {
      const { block, timeoutMs } = acquireArgs(blockOrOptions, timeout);
      return this.invoke('acquire', block, timeoutMs) as Promise<boolean>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  abstract release(): void;

  /** Acquires and returns a guard that releases: `using _ = await lock.enter();` (Python's `with lock:`). */
  async enter(): Promise<Held> {
    await this.acquire();
    const release = () => this.release();
    return { [Symbol.dispose]: release, [Symbol.asyncDispose]: async () => release() };
  }

  /** Runs `fn` while holding this, releasing it however `fn` ends. */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

export class Semaphore extends Acquirable {
  constructor(value = 1) {
    if (!Number.isInteger(value) || value < 0) throw new ValueError('semaphore initial value must be a non-negative integer');
    super(new.target === BoundedSemaphore ? 'BoundedSemaphore' : 'Semaphore', [value], (ledger) => new SemaphoreCore(ledger, value, new.target === BoundedSemaphore ? value : null, false));
  }

  release(): void {
    this.invokeSync('release');
  }

  getValue(): number {
    return this.ledger.getFloat64(0);
  }
}

export class BoundedSemaphore extends Semaphore {}

export class Lock extends Acquirable {
  constructor() {
    super('Lock', [], (ledger) => new SemaphoreCore(ledger, 1, 1, true));
  }

  release(): void {
    this.invokeSync('release');
  }

  /** Whether some process holds the lock now. */
  locked(): boolean {
    return this.ledger.getFloat64(0) === 0;
  }
}

export class RLock extends Acquirable {
  constructor() {
    super('RLock', [], (ledger) => new RLockCore(ledger));
  }

  /** Only the process that holds it may release it (an AssertionError otherwise, as in Python). */
  release(): void {
    if (this.client && this.ledger.getFloat64(1) !== process.pid) throw new AssertionError('cannot release un-acquired lock');
    this.invokeSync('release');
  }

  /** @internal For Condition: releases every level, resolving with how many. */
  releaseAll(): Promise<number> {
    return this.invoke('releaseAll') as Promise<number>;
  }

  /** @internal For Condition: acquires back `count` levels. */
  async acquireRestore(count: number): Promise<void> {
    await this.invoke('acquire', true, undefined, count);
  }

  isOwned(): boolean {
    return this.ledger.getFloat64(1) === process.pid && this.ledger.getFloat64(0) > 0;
  }
}

export class Event extends Primitive {
  constructor() {
    super('Event', [], (ledger) => new EventCore(ledger));
  }

  isSet(): boolean {
    return this.ledger.getFloat64(0) === 1;
  }

  set(): void {
    this.invokeSync('set');
  }

  clear(): void {
    this.invokeSync('clear');
  }

  /** Waits until the flag is set, or `timeout` seconds; resolves with the flag. */
  async wait(timeout?: number | null): Promise<boolean> {
    return (await this.invoke('wait', toMs(timeout))) as boolean;
  }
}

export class Condition extends Primitive {
  readonly #lock: Lock | RLock;

  /** A condition over `lock` (a new RLock by default), as Python's Condition. */
  constructor(lock?: Lock | RLock) {
    const l = lock ?? (adopting ? (adopting.args[0] as RLock) : new RLock());
    super('Condition', [l], (ledger) => new ConditionCore(ledger));
    this.#lock = l;
  }

  acquire(blockOrOptions?: boolean | AcquireOptions, timeout?: number | null): Promise<boolean> {
    return this.#lock.acquire(blockOrOptions, timeout);
  }

  release(): void {
    this.#lock.release();
  }

  enter(): Promise<Held> {
    return this.#lock.enter();
  }

  /**
   * Releases the lock, waits until notified (or `timeout` seconds), and takes the lock again.
   * Resolves with false on timeout. The lock must be held.
   */
  async wait(timeout?: number | null): Promise<boolean> {
    const timeoutMs = toMs(timeout);
    const ticket = (await this.invoke('enroll')) as number;
    let levels = 1;
    if (this.#lock instanceof RLock) levels = await this.#lock.releaseAll();
    else this.#lock.release();
    try {
      return (await this.invoke('wait', ticket, timeoutMs)) as boolean;
    } finally {
      if (this.#lock instanceof RLock) await this.#lock.acquireRestore(levels);
      else await this.#lock.acquire();
    }
  }

  /** Waits until `predicate()` is true (checked with the lock held), or `timeout` seconds. */
  async waitFor(predicate: () => unknown, timeout?: number | null): Promise<unknown> {
    const end = timeout === null || timeout === undefined ? undefined : Date.now() + timeout * 1000;
    let result = await predicate();
    while (!result) {
      const left = end === undefined ? undefined : (end - Date.now()) / 1000;
      if (left !== undefined && left <= 0) break;
      await this.wait(left);
      result = await predicate();
    }
    return result;
  }

  notify(n = 1): void {
    this.invokeSync('notify', n);
  }

  notifyAll(): void {
    this.invokeSync('notify', Number.MAX_SAFE_INTEGER);
  }
}

export class Barrier extends Primitive {
  readonly parties: number;
  readonly #action: (() => unknown) | null;

  /** `parties` processes meet at wait(); `action` runs in the last one to arrive, before all go on. */
  constructor(parties: number, action: (() => unknown) | null = null, timeout: number | null = null) {
    if (!Number.isInteger(parties) || parties < 1) throw new ValueError('parties must be a positive integer');
    super('Barrier', [parties, action, timeout], (ledger) => new BarrierCore(ledger, parties, toMs(timeout), !!action));
    this.parties = parties;
    this.#action = action;
  }

  /** Resolves with this arrival's index (0 … parties−1); BrokenBarrierError if the barrier breaks. */
  async wait(timeout?: number | null): Promise<number> {
    const r = (await this.invoke('wait', toMs(timeout))) as { index: number; runAction: boolean } | null;
    if (!r) throw new BrokenBarrierError('the barrier is broken');
    if (r.runAction) {
      try {
        await this.#action!();
      } catch (error) {
        await this.invoke('abort');
        throw error;
      }
      await this.invoke('actionDone');
    }
    return r.index;
  }

  async abort(): Promise<void> {
    await this.invoke('abort');
  }

  async reset(): Promise<void> {
    await this.invoke('reset');
  }

  get nWaiting(): number {
    return this.ledger.getFloat64(0);
  }

  get broken(): boolean {
    return this.ledger.getFloat64(1) === 1;
  }
}

register('Lock', () => new Lock());
register('RLock', () => new RLock());
register('Semaphore', (args) => new Semaphore(args[0] as number));
register('BoundedSemaphore', (args) => new BoundedSemaphore(args[0] as number));
register('Event', () => new Event());
register('Condition', (args) => new Condition(args[0] as RLock));
register('Barrier', (args) => new Barrier(args[0] as number, args[1] as () => unknown, null));
