// The queue protocol between a queue's owner and the other processes, and what both sides share.
import type { SharedMemory } from '../channel/shared-memory';

export const PUT = 1, WANT = 2, CREDIT = 3, RETURN = 4, TASK_DONE = 5, JOIN = 6, NOWAIT = 7, TAKEN = 8, CANCEL = 9, TRY_CREDIT = 10;
// Owner → client
export const ITEM = 1, GRANT = 2, JOINED = 3, EMPTY = 4, SLOT = 5, NOWAIT_ITEM = 7, ERROR = 9, TRY_GRANT = 10;

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

export interface PutOptions { block?: boolean; timeout?: number | null }
export interface GetOptions { block?: boolean; timeout?: number | null }

export interface QueueRef { id: string; address: string; ledger: string; maxsize: number; kind: QueueKind }
export type QueueKind = 'Queue' | 'SimpleQueue' | 'JoinableQueue';

export function op(code: number, n = 0): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = code;
  b.writeUInt32LE(n, 1);
  return b;
}
// One buffer per code, made once: it is only ever copied into a frame, and a put or an item
// would otherwise allocate one.
const codes = Array.from({ length: 256 }, (_, code) => Buffer.from([code]));
export const OP = (code: number): Buffer => codes[code];
