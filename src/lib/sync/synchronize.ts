// Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition and Barrier across processes.
//
// Each primitive lives in the process that created it; other processes call it over a socket
// (rpc.ts), and the owner decides every acquire, wait and timeout, so the outcome is the same as
// with one lock in one place. Small state that Python reads without blocking (a semaphore's
// value, whether an event is set) is mirrored in a shared-memory ledger, so those reads stay
// synchronous everywhere. Ownership is per process: one process's async tasks share it.
import { inspect } from 'node:util';
import { AssertionError, ValueError } from '../base/errors';
import { newId } from '../channel/addresses';
import { REDUCE, Rebuild, registerKind, type Reduced } from '../values/reduction';
import { RpcClient, serveRpc, type Caller } from '../channel/rpc';
import { SharedMemory } from '../channel/shared-memory';
import { hold, release } from '../base/keepalive';
import { toMs } from '../base/timeout';
import { context } from '../process/context';
import {
  BarrierCore, BrokenBarrierError, ConditionCore, EventCore, RLockCore, SemaphoreCore,
  type BarrierMethod, type ConditionMethod, type Core, type EventMethod, type LockMethod, type RLockMethod,
} from './owner';

export { BrokenBarrierError };

export interface AcquireOptions { block?: boolean; timeout?: number | null }

function acquireArgs(blockOrOptions: boolean | AcquireOptions | undefined, timeout?: number | null): { block: boolean; timeoutMs: number | undefined } {
  const o = typeof blockOrOptions === 'object' && blockOrOptions !== null ? blockOrOptions : { block: blockOrOptions, timeout };
  const block = o.block ?? true;
  return { block, timeoutMs: block ? toMs(o.timeout) : 0 };
}

/** What a primitive sent to another process carries: how to reach its owner. */
interface SyncRef { kind: string; id: string; address: string; ledger: string; args: unknown[] }

/** What a primitive made in this process is: its kind, what it is sent with, and its core. */
interface Making<M extends string> { kind: string; args: unknown[]; core: (ledger: SharedMemory) => Core<M> }

/** Every primitive in this process, so that one sent back to it is the same object again. */
const known = new Map<string, Primitive<string>>();
/** The caller of a primitive used in its owning process. */
const HERE: Caller = { pid: process.pid };

/** The part every primitive shares: a core here, or a client of the core in its owner. */
abstract class Primitive<M extends string> {
  protected readonly ref: SyncRef;
  protected readonly core: Core<M> | undefined;
  protected readonly client: RpcClient<M> | undefined;
  protected readonly ledger: SharedMemory;

  protected constructor(from: Making<M> | Rebuild<SyncRef>) {
    if (from instanceof Rebuild) {
      const ref = from.state;
      this.ref = ref;
      this.ledger = SharedMemory.open(ref.ledger);
      this.client = RpcClient.to(ref.address, ref.id, ref.kind);
    } else {
      this.ledger = SharedMemory.create(from.kind.toLowerCase(), 16);
      const id = newId(from.kind);
      this.core = from.core(this.ledger);
      this.ref = { kind: from.kind, id, address: serveRpc(id, this.core), ledger: this.ledger.path, args: from.args };
    }
    known.set(this.ref.id, this);
  }

  /** Runs `method` on the core: directly in the owner, over the socket elsewhere. */
  protected invoke(method: M, ...args: unknown[]): Promise<unknown> {
    if (this.core) {
      let result: unknown;
      try {
        result = this.core.call(HERE, method, args);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!(result instanceof Promise)) return Promise.resolve(result);
      // A wait on a primitive of this process waits for other processes, not for a handle here:
      // it holds the process open, as a blocked call does (a remote one holds it by its RpcClient).
      hold();
      return result.finally(release);
    }
    return this.client!.call(method, ...args);
  }

  /** Like invoke, for calls whose errors must surface at once in the owner (release). */
  protected invokeSync(method: M, ...args: unknown[]): void {
    if (this.core) {
      this.core.call(HERE, method, args);
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

  /** Python's name for who holds a lock whose holder's pid the ledger has at `slot`. */
  protected holderName(slot: number): string {
    return this.ledger.getFloat64(slot) === process.pid ? context.name : 'SomeOtherProcess';
  }
}

/** A guard for `using`: releases what was acquired when the scope ends. */
export interface Held extends Disposable, AsyncDisposable {}

abstract class Acquirable<M extends string = LockMethod> extends Primitive<LockMethod | M> {
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
  constructor(value?: number);
  /** @internal */
  constructor(rebuild: Rebuild<SyncRef>);
  constructor(value: number | Rebuild<SyncRef> = 1) {
    if (value instanceof Rebuild) {
      super(value);
      return;
    }
    if (!Number.isInteger(value) || value < 0) throw new ValueError('semaphore initial value must be a non-negative integer');
    const bounded = new.target === BoundedSemaphore;
    super({
      kind: bounded ? 'BoundedSemaphore' : 'Semaphore',
      args: [value],
      core: (ledger) => new SemaphoreCore(ledger, value, bounded ? value : null, false),
    });
  }

  release(): void {
    this.invokeSync('release');
  }

  getValue(): number {
    return this.ledger.getFloat64(0);
  }

  override [inspect.custom](): string {
    const max = this.ref.kind === 'BoundedSemaphore' ? `, maxvalue=${this.ref.args[0] as number}` : '';
    return `<${this.ref.kind}(value=${this.getValue()}${max})>`;
  }
}

export class BoundedSemaphore extends Semaphore {}

export class Lock extends Acquirable {
  constructor();
  /** @internal */
  constructor(rebuild: Rebuild<SyncRef>);
  constructor(rebuild?: Rebuild<SyncRef>) {
    super(rebuild ?? { kind: 'Lock', args: [], core: (ledger) => new SemaphoreCore(ledger, 1, 1, true) });
  }

  release(): void {
    this.invokeSync('release');
  }

  /** Whether some process holds the lock now. */
  locked(): boolean {
    return this.ledger.getFloat64(0) === 0;
  }

  override [inspect.custom](): string {
    return `<Lock(owner=${this.locked() ? this.holderName(1) : 'None'})>`;
  }
}

export class RLock extends Acquirable<RLockMethod> {
  constructor();
  /** @internal */
  constructor(rebuild: Rebuild<SyncRef>);
  constructor(rebuild?: Rebuild<SyncRef>) {
    super(rebuild ?? { kind: 'RLock', args: [], core: (ledger) => new RLockCore(ledger) });
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

  override [inspect.custom](): string {
    const count = this.ledger.getFloat64(0);
    if (count === 0) return '<RLock(None, 0)>';
    const name = this.holderName(1);
    return `<RLock(${name}, ${name === context.name ? count : 'nonzero'})>`;
  }
}

export class Event extends Primitive<EventMethod> {
  constructor();
  /** @internal */
  constructor(rebuild: Rebuild<SyncRef>);
  constructor(rebuild?: Rebuild<SyncRef>) {
    super(rebuild ?? { kind: 'Event', args: [], core: (ledger) => new EventCore(ledger) });
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

  // Python shows the object's address; its id names it across processes.
  override [inspect.custom](): string {
    return `<Event at ${this.ref.id} ${this.isSet() ? 'set' : 'unset'}>`;
  }
}

export class Condition extends Primitive<ConditionMethod> {
  readonly #lock: Lock | RLock;

  /** A condition over `lock` (a new RLock by default), as Python's Condition. */
  constructor(lock?: Lock | RLock);
  /** @internal */
  constructor(rebuild: Rebuild<SyncRef>);
  constructor(lockOrRebuild?: Lock | RLock | Rebuild<SyncRef>) {
    if (lockOrRebuild instanceof Rebuild) {
      super(lockOrRebuild);
      // The lock travels in the state and was rebuilt before this Condition (reduction.ts).
      this.#lock = lockOrRebuild.state.args[0] as Lock | RLock;
      return;
    }
    const lock = lockOrRebuild ?? new RLock();
    super({ kind: 'Condition', args: [lock], core: (ledger) => new ConditionCore(ledger) });
    this.#lock = lock;
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

  override [inspect.custom](): string {
    return `<Condition(${inspect(this.#lock)}, ${this.ledger.getFloat64(0)})>`;
  }
}

export class Barrier extends Primitive<BarrierMethod> {
  readonly parties: number;
  readonly #action: (() => unknown) | null;

  /** `parties` processes meet at wait(); `action` runs in the last one to arrive, before all go on. */
  constructor(parties: number, action?: (() => unknown) | null, timeout?: number | null);
  /** @internal */
  constructor(rebuild: Rebuild<SyncRef>);
  constructor(partiesOrRebuild: number | Rebuild<SyncRef>, action: (() => unknown) | null = null, timeout: number | null = null) {
    if (partiesOrRebuild instanceof Rebuild) {
      super(partiesOrRebuild);
      [this.parties, this.#action] = partiesOrRebuild.state.args as [number, (() => unknown) | null];
      return;
    }
    const parties = partiesOrRebuild;
    if (!Number.isInteger(parties) || parties < 1) throw new ValueError('parties must be a positive integer');
    super({ kind: 'Barrier', args: [parties, action], core: (ledger) => new BarrierCore(ledger, parties, toMs(timeout), !!action) });
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

const kinds: Record<string, new (rebuild: Rebuild<SyncRef>) => Primitive<string>> = {
  Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier,
};
for (const [kind, Kind] of Object.entries(kinds)) {
  registerKind<SyncRef>(kind, (ref) => known.get(ref.id) ?? new Kind(new Rebuild(ref)));
}
