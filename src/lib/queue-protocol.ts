// The queue protocol between a queue's owner and the other processes, and what both sides share.
export const PUT = 1, WANT = 2, CREDIT = 3, RETURN = 4, TASK_DONE = 5, JOIN = 6, NOWAIT = 7, TAKEN = 8, CANCEL = 9, TRY_CREDIT = 10;
// Owner → client
export const ITEM = 1, GRANT = 2, JOINED = 3, EMPTY = 4, SLOT = 5, NOWAIT_ITEM = 7, ERROR = 9, TRY_GRANT = 10;

// The ledger (float64 each), what every process can read synchronously: the depth as the owner
// knows it, unfinished tasks, the number of consumer slots, then per consumer the items it has
// handed to its callers and how many of those the owner has counted. A reader subtracts the
// difference, so a consumer's qsize() is right the moment after its own get().
export const L_DEPTH = 0, L_UNFINISHED = 1, L_SLOTS = 2, L_FIRST_CONSUMER = 3;

export const MAX_READ_AHEAD = 256;

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
export const OP = (code: number) => Buffer.from([code]);

export interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

export function wait<T>(list: Array<Waiter<T>>, timeoutMs: number | undefined, onTimeout: () => Error, onSettle?: () => void): Promise<T> {
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
