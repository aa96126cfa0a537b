// The owner's side of the synchronization primitives: each decides acquires, waits and timeouts
// for every process (its callers), and mirrors what others read without blocking in a ledger.
// A caller that goes away (closed, exited, killed) is dropped from every wait, and a lock it
// held is released: Python leaves it locked and every other process waits forever.
import { AssertionError, ValueError } from '../base/errors';
import { wait, type Waiter } from '../base/waiters';
import type { Caller, RpcTarget } from '../channel/rpc';
import type { SharedMemory } from '../channel/shared-memory';

export class BrokenBarrierError extends Error {
  override name = 'BrokenBarrierError';
}

interface CallerWaiter<T> extends Waiter<T> { caller: Caller }

/** Queues `caller` until woken or `timeoutMs` passes (then settles with `onTimeout()`). */
function enqueue<T>(list: Array<CallerWaiter<T>>, caller: Caller, timeoutMs: number | undefined, onTimeout: () => T): Promise<T> {
  const woken = wait<T>(list, timeoutMs, onTimeout);
  list[list.length - 1].caller = caller;
  return woken;
}

function dropCaller<T>(list: Array<CallerWaiter<T>>, caller: Caller): void {
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i].caller === caller) {
      list[i].timer?.clear();
      list.splice(i, 1);
    }
  }
}

export type LockMethod = 'acquire' | 'release';
export type RLockMethod = LockMethod | 'releaseAll';
export type EventMethod = 'set' | 'clear' | 'wait';
export type ConditionMethod = 'enroll' | 'wait' | 'notify';
export type BarrierMethod = 'wait' | 'actionDone' | 'abort' | 'reset';

export abstract class Core<M extends string = string> implements RpcTarget<M> {
  constructor(readonly ledger: SharedMemory) {}
  abstract call(caller: Caller, method: M, args: unknown[]): unknown;
  gone?(caller: Caller): void;
}

export class SemaphoreCore extends Core<LockMethod> {
  readonly waiters: Array<CallerWaiter<boolean>> = [];
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

  /** Publishes a lock's holder, which its repr names (Python's owner=). */
  private hold(caller: Caller | undefined): void {
    this.holder = caller;
    this.ledger.setFloat64(1, caller?.pid ?? 0);
  }

  call(caller: Caller, method: LockMethod, args: unknown[]): unknown {
    if (method === 'acquire') {
      const [block, timeoutMs] = args as [boolean, number | undefined];
      if (this.value > 0 && this.waiters.length === 0) {
        this.set(this.value - 1);
        if (this.isLock) this.hold(caller);
        return true;
      }
      if (!block) return false;
      return enqueue(this.waiters, caller, timeoutMs, () => false);
    }
    if (method === 'release') {
      if (this.bound !== null && this.value >= this.bound) {
        throw new ValueError(this.isLock ? 'semaphore or lock released too many times' : 'Semaphore released too many times');
      }
      const next = this.waiters.shift();
      if (this.isLock) this.hold(next?.caller);
      if (next) {
        next.resolve(true);
      } else {
        this.set(this.value + 1);
      }
      return undefined;
    }
    throw new TypeError(`no method ${String(method)}`);
  }

  override gone(caller: Caller): void {
    dropCaller(this.waiters, caller);
    // Python leaves a lock whose holder died locked, and every other process waits forever.
    if (this.isLock && this.holder === caller) this.call(caller, 'release', []);
  }
}

export class RLockCore extends Core<RLockMethod> {
  owner: Caller | undefined;
  count = 0;
  readonly waiters: Array<CallerWaiter<boolean>> = [];

  private publish(): void {
    this.ledger.setFloat64(0, this.count);
    this.ledger.setFloat64(1, this.owner?.pid ?? 0);
  }

  private same(a: Caller | undefined, b: Caller): boolean {
    return !!a && a.pid === b.pid;
  }

  call(caller: Caller, method: RLockMethod, args: unknown[]): unknown {
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
        return enqueue(this.waiters, caller, timeoutMs, () => false).then((ok) => {
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
    }
    throw new TypeError(`no method ${String(method)}`);
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

export class EventCore extends Core<EventMethod> {
  flag = false;
  readonly waiters: Array<CallerWaiter<boolean>> = [];

  call(caller: Caller, method: EventMethod, args: unknown[]): unknown {
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
        return this.flag || enqueue(this.waiters, caller, args[0] as number | undefined, () => false);
    }
    throw new TypeError(`no method ${String(method)}`);
  }

  override gone(caller: Caller): void {
    dropCaller(this.waiters, caller);
  }
}

interface Enrolled {
  ticket: number;
  caller: Caller;
  notified: boolean;
  /** Set once the waiter asks to wait. */
  waiter?: Waiter<boolean>;
}

export class ConditionCore extends Core<ConditionMethod> {
  private nextTicket = 1;
  /** Enrolled waiters, in order. */
  private readonly enrolled: Enrolled[] = [];

  private unenroll(entry: Enrolled): void {
    this.enrolled.splice(this.enrolled.indexOf(entry), 1);
    this.publish();
  }

  /** Publishes how many wait and are not yet notified, which the repr shows (Python's sleeping − woken). */
  private publish(): void {
    let waiting = 0;
    for (const e of this.enrolled) if (!e.notified) waiting++;
    this.ledger.setFloat64(0, waiting);
  }

  call(caller: Caller, method: ConditionMethod, args: unknown[]): unknown {
    switch (method) {
      case 'enroll': {
        const ticket = this.nextTicket++;
        this.enrolled.push({ ticket, caller, notified: false });
        this.publish();
        return ticket;
      }
      case 'wait': {
        const [ticket, timeoutMs] = args as [number, number | undefined];
        const entry = this.enrolled.find((e) => e.ticket === ticket);
        if (!entry) return true;
        if (entry.notified) {
          this.unenroll(entry);
          return true;
        }
        // A list of its own: a notify finds the waiter through its entry, in enrolment order.
        const mine: Array<Waiter<boolean>> = [];
        const woken = wait(mine, timeoutMs, () => {
          this.unenroll(entry);
          return false;
        });
        entry.waiter = mine[0];
        return woken;
      }
      case 'notify': {
        let n = args[0] as number;
        for (const entry of [...this.enrolled]) {
          if (n-- <= 0) break;
          if (entry.notified) { n++; continue; }
          entry.notified = true;
          if (entry.waiter) {
            this.unenroll(entry);
            entry.waiter.resolve(true);
          }
        }
        this.publish();
        return undefined;
      }
    }
    throw new TypeError(`no method ${String(method)}`);
  }

  override gone(caller: Caller): void {
    for (const entry of this.enrolled.filter((e) => e.caller === caller)) {
      entry.waiter?.timer?.clear();
      this.unenroll(entry);
    }
  }
}

type Arrival = { index: number; runAction: boolean } | null;

export class BarrierCore extends Core<BarrierMethod> {
  private readonly waiting: Array<CallerWaiter<Arrival>> = [];
  private broken = false;
  /** The last arrival while it runs the action; the others are released when it reports back. */
  private runner: Caller | undefined;

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
    this.runner = undefined;
    for (const w of this.waiting.splice(0)) w.resolve(null);
    this.publish();
  }

  private releaseAll(): void {
    this.runner = undefined;
    const all = this.waiting.splice(0);
    this.publish();
    all.forEach((w, i) => w.resolve({ index: i, runAction: false }));
  }

  call(caller: Caller, method: BarrierMethod, args: unknown[]): unknown {
    switch (method) {
      case 'wait': {
        if (this.broken) return null;
        const timeoutMs = (args[0] as number | undefined) ?? this.defaultTimeoutMs;
        const index = this.waiting.length;
        if (index + 1 === this.parties) {
          if (this.hasAction) {
            this.runner = caller;
            return { index, runAction: true };
          }
          this.releaseAll();
          return { index, runAction: false };
        }
        // One party's timeout breaks the barrier for all, as in Python.
        const arrived = enqueue(this.waiting, caller, timeoutMs, () => {
          this.breakAll();
          return null;
        });
        this.publish();
        return arrived.then((r) => r && { index, runAction: false });
      }
      case 'actionDone':
        if (this.runner) this.releaseAll();
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
    throw new TypeError(`no method ${String(method)}`);
  }

  override gone(caller: Caller): void {
    // A party that died can never arrive, nor report its action done: the barrier is broken,
    // as a timeout would break it.
    if (this.runner === caller || this.waiting.some((w) => w.caller === caller)) this.breakAll();
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
