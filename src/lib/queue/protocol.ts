// The queue protocol between a queue's owner and the other processes, and what both sides share.
import { Full } from '../base/errors';
import { wait, type Waiter } from '../base/waiters';
import type { SharedMemory } from '../channel/shared-memory';
import { FILE_FLAG } from './item-files';

/** A frame from another process to the owner: its first byte, then what each says. */
export const enum ToOwner {
  /** The item (with FILE_FLAG: the file it waits in, as ItemFile.encode makes it). */
  Put = 1,
  /** u32 n: this consumer's callers want n more items (or read-ahead asks for them). */
  Want = 2,
  /** u32 n: this producer asks for n places in a bounded queue; answered by Grant. */
  Credit = 3,
  /** u32 n: n places granted and unused come back, and what was still asked for is withdrawn. */
  Return = 4,
  /** u32 n: n tasks were marked done; answered by Error if that is more than are unfinished. */
  TaskDone = 5,
  /** Nothing: answered by Joined once no task is unfinished. */
  Join = 6,
  /** Nothing: answered at once by NowaitItem or Empty. */
  Nowait = 7,
  /** u32 n: this consumer handed out n more of the items it was sent (the ledger counts them already). */
  Taken = 8,
  /** u32 n: n of the items asked for by Want are no longer wanted. */
  Cancel = 9,
  /** u32 1: one place now, for a put that does not block; answered by TryGrant. */
  TryCredit = 10,
}

/** A frame from the owner to another process. */
export const enum ToClient {
  /** An item this consumer asked for (with FILE_FLAG: the file it waits in). */
  Item = 1,
  /** u32 n: n places granted to this producer. */
  Grant = 2,
  /** Nothing: every task is done (one per Join). */
  Joined = 3,
  /** Nothing: the queue held no item for a Nowait. */
  Empty = 4,
  /** u32 index: this consumer's slot in the ledger, where it counts what it hands out. */
  Slot = 5,
  /** The item for a Nowait (with FILE_FLAG: the file it waits in). */
  NowaitItem = 7,
  /** UTF-8 text: a TaskDone was refused (more tasks marked done than were unfinished). */
  Error = 9,
  /** u32 0 or 1: whether a TryCredit got its place. */
  TryGrant = 10,
}

type Code = ToOwner | ToClient;

/** A frame of an op code and a u32. */
export function op(code: Code, n = 0): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = code;
  b.writeUInt32LE(n, 1);
  return b;
}
// One buffer per code, made once: it is only ever copied into a frame, and a put or an item
// would otherwise allocate one.
const codes = Array.from({ length: 256 }, (_, code) => Buffer.from([code]));
/** The op code that starts a frame; `file` marks an item that waits in a file. */
export const OP = (code: Code, file = false): Buffer => codes[file ? code | FILE_FLAG : code];

// The ledger (float64 each), what every process can read synchronously: the items the owner
// holds, unfinished tasks, the number of consumer slots, then per consumer the items it has
// handed to its callers (written by the consumer) and the items the owner has sent it (written
// by the owner before sending). The depth is what the owner holds plus what was sent and not
// yet handed out, so a consumer's qsize() is right the moment after its own get(), and a ping-
// pong item costs one write on each side.
export const L_ITEMS = 0, L_UNFINISHED = 1, L_SLOTS = 2, L_FIRST_CONSUMER = 3;

/** The depth as the ledger tells it (in a process other than the owner). */
export function ledgerDepth(ledger: SharedMemory): number {
  const slots = ledger.getFloat64(L_SLOTS);
  const all = Buffer.allocUnsafe(8 * (L_FIRST_CONSUMER + 2 * slots));
  ledger.read(all, 0);
  let depth = all.readDoubleLE(L_ITEMS * 8);
  for (let j = 0; j < slots; j++) {
    const at = (L_FIRST_CONSUMER + 2 * j) * 8;
    depth += all.readDoubleLE(at + 8) - all.readDoubleLE(at);
  }
  return Math.max(0, depth);
}

export const MAX_READ_AHEAD = 2048;

export const TOO_MANY_TASKS_DONE = 'task_done() called too many times';

/** A put that waits for room; its item goes with it, so that a timeout takes both out of the line. */
export interface Putter extends Waiter<void> { item: Buffer }

/** Waits in `list` to put `item`, failing with Full after `timeoutMs`. */
export function waitToPut(list: Putter[], item: Buffer, timeoutMs: number | undefined): Promise<void> {
  const p = wait(list as Array<Waiter<void>>, timeoutMs, () => new Full(), { keepAlive: true });
  list[list.length - 1].item = item;
  return p;
}

/**
 * One end of a queue in this process, the owner's (QueueCore) or another process's
 * (QueueClient): what the Queue facade calls, whichever it holds. Items are encoded values.
 * What can complete at once returns, not a Promise, so that a put with room or an item at hand
 * costs no turn of the event loop.
 */
export interface QueueEnd {
  readonly ref: QueueRef;
  /** Puts an item: at once when there is room, else waits (at most `timeoutMs`) or, with `block` false, fails with Full. */
  put(item: Buffer, timeoutMs: number | undefined, block: boolean): Promise<void> | void;
  /** The next item if one is at hand; undefined if get() must wait for one. */
  take(): Buffer | undefined;
  /** Waits for an item (after take() found none), failing with Empty after `timeoutMs`. */
  get(timeoutMs: number | undefined): Promise<Buffer>;
  /** An item without waiting for one to be put; Empty if the queue has none. */
  getNowait(): Buffer | Promise<Buffer>;
  /** The number of items in the queue, exact in the owner, as the ledger tells it elsewhere. */
  depth(): number;
  /** Marks one task done; ValueError if none is unfinished. */
  taskDone(): void;
  /** Resolves when no task is unfinished. */
  join(): Promise<void> | void;
  /** No more calls from this process; what it put is still delivered. */
  close(): Promise<void> | void;
}

export interface PutOptions { block?: boolean; timeout?: number | null }
export interface GetOptions { block?: boolean; timeout?: number | null }

export interface QueueRef { id: string; address: string; ledger: string; maxsize: number; kind: QueueKind }
export type QueueKind = 'Queue' | 'SimpleQueue' | 'JoinableQueue';
