// Pool and AsyncResult: Python's multiprocessing.Pool, on daemon worker processes that take
// tasks over a socket from the pool. Unlike Python's, a pool here does not hang when a worker
// dies: the task that worker was running fails with an error naming the exit code or signal,
// the tasks it had been sent but not started go to the other workers, and a replacement starts.
import { inspect } from 'node:util';
import { context, cpuCount } from '../process/context';
import { ProcessError, TimeoutError, ValueError } from '../base/errors';
import { hold, release } from '../base/keepalive';
import { reportSoon } from '../reporter';
import { type Link } from '../channel/link';
import { serve, unserve } from '../channel/server';
import { newId } from '../channel/addresses';
import { Process, whenExited } from '../process/process';
import { functionFrame, poolWorker, taskFrame, ToPool, ToWorker, type TaskKind, type WorkerConfig } from './worker';
import { Fifo } from '../base/fifo';
import { checkSize } from '../channel/framing';
import { decodeSoon, encode, encodeOwnArray } from '../values/reduction';
import { reviveError, type RemoteError } from '../values/remote-error';
import { SharedMemory } from '../channel/shared-memory';
import { findExport, type ExportRef } from '../values/targets';
import { toMs } from '../base/timeout';
import { resolveAll, wait, type Waiter } from '../base/waiters';

/** A worker died (killed, out of memory, process.exit) while running the task. */
export class WorkerLostError extends ProcessError {
  override name = 'WorkerLostError';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => unknown;

const nothing = (): undefined => undefined;
const holdOpen = { keepAlive: true };

/**
 * Waits until woken or `ms` pass, holding the process open as a blocked call would. The caller
 * checks afterwards which of the two happened.
 */
function sleepUntilWoken(waiters: Array<Waiter<void>>, ms: number | undefined): Promise<void> {
  return wait(waiters, ms, nothing, holdOpen);
}

export interface PoolOptions {
  /** Number of workers; cpuCount() by default. */
  processes?: number | null;
  initializer?: Fn | null;
  initargs?: unknown[];
  /** Replace a worker after it has run this many tasks (null: never). */
  maxtasksperchild?: number | null;
}

export interface Callbacks<T> {
  callback?: (result: T) => void;
  errorCallback?: (error: Error) => void;
}

export class AsyncResult<T = unknown> {
  #done = false;
  #ok = false;
  #value: unknown;
  readonly #waiters: Array<Waiter<void>> = [];

  /** @internal */
  constructor(private readonly callbacks: Callbacks<T> = {}) {}

  /** @internal */
  settle(ok: boolean, value: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#ok = ok;
    this.#value = value;
    resolveAll(this.#waiters, undefined);
    try {
      if (ok) this.callbacks.callback?.(value as T);
      else this.callbacks.errorCallback?.(value as Error);
    } catch (error) {
      // A callback that throws must not break the pool; Python prints it too.
      process.stderr.write(`multiproc: a Pool callback failed:\n${(error as Error)?.stack ?? String(error)}\n`);
    }
  }

  ready(): boolean {
    return this.#done;
  }

  successful(): boolean {
    if (!this.#done) throw new ValueError(`${inspect(this)} not ready`);
    return this.#ok;
  }

  /** Waits until the result is ready, or `timeout` seconds pass. */
  async wait(timeout?: number | null): Promise<void> {
    const ms = toMs(timeout);
    if (!this.#done) await sleepUntilWoken(this.#waiters, ms);
  }

  /** The result; the task's error re-thrown; TimeoutError if not ready within `timeout` seconds. */
  async get(timeout?: number | null): Promise<T> {
    await this.wait(timeout);
    if (!this.#done) throw new TimeoutError(`result not ready after ${timeout} s`);
    if (!this.#ok) throw this.#value;
    return this.#value as T;
  }

  [inspect.custom](): string {
    return `<AsyncResult ${this.#done ? (this.#ok ? 'successful' : 'failed') : 'pending'}>`;
  }
}

/** The results of imap / imapUnordered, as an async iterator; next(timeout) as Python's. */
export class IMapIterator<T> implements AsyncIterableIterator<T> {
  readonly #items = new Fifo<{ ok: boolean; value: unknown }>();
  #ended = false;
  readonly #waiters: Array<Waiter<void>> = [];

  /** @internal `onReturn` runs when the caller stops early. */
  constructor(private readonly onReturn: () => void) {}

  /** @internal Results arrive here in the order they are to be yielded. */
  push(ok: boolean, value: unknown): void {
    if (this.#ended) return;
    this.#items.push({ ok, value });
    resolveAll(this.#waiters, undefined);
  }

  /** @internal No result follows. */
  end(): void {
    this.#ended = true;
    resolveAll(this.#waiters, undefined);
  }

  async next(timeout?: number | null): Promise<IteratorResult<T>> {
    const ms = toMs(timeout);
    const deadline = ms === undefined ? undefined : performance.now() + ms;
    // A loop, as another next() waiting alongside may have taken the result that woke this one.
    while (!this.#items.length && !this.#ended) {
      const left = deadline === undefined ? undefined : deadline - performance.now();
      if (left !== undefined && left <= 0) throw new TimeoutError(`no result within ${timeout} s`);
      await sleepUntilWoken(this.#waiters, left);
    }
    const item = this.#items.shift();
    if (!item) return { done: true, value: undefined };
    if (!item.ok) throw item.value;
    return { done: false, value: item.value as T };
  }

  /** What `break` in a `for await` calls: no more items are taken from the iterable. */
  async return(): Promise<IteratorResult<T>> {
    if (!this.#ended) {
      this.#items.drain();
      this.end();
      this.onReturn();
    }
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

interface Task {
  seq: number;
  fnId: number;
  kind: TaskKind;
  payload: Buffer;
  /** What the task is, for reports and errors; made only when asked (inspect() costs more than sending the task). */
  label: () => string;
  settle: (ok: boolean, value: unknown) => void;
}

interface Worker {
  process: Process;
  name: string;
  slot: number;
  link?: Link;
  pid?: number;
  inflight: Task[];
  window: number;
  sentFns: Set<number>;
  sent: number;
  completed: number;
  exited?: { code: number; signal: NodeJS.Signals | null };
  linkClosed: boolean;
  sentAt: number;
  stopping?: boolean;
}

const MAX_WINDOW = 64;

function checkChunksize(size: number): void {
  if (!Number.isInteger(size) || size < 1) throw new ValueError(`Chunksize must be 1+, not ${inspect(size)}`);
}

/** A count option of the Pool: null or undefined for its default, else an integer of at least 1. */
function checkCount(name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number') throw new TypeError(`Pool option ${name} must be a number, not ${inspect(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new ValueError(`Pool option ${name} must be an integer of at least 1, not ${inspect(value)}`);
}

const POOL_OPTIONS = new Set(['processes', 'initializer', 'initargs', 'maxtasksperchild']);

export class Pool {
  readonly #id = newId('Pool');
  readonly #size: number;
  readonly #initializer: Fn | null;
  readonly #initargs: unknown[];
  readonly #maxtasks: number | null;
  readonly #ledger: SharedMemory;
  readonly #address: string;
  readonly #workers = new Set<Worker>();
  readonly #queue = new Fifo<Task>();
  readonly #fns = new Map<Fn, number>();
  /** Where each task function is found, by its id: looked up once, sent to each worker once. */
  readonly #fnRefs = new Map<number, ExportRef>();
  #nextSlot = 0;
  #nextSeq = 1;
  #state: 'RUN' | 'CLOSE' | 'TERMINATE' = 'RUN';
  #startFailures = 0;
  #broken: ProcessError | undefined;
  #outstanding = 0;
  readonly #joiners: Array<Waiter<void>> = [];
  #done = 0;
  #failed = 0;
  readonly #lost: Array<{ pid: number; name: string; task: string; code: number; signal?: string }> = [];

  constructor(options: number | PoolOptions | null = {}) {
    // As Python's Pool(4): anything but an options object is the number of processes.
    const o: PoolOptions = typeof options === 'object' && options !== null ? options : { processes: options };
    for (const key of Object.keys(o)) if (!POOL_OPTIONS.has(key)) throw new TypeError(`Pool has no option ${inspect(key)}`);
    checkCount('processes', o.processes);
    checkCount('maxtasksperchild', o.maxtasksperchild);
    if (o.initializer !== undefined && o.initializer !== null && typeof o.initializer !== 'function') {
      throw new TypeError(`Pool option initializer must be a function, not ${inspect(o.initializer)}`);
    }
    if (o.initargs !== undefined && !Array.isArray(o.initargs)) throw new TypeError(`Pool option initargs must be an array, not ${inspect(o.initargs)}`);
    const processes = o.processes ?? cpuCount();
    this.#size = processes;
    this.#initializer = o.initializer ?? null;
    this.#initargs = o.initargs ?? [];
    this.#maxtasks = o.maxtasksperchild ?? null;
    this.#ledger = SharedMemory.create('pool', 8 * 64);
    this.#address = serve(this.#id, (link) => this.#accept(link));
    for (let i = 0; i < processes; i++) this.#startWorker();
  }

  get processes(): number {
    return this.#size;
  }

  #startWorker(): void {
    const slot = this.#nextSlot++;
    const config: WorkerConfig = {
      address: this.#address, id: this.#id, slot, ledger: this.#ledger.path,
      initializer: this.#initializer, initargs: this.#initargs, maxtasks: this.#maxtasks,
    };
    const process = new Process({ target: poolWorker, args: [config], daemon: true });
    process.name = process.name.replace(/^Process/, 'SpawnPoolWorker');
    const worker: Worker = {
      process, name: process.name, slot, inflight: [], window: 1, sentFns: new Set(), sent: 0, completed: 0, linkClosed: false, sentAt: 0,
    };
    this.#workers.add(worker);
    this.#changed();
    process.start();
    worker.pid = process.pid;
    whenExited(process, (code, signal) => {
      worker.exited = { code, signal };
      this.#maybeGone(worker);
    });
  }

  #accept(link: Link): void {
    link.unref();
    let worker: Worker | undefined;
    link.handle((body) => {
      if (body[0] === ToPool.Hello) {
        const slot = body.readUInt32LE(1);
        worker = [...this.#workers].find((w) => w.slot === slot);
        if (!worker) {
          link.close();
          return;
        }
        worker.link = link;
        this.#startFailures = 0;
        this.#pump();
        // A replacement that connects after close() has nothing to do but stop.
        this.#maybeStop();
        return;
      }
      if (body[0] === ToPool.Result && worker) void this.#onResult(worker, body);
    }, () => {
      if (worker) {
        worker.linkClosed = true;
        this.#maybeGone(worker);
      }
    });
  }

  async #onResult(worker: Worker, body: Buffer): Promise<void> {
    const seq = body.readUInt32LE(1);
    const i = worker.inflight.findIndex((t) => t.seq === seq);
    if (i < 0) return;
    const [task] = worker.inflight.splice(i, 1);
    worker.completed++;
    // A worker takes one task at a time, as Python's do when they are idle, so that slow tasks
    // spread over the workers; tasks that come back within a couple of milliseconds are sent in
    // growing batches, since then the round trip, not the work, would set the pace.
    const took = performance.now() - worker.sentAt;
    worker.window = took < 2 ? Math.min(MAX_WINDOW, worker.window * 2) : 1;
    // An idle worker starts the next batch of work at one task again.
    if (worker.inflight.length === 0 && this.#queue.length === 0) worker.window = 1;
    this.#pump();
    const ok = body[5] === 1;
    let value: unknown;
    try {
      value = decodeSoon(body.subarray(6));
      if (value instanceof Promise) value = await value;
    } catch (error) {
      this.#finish(task, false, error);
      return;
    }
    this.#finish(task, ok, ok ? value : reviveError(value as RemoteError));
  }

  #finish(task: Task, ok: boolean, value: unknown): void {
    if (--this.#outstanding === 0) release();
    if (ok) this.#done++;
    else this.#failed++;
    this.#changed();
    task.settle(ok, value);
    this.#maybeStop();
  }

  /** Handles a worker's end once both its exit and the end of its connection have been seen. */
  #maybeGone(worker: Worker): void {
    if (!worker.exited || (worker.link && !worker.linkClosed) || !this.#workers.has(worker)) return;
    this.#workers.delete(worker);
    const { code, signal } = worker.exited;
    const running = this.#ledger.getFloat64(worker.slot);
    const notStarted: Task[] = [];
    for (const task of worker.inflight) {
      if (task.seq === running) {
        const how = signal ? `was killed by ${signal} (exit code ${code})` : `exited with code ${code}`;
        this.#lost.push({ pid: worker.pid ?? 0, name: worker.name, task: task.label(), code, ...(signal ? { signal } : {}) });
        this.#finish(task, false, new WorkerLostError(`${worker.name} (pid ${worker.pid}) ${how} while running ${task.label()}`));
      } else {
        notStarted.push(task);
      }
    }
    this.#queue.unshiftAll(notStarted);
    if (this.#state === 'TERMINATE') {
      this.#checkJoined();
      return;
    }
    const diedAtStart = !worker.link && code !== 0;
    this.#startFailures = diedAtStart ? this.#startFailures + 1 : 0;
    if (this.#startFailures >= 3) {
      // Python starts new workers forever here; we stop and say why, to this task and the next.
      this.#broken = new ProcessError(`Pool workers keep dying as they start (last: ${signal ?? `exit code ${code}`}); is the initializer failing?`);
      for (const task of this.#queue.drain()) this.#finish(task, false, this.#broken);
    }
    // As Python's exit handler stops a pool before ending its workers, a program that is ending gets no replacements.
    if (!this.#broken && !context.finishing && (this.#state === 'RUN' || this.#queue.length)) this.#startWorker();
    this.#pump();
    this.#checkJoined();
  }

  /** Reports the pool's state to an observer, at most ten times a second. */
  #changed(): void {
    reportSoon(this, () => ({
      t: 'pool', id: this.#id, pid: process.pid, size: this.#size, state: this.#state,
      workers: [...this.#workers].map((w) => ({
        pid: w.pid ?? 0, name: w.name, busy: w.inflight.length > 0, ...(w.inflight.length ? { task: w.inflight[0].label() } : {}),
      })),
      queued: this.#queue.length, done: this.#done, failed: this.#failed, lost: this.#lost.slice(-20), time: Date.now(),
    }));
  }

  #fnId(fn: Fn): number {
    let id = this.#fns.get(fn);
    if (id === undefined) {
      if (typeof fn !== 'function') throw new TypeError(`the task must be a function, not ${typeof fn}`);
      const ref = findExport(fn);
      if (!ref) {
        throw new TypeError(
          `Pool task ${fn.name ? `"${fn.name}"` : '(an anonymous function)'} is not exported from a module of the program, so a worker cannot find it. ` +
          'Export it from the top level of its module; closures and arrow functions in variables cannot be sent to another process.',
        );
      }
      id = this.#fns.size + 1;
      this.#fns.set(fn, id);
      this.#fnRefs.set(id, ref);
    }
    return id;
  }

  #submit(fn: Fn, kind: TaskKind, args: unknown, label: () => string, settle: (ok: boolean, value: unknown) => void): void {
    const fnId = this.#fnId(fn);
    const what = kind === 'call' ? 'the task\'s arguments' : 'the task\'s items';
    // A map's chunk is a slice made here, so it can take the packed form for numbers.
    const payload = kind === 'map' ? encodeOwnArray(args as unknown[], what) : encode(args, what);
    // A worker could not read a larger one: it would end, and the task go to its replacement, forever.
    checkSize(payload.length, what);
    if (this.#outstanding++ === 0) hold();
    this.#queue.push({ seq: this.#nextSeq++, fnId, kind, payload, label, settle });
    this.#changed();
  }

  /** Sends queued tasks to workers with room in their window, no worker more than its share. */
  #pump(): void {
    if (!this.#queue.length) return;
    const ready = [...this.#workers].filter((w) => w.link && !w.linkClosed);
    const share = Math.max(1, Math.ceil(this.#queue.length / Math.max(1, ready.length)));
    for (const worker of ready) {
      const link = worker.link!;
      const limit = Math.min(worker.window, worker.inflight.length + share);
      while (this.#queue.length && worker.inflight.length < limit) {
        if (this.#maxtasks !== null && worker.sent >= this.#maxtasks) break;
        const task = this.#queue.shift()!;
        if (!worker.sentFns.has(task.fnId)) {
          link.send(functionFrame(task.fnId, this.#fnRefs.get(task.fnId)!));
          worker.sentFns.add(task.fnId);
        }
        link.send(taskFrame(task.seq, task.fnId, task.kind, task.payload));
        worker.inflight.push(task);
        worker.sent++;
        worker.sentAt = performance.now();
        this.#changed();
      }
      if (!this.#queue.length) break;
    }
  }

  #checkRunning(): void {
    if (this.#state !== 'RUN') throw new ValueError('Pool not running');
    if (this.#broken) throw this.#broken;
  }

  applyAsync<T = unknown>(fn: Fn, args: unknown[] = [], options: Callbacks<T> & { kwargs?: Record<string, unknown> } = {}): AsyncResult<T> {
    this.#checkRunning();
    if (!Array.isArray(args)) throw new TypeError('args must be an array');
    const result = new AsyncResult<T>(options);
    const all = options.kwargs ? [...args, options.kwargs] : args;
    const label = () => `${fn.name || 'task'}(${all.map((a) => inspect(a, { depth: 0, breakLength: Infinity })).join(', ').slice(0, 80)})`;
    this.#submit(fn, 'call', all, label, (ok, v) => result.settle(ok, v));
    this.#pump();
    return result;
  }

  /** Runs fn(...args) in a worker and resolves with its result. */
  apply<T = unknown>(fn: Fn, args: unknown[] = [], kwargs?: Record<string, unknown>): Promise<T> {
    try {
      return this.applyAsync<T>(fn, args, { kwargs }).get();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #chunks(items: unknown[], chunksize: number | undefined): unknown[][] {
    if (items.length === 0) return [];
    let size = chunksize;
    if (size === undefined || size === null) {
      // Python's default: about four chunks per worker.
      size = Math.floor(items.length / (this.#size * 4));
      if (items.length % (this.#size * 4)) size += 1;
    }
    checkChunksize(size);
    const chunks: unknown[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    return chunks;
  }

  #mapAsync<T>(fn: Fn, iterable: Iterable<unknown>, chunksize: number | undefined, kind: 'map' | 'starmap', options: Callbacks<T[]>): AsyncResult<T[]> {
    this.#checkRunning();
    const items = [...iterable];
    const chunks = this.#chunks(items, chunksize);
    const result = new AsyncResult<T[]>(options);
    const out: unknown[][] = new Array(chunks.length);
    let left = chunks.length;
    if (left === 0) result.settle(true, []);
    chunks.forEach((chunk, i) => {
      this.#submit(fn, kind, chunk, () => `${kind}(${fn.name || 'task'}) chunk ${i + 1} of ${chunks.length}`, (ok, value) => {
        if (!ok) return result.settle(false, value);
        out[i] = value as unknown[];
        if (--left === 0) result.settle(true, ([] as unknown[]).concat(...out));
      });
    });
    this.#pump();
    return result;
  }

  mapAsync<T = unknown>(fn: Fn, iterable: Iterable<unknown>, chunksize?: number, options: Callbacks<T[]> = {}): AsyncResult<T[]> {
    return this.#mapAsync<T>(fn, iterable, chunksize, 'map', options);
  }

  /** Python's map: fn over every item, in chunks; resolves with the results in order. */
  map<T = unknown>(fn: Fn, iterable: Iterable<unknown>, chunksize?: number): Promise<T[]> {
    try {
      return this.mapAsync<T>(fn, iterable, chunksize).get();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  starmapAsync<T = unknown>(fn: Fn, iterable: Iterable<unknown[]>, chunksize?: number, options: Callbacks<T[]> = {}): AsyncResult<T[]> {
    return this.#mapAsync<T>(fn, iterable, chunksize, 'starmap', options);
  }

  /** fn(...args) for each args array of the iterable. */
  starmap<T = unknown>(fn: Fn, iterable: Iterable<unknown[]>, chunksize?: number): Promise<T[]> {
    try {
      return this.starmapAsync<T>(fn, iterable, chunksize).get();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #imap<T>(fn: Fn, iterable: Iterable<unknown>, chunksize: number, ordered: boolean): IMapIterator<T> {
    this.#checkRunning();
    this.#fnId(fn);
    checkChunksize(chunksize);
    const source = iterable[Symbol.iterator]();
    // Chunks are pulled from the iterable as earlier ones finish, so that an endless or huge one
    // runs in bounded memory. Ahead of the results go a few chunks per worker, and at least as
    // many items as the workers take in their batches of quick tasks (up to MAX_WINDOW each).
    // Finishing, not the caller's next(), sets the pace: as in Python, the results are ready for
    // a caller that iterates only after close() and join().
    const ahead = this.#size * Math.max(4, Math.ceil((2 * MAX_WINDOW) / chunksize));
    let submitted = 0;
    let emitted = 0;
    /** Nothing more is pulled: the iterable ended or failed, the caller stopped, or the pool can run no more. */
    let exhausted = false;
    let failure: { error: unknown } | undefined;
    const parked = new Map<number, { ok: boolean; value: unknown; length: number }>();
    const it = new IMapIterator<T>(() => {
      exhausted = true;
      source.return?.();
    });
    const emit = (ok: boolean, value: unknown, length: number) => {
      if (ok) for (const v of value as unknown[]) it.push(true, v);
      else for (let k = 0; k < length; k++) it.push(false, value);
      emitted++;
      feed();
    };
    // The iterable's error comes after the results of every item before it, as Python's imap raises it.
    const maybeEnd = () => {
      if (!exhausted || emitted < submitted) return;
      if (failure) it.push(false, failure.error);
      failure = undefined;
      it.end();
    };
    const settleChunk = (i: number, length: number) => (ok: boolean, value: unknown) => {
      if (!ordered) return emit(ok, value, length);
      parked.set(i, { ok, value, length });
      for (let r; (r = parked.get(emitted)); ) {
        parked.delete(emitted);
        emit(r.ok, r.value, r.length);
      }
    };
    const feed = () => {
      // Tasks already queued mean that no worker has room: pumping again would send nothing.
      const idle = this.#queue.length === 0;
      let sent = false;
      while (!exhausted && submitted - emitted < ahead) {
        if (this.#state === 'TERMINATE' || this.#broken) {
          exhausted = true;
          break;
        }
        const chunk: unknown[] = [];
        try {
          for (let step; chunk.length < chunksize && !(step = source.next()).done; ) chunk.push(step.value);
        } catch (error) {
          failure = { error };
        }
        if (chunk.length < chunksize) exhausted = true;
        if (!chunk.length) break;
        const i = submitted;
        try {
          this.#submit(fn, 'map', chunk, () => `imap(${fn.name || 'task'}) chunk ${i + 1}`, settleChunk(i, chunk.length));
        } catch (error) {
          // An item that cannot be sent ends the results there too.
          failure = { error };
          exhausted = true;
          break;
        }
        submitted++;
        sent = true;
      }
      if (sent && idle) this.#pump();
      maybeEnd();
    };
    feed();
    return it;
  }

  /** Results in order, as they become ready: `for await (const r of pool.imap(fn, items))`. */
  imap<T = unknown>(fn: Fn, iterable: Iterable<unknown>, chunksize = 1): IMapIterator<T> {
    return this.#imap<T>(fn, iterable, chunksize, true);
  }

  /** Results in the order they complete. */
  imapUnordered<T = unknown>(fn: Fn, iterable: Iterable<unknown>, chunksize = 1): IMapIterator<T> {
    return this.#imap<T>(fn, iterable, chunksize, false);
  }

  /** No more tasks; the workers exit once the submitted ones are done. */
  close(): void {
    if (this.#state === 'RUN') this.#state = 'CLOSE';
    this.#maybeStop();
  }

  #maybeStop(): void {
    if (this.#state !== 'CLOSE' || this.#outstanding > 0) return;
    for (const w of this.#workers) {
      if (w.link && !w.linkClosed && !w.stopping) {
        w.stopping = true;
        w.link.send(Buffer.from([ToWorker.Stop, 0, 0, 0, 0]));
      }
    }
  }

  /** Stops the workers at once; tasks not finished fail with an error. */
  terminate(): void {
    if (this.#state === 'TERMINATE') return;
    this.#state = 'TERMINATE';
    const why = new ValueError('the Pool was terminated before this task finished');
    for (const task of this.#queue.drain()) this.#finish(task, false, why);
    for (const w of this.#workers) {
      for (const task of w.inflight.splice(0)) this.#finish(task, false, why);
      if (w.process.exitCode === null) w.process.terminate();
    }
    this.#checkJoined();
  }

  /** Waits for the workers to exit. close() or terminate() must come first, as in Python. */
  async join(): Promise<void> {
    if (this.#state === 'RUN') throw new ValueError('Pool is still running');
    if (this.#workers.size === 0) return this.#cleanup();
    await sleepUntilWoken(this.#joiners, undefined);
  }

  #checkJoined(): void {
    if (this.#state === 'RUN' || this.#workers.size > 0) return;
    this.#cleanup();
    resolveAll(this.#joiners, undefined);
  }

  #cleanup(): void {
    unserve(this.#id);
    // Every worker has ended: nothing reads the ledger any more.
    this.#ledger.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    await this.join();
  }

  [inspect.custom](): string {
    return `<Pool state=${this.#state} pool_size=${this.#size}>`;
  }
}
