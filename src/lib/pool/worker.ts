// The loop every Pool worker runs: take tasks from the pool, run them, send each result back at
// once. Before each task it writes the task's number to its ledger slot, so that if the worker
// dies the pool knows which task it was running (that one fails) and which it had not started
// (those go to another worker). A finished task's number may stay there: its result was sent
// before the next task started, and the pool reads every result before it hears of the end.
import { checkSize } from '../channel/framing';
import { type Link } from '../channel/link';
import { reach } from '../channel/server';
import { decodeAsync, decodeSoon, encode, encodeOwnArray } from '../values/reduction';
import { describeError } from '../values/remote-error';
import { SharedMemory } from '../channel/shared-memory';
import { loadExport, type ExportRef } from '../values/targets';

export const enum ToWorker { Function = 1, Task = 2, Stop = 3 }
export const enum ToPool { Hello = 1, Result = 2 }

export type TaskKind = 'call' | 'map' | 'starmap';

export interface WorkerConfig {
  address: string;
  id: string;
  slot: number;
  ledger: string;
  initializer: ((...args: unknown[]) => unknown) | null;
  initargs: unknown[];
  maxtasks: number | null;
}

function header(kind: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = kind;
  b.writeUInt32LE(seq, 1);
  return b;
}

export function taskFrame(seq: number, fnId: number, kind: TaskKind, payload: Buffer): Buffer[] {
  const meta = Buffer.allocUnsafe(3);
  meta.writeUInt16LE(fnId, 0);
  meta[2] = kind === 'call' ? 0 : kind === 'map' ? 1 : 2;
  return [header(ToWorker.Task, seq), meta, payload];
}

export function functionFrame(fnId: number, ref: ExportRef): Buffer[] {
  return [header(ToWorker.Function, fnId), encode(ref)];
}

/** `chunk`: the value is the array of a chunk's results, made here. */
export function resultFrame(seq: number, ok: boolean, value: unknown, chunk = false): Buffer[] {
  const body = chunk ? encodeOwnArray(value as unknown[], 'the task\'s result') : encode(value, 'the task\'s result');
  // The pool could not read a larger one: the task fails with this error instead.
  checkSize(body.length, 'the task\'s result');
  return [header(ToPool.Result, seq), Buffer.from([ok ? 1 : 0]), body];
}

type Fn = (...args: unknown[]) => unknown;

const isThenable = (r: unknown): r is PromiseLike<unknown> => !!r && typeof (r as PromiseLike<unknown>).then === 'function';

/**
 * A map chunk's results, item by item as Python's map runs them. A plain loop in a function of
 * its own, so that V8 optimises it within the first chunk; a result that is a promise is awaited
 * before the next item starts (finishChunk).
 */
function runChunk(fn: Fn, items: unknown[], spread: boolean): unknown[] | Promise<unknown[]> {
  const out = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) {
    const r = spread ? fn(...(items[i] as unknown[])) : fn(items[i]);
    if (isThenable(r)) return finishChunk(fn, items, spread, out, i, r);
    out[i] = r;
  }
  return out;
}

async function finishChunk(fn: Fn, items: unknown[], spread: boolean, out: unknown[], from: number, pending: PromiseLike<unknown>): Promise<unknown[]> {
  out[from] = await pending;
  for (let i = from + 1; i < items.length; i++) {
    const r = spread ? fn(...(items[i] as unknown[])) : fn(items[i]);
    out[i] = isThenable(r) ? await r : r;
  }
  return out;
}

/** The target of every pool worker process. */
export async function poolWorker(config: WorkerConfig): Promise<void> {
  const ledger = SharedMemory.open(config.ledger);
  if (config.initializer) await config.initializer(...config.initargs);
  const functions = new Map<number, Promise<Fn>>();
  const link: Link = reach(config.address, config.id);
  link.send([header(ToPool.Hello, config.slot), Buffer.from(String(process.pid))]);
  let done = 0;
  let chain = Promise.resolve();
  await new Promise<void>((resolve) => {
    const run = async (body: Buffer) => {
      const seq = body.readUInt32LE(1);
      const fnId = body.readUInt16LE(5);
      const kind = body[7];
      ledger.setFloat64(config.slot, seq);
      let ok = true;
      let value: unknown;
      try {
        const fn = await functions.get(fnId)!;
        let args = decodeSoon(body.subarray(8));
        if (args instanceof Promise) args = await args;
        if (kind === 0) {
          value = await fn(...(args as unknown[]));
        } else {
          value = runChunk(fn, args as unknown[], kind === 2);
          if (value instanceof Promise) value = await value;
        }
      } catch (error) {
        ok = false;
        value = describeError(error);
      }
      let frame: Buffer[];
      try {
        frame = resultFrame(seq, ok, value, ok && kind !== 0);
      } catch (error) {
        frame = resultFrame(seq, false, describeError(error));
      }
      // Sent at once (not batched): a result must reach the pool before this worker can die
      // running the next task, or the pool would run this task again.
      link.sendNow(frame);
      if (config.maxtasks !== null && ++done >= config.maxtasks) {
        link.close();
        resolve();
      }
    };
    link.handle((body) => {
      switch (body[0]) {
        case ToWorker.Function: {
          const fnId = body.readUInt32LE(1);
          functions.set(fnId, decodeAsync(body.subarray(5)).then((ref) => loadExport(ref as ExportRef) as Promise<Fn>));
          break;
        }
        case ToWorker.Task:
          // Tasks run one at a time, in the order they came, as in Python's workers.
          chain = chain.then(() => run(body));
          break;
        case ToWorker.Stop:
          void chain.then(() => {
            link.close();
            resolve();
          });
          break;
      }
    }, () => resolve());
  });
  await chain;
}
