// Calls that block in Python wait here: in a list of waiters that whoever makes progress settles
// in order, or until their timeout. One helper for every such wait (queues, locks, pipes, joins),
// so that timeouts, keeping the process alive and the clean-up on timeout behave alike.
import { hold, release } from './keepalive';

export interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  timer?: Timer;
}

/** setTimeout allows at most 2³¹−1 ms (~24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer for any number of milliseconds (Infinity never fires), re-armed past setTimeout's limit. */
export class Timer {
  private handle: NodeJS.Timeout | undefined;

  constructor(ms: number, fire: () => void) {
    if (ms === Infinity) return;
    const due = Date.now() + ms;
    const arm = (left: number) => {
      this.handle = setTimeout(() => {
        const rest = due - Date.now();
        if (rest > 0) arm(rest);
        else fire();
      }, Math.min(Math.max(0, left), MAX_TIMER_MS));
    };
    arm(ms);
  }

  /** Lets the process end while this timer runs. */
  unref(): this {
    this.handle?.unref();
    return this;
  }

  clear(): void {
    clearTimeout(this.handle);
  }
}

export interface WaitOptions {
  /** Holds the process open while the call waits, as a blocked call does (see keepalive.ts). */
  keepAlive?: boolean;
  /** Runs once when the waiter is settled, whichever way. */
  onSettle?: () => void;
}

/**
 * Adds a waiter to `list` and resolves or rejects with what whoever settles it gives. After
 * `timeoutMs` (none when undefined) it leaves the list and settles with `onTimeout()`: an
 * Error rejects, any other value resolves. The caller reads the new waiter as the list's last.
 */
export function wait<T>(list: Array<Waiter<T>>, timeoutMs: number | undefined, onTimeout: () => T | Error, options: WaitOptions = {}): Promise<T> {
  const { keepAlive = false, onSettle } = options;
  if (keepAlive) hold();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      waiter.timer?.clear();
      if (keepAlive) release();
      onSettle?.();
      return true;
    };
    const waiter: Waiter<T> = {
      resolve: (v) => { if (settle()) resolve(v); },
      reject: (e) => { if (settle()) reject(e); },
    };
    if (timeoutMs !== undefined) {
      waiter.timer = new Timer(timeoutMs, () => {
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
        if (!settle()) return;
        const outcome = onTimeout();
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      });
    }
    list.push(waiter);
  });
}

/** Resolves a waiter with what `make` returns, or rejects it with what `make` throws. */
export function settleWith<T>(waiter: Waiter<T>, make: () => T): void {
  let value: T;
  try {
    value = make();
  } catch (error) {
    waiter.reject(error as Error);
    return;
  }
  waiter.resolve(value);
}

/** Settles every waiter of `list` with `error`, emptying it. */
export function rejectAll(list: Array<Waiter<never>>, error: Error): void {
  for (const w of list.splice(0)) w.reject(error);
}

/** Resolves every waiter of `list` with `value`, emptying it. */
export function resolveAll<T>(list: Array<Waiter<T>>, value: T): void {
  for (const w of list.splice(0)) w.resolve(value);
}
