// The model of one observed run: merges the library's reports (the logical tree: names, nesting,
// exit codes, queues, pools) with samples of the OS process table (CPU, memory, and descendants
// the library did not start) into one tree, and tells listeners what changed, coalesced. Used by
// the VS Code extension and by `multiproc run --watch`; it knows nothing about either, and takes
// OS samples from its host, so that the library needs no process-listing dependency.
import { exitCodeOf, signalName } from '../wire/exit-codes';
import type { PoolState, QueueState, Report } from '../wire/wire';

export type ProcessState = 'starting' | 'running' | 'exited';
export type RunState = 'starting' | 'running' | 'exited' | 'failed';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  name: string;
  /** 'library': reported by multiproc; 'main': the program itself; 'os': seen only in the OS tree. */
  origin: 'library' | 'main' | 'os';
  ident: string;
  daemon: boolean;
  target?: string;
  command?: string;
  state: ProcessState;
  /** Python's exitcode: the status, or −N for signal N; undefined while running or when unknown. */
  exitCode?: number;
  signal?: string;
  startTime: number;
  endTime?: number;
  /** From the OS: CPU % (of one core) and resident memory in bytes. */
  cpu?: number;
  memory?: number;
}

export interface QueueInfo extends Omit<QueueState, 't'> {
  /** The highest depth seen, so that a queue that drained still shows it was used. */
  peak: number;
  /** The owner ended: depth and waiters are as last reported, not current. */
  final?: boolean;
}

export type PoolInfo = Omit<PoolState, 't'>;

/** One row of an OS sample: the program's main process and its descendants. */
export interface OsProcess {
  pid: number;
  ppid: number;
  command?: string;
  cpu?: number;
  memory?: number;
}

export interface ExitRow {
  name: string;
  pid: number;
  ppid: number;
  parent: string;
  exitCode?: number;
  signal?: string;
  start: number;
  end?: number;
  durationMs?: number;
  state: ProcessState;
}

/** Keys of tree nodes: the run, a process, a queue or a pool of this run. */
export type NodeKey = string;

export interface RunModelOptions {
  id: string;
  script: string;
  /** Upper bound on change events: one per this many ms at most (default 100, ~10/s). */
  coalesceMs?: number;
  now?: () => number;
}

export type ChangeListener = (changed: ReadonlySet<NodeKey>) => void;

export const RUN_KEY = 'run';
export const processKey = (pid: number): NodeKey => `p${pid}`;
export const queueKey = (id: string): NodeKey => `q${id}`;
export const poolKey = (id: string): NodeKey => `pool${id}`;

/** A process ended abnormally: a non-zero exit or a signal. */
export function abnormal(p: Pick<ProcessInfo, 'exitCode' | 'signal'>): boolean {
  return (p.exitCode !== undefined && p.exitCode !== 0) || !!p.signal;
}

export class RunModel {
  readonly id: string;
  readonly script: string;
  state: RunState = 'starting';
  mainPid: number | undefined;
  startTime: number;
  endTime: number | undefined;
  /** Why the run failed to start, when it did. */
  failure: string | undefined;
  private readonly procs = new Map<number, ProcessInfo>();
  private readonly queues = new Map<string, QueueInfo>();
  private readonly pools = new Map<string, PoolInfo>();
  /** Worker pid → its pool, kept after the pool stops listing it, so that workers stay under their pool. */
  private readonly poolOfWorker = new Map<number, string>();
  private readonly listeners = new Set<ChangeListener>();
  private readonly dirty = new Set<NodeKey>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastEmit = 0;
  private readonly coalesceMs: number;
  private readonly now: () => number;

  constructor(options: RunModelOptions) {
    this.id = options.id;
    this.script = options.script;
    this.coalesceMs = options.coalesceMs ?? 100;
    this.now = options.now ?? Date.now;
    this.startTime = this.now();
  }

  // --- inputs ------------------------------------------------------------------------------

  /** The host started the program's main process (the library does not report it). */
  mainStarted(pid: number, command?: string): void {
    this.mainPid = pid;
    this.state = 'running';
    const existing = this.procs.get(pid);
    this.procs.set(pid, {
      ...existing, pid, ppid: existing?.ppid ?? 0, name: 'MainProcess', origin: 'main', ident: '', daemon: false,
      command, state: 'running', startTime: existing?.startTime ?? this.now(),
    });
    this.touch(RUN_KEY);
  }

  /** The main process ended; processes not known to have ended are marked ended (code unknown). */
  mainExited(code: number | null, signal: string | null): void {
    const t = this.now();
    const main = this.mainPid !== undefined ? this.procs.get(this.mainPid) : undefined;
    if (main && main.state !== 'exited') {
      main.state = 'exited';
      main.exitCode = exitCodeOf(code, signal);
      main.signal = signal ?? undefined;
      main.endTime = t;
      main.cpu = undefined;
    }
    for (const p of this.procs.values()) {
      if (p.state !== 'exited') {
        p.state = 'exited';
        p.endTime = t;
        p.cpu = undefined;
        this.touch(processKey(p.pid));
      }
    }
    for (const q of this.queues.values()) this.finalizeQueuesOf(q.pid);
    this.endTime = t;
    if (this.state !== 'failed') this.state = 'exited';
    this.touch(RUN_KEY);
  }

  /** The program could not be started (no node, no file, a syntax error…). */
  fail(message: string): void {
    this.failure = message;
    this.state = 'failed';
    this.endTime ??= this.now();
    this.touch(RUN_KEY);
  }

  /** A peer connected with the run's secret: that process is running. */
  peer(pid: number): void {
    const p = this.procs.get(pid);
    if (p && p.state === 'starting') {
      p.state = 'running';
      this.touch(processKey(pid));
    }
  }

  apply(report: Report): void {
    switch (report.t) {
      case 'start': {
        const existing = this.procs.get(report.pid);
        const p: ProcessInfo = {
          pid: report.pid, ppid: report.ppid, name: report.name, origin: 'library', ident: report.ident,
          daemon: report.daemon, target: report.target, command: existing?.command ?? report.argv?.join(' '),
          // the OS sample may have seen it first
          state: existing && existing.state !== 'exited' ? existing.state : 'starting',
          startTime: report.time, cpu: existing?.cpu, memory: existing?.memory,
        };
        if (existing?.state === 'exited') Object.assign(p, { state: 'exited', exitCode: existing.exitCode, signal: existing.signal, endTime: existing.endTime });
        this.procs.set(report.pid, p);
        this.touchParentOf(p);
        this.touch(processKey(p.pid));
        break;
      }
      case 'exit': {
        const p = this.procs.get(report.pid) ?? this.placeholder(report.pid, report.time);
        p.state = 'exited';
        p.exitCode = report.code;
        p.signal = report.signal ?? (report.code < 0 ? signalName(-report.code) : undefined);
        p.endTime = report.time;
        p.cpu = undefined;
        this.touch(processKey(p.pid));
        this.touch(RUN_KEY);
        this.finalizeQueuesOf(p.pid);
        break;
      }
      case 'queue': {
        const { t: _t, ...q } = report;
        const before = this.queues.get(q.id);
        this.queues.set(q.id, { ...q, peak: Math.max(before?.peak ?? 0, q.depth) });
        this.runningIfStarting(q.pid);
        if (!before) this.touch(processKey(q.pid));
        this.touch(queueKey(q.id));
        break;
      }
      case 'pool': {
        const { t: _t, ...pool } = report;
        const before = this.pools.get(pool.id);
        this.pools.set(pool.id, pool);
        for (const w of pool.workers) {
          if (w.pid > 0 && !this.poolOfWorker.has(w.pid)) {
            this.poolOfWorker.set(w.pid, pool.id);
            // the worker moves from under the owner to under the pool
            this.touch(processKey(pool.pid));
          }
        }
        this.runningIfStarting(pool.pid);
        if (!before) this.touch(processKey(pool.pid));
        this.touch(poolKey(pool.id));
        break;
      }
    }
  }

  /**
   * A sample of the OS process table restricted to the main process and its descendants: CPU and
   * memory for known processes, and the descendants the library did not start (e.g. a child's
   * own child_process.spawn), which appear marked as OS processes.
   */
  applySample(rows: readonly OsProcess[]): void {
    if (this.state !== 'running') return;
    const seen = new Set<number>();
    for (const row of rows) {
      seen.add(row.pid);
      let p = this.procs.get(row.pid);
      if (!p && libraryHelper(row.command)) continue;
      if (!p) {
        // a descendant not (yet) reported: a spawned library child shows up here first, and its
        // start report then replaces the entry; anything else stays an OS process
        p = {
          pid: row.pid, ppid: row.ppid, name: baseName(row.command) || `pid ${row.pid}`, origin: 'os', ident: '',
          daemon: false, command: row.command, state: 'running', startTime: this.now(),
        };
        this.procs.set(row.pid, p);
        this.touchParentOf(p);
        this.touch(processKey(p.pid));
        continue;
      }
      if (p.state === 'exited') continue;
      const changed = p.cpu !== row.cpu || p.memory !== row.memory || (p.state === 'starting') || (!p.command && !!row.command);
      p.cpu = row.cpu;
      p.memory = row.memory;
      if (row.command) p.command ??= row.command;
      if (p.origin === 'os' && p.ppid !== row.ppid) p.ppid = row.ppid;
      if (p.state === 'starting') p.state = 'running';
      if (changed) this.touch(processKey(p.pid));
    }
    // OS-only processes that vanished have ended; library processes get their exit report.
    for (const p of this.procs.values()) {
      if (p.origin === 'os' && p.state !== 'exited' && !seen.has(p.pid)) {
        p.state = 'exited';
        p.endTime = this.now();
        p.cpu = undefined;
        this.touch(processKey(p.pid));
      }
    }
  }

  // --- queries -----------------------------------------------------------------------------

  process(pid: number): ProcessInfo | undefined {
    return this.procs.get(pid);
  }

  allProcesses(): ProcessInfo[] {
    return [...this.procs.values()];
  }

  /** The top of the process tree: the main process, and any process whose parent is unknown. */
  roots(): ProcessInfo[] {
    return this.sorted([...this.procs.values()].filter((p) => !this.procs.has(p.ppid) || p.ppid === p.pid));
  }

  /** The processes whose parent is `pid`, but not the workers a Pool of `pid` lists (those go under the pool). */
  childrenOf(pid: number): ProcessInfo[] {
    return this.sorted([...this.procs.values()].filter((p) => p.ppid === pid && p.pid !== pid && !this.pooledUnder(p)));
  }

  /** The pool a process works for, when its pool's owner is its parent. */
  poolOf(p: ProcessInfo): PoolInfo | undefined {
    const id = this.poolOfWorker.get(p.pid);
    const pool = id !== undefined ? this.pools.get(id) : undefined;
    return pool && pool.pid === p.ppid ? pool : undefined;
  }

  private pooledUnder(p: ProcessInfo): boolean {
    return !!this.poolOf(p);
  }

  queuesOf(pid: number): QueueInfo[] {
    return [...this.queues.values()].filter((q) => q.pid === pid).sort((a, b) => a.id.localeCompare(b.id));
  }

  queue(id: string): QueueInfo | undefined {
    return this.queues.get(id);
  }

  poolsOf(pid: number): PoolInfo[] {
    return [...this.pools.values()].filter((p) => p.pid === pid);
  }

  pool(id: string): PoolInfo | undefined {
    return this.pools.get(id);
  }

  /** The processes of a pool's workers that this model knows. */
  poolWorkers(id: string): ProcessInfo[] {
    return this.sorted([...this.procs.values()].filter((p) => this.poolOf(p)?.id === id));
  }

  /** `pid` and every descendant of it, deepest first (the order to end them in). */
  descendantsOf(pid: number): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    const visit = (p: number, depth: number) => {
      if (depth > 64) return;
      for (const c of this.procs.values()) if (c.ppid === p && c.pid !== p) visit(c.pid, depth + 1);
      const me = this.procs.get(p);
      if (me) out.push(me);
    };
    visit(pid, 0);
    return out;
  }

  liveProcesses(): ProcessInfo[] {
    return [...this.procs.values()].filter((p) => p.state !== 'exited');
  }

  get live(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }

  /** True when a process ended abnormally (non-zero exit or a signal) or the run failed. */
  get failed(): boolean {
    return this.state === 'failed' || [...this.procs.values()].some(abnormal);
  }

  exitTable(): ExitRow[] {
    return [...this.procs.values()]
      .sort((a, b) => a.startTime - b.startTime || a.pid - b.pid)
      .map((p) => ({
        name: p.name, pid: p.pid, ppid: p.ppid, parent: this.procs.get(p.ppid)?.name ?? '',
        exitCode: p.exitCode, signal: p.signal, start: p.startTime, end: p.endTime,
        durationMs: p.endTime !== undefined ? p.endTime - p.startTime : undefined, state: p.state,
      }));
  }

  /** Forgets processes that ended (and their queues and pools); the run and live ones stay. */
  clearFinished(): void {
    for (const p of [...this.procs.values()]) {
      if (p.state === 'exited' && p.pid !== this.mainPid) this.procs.delete(p.pid);
    }
    for (const [id, q] of this.queues) if (!this.procs.has(q.pid)) this.queues.delete(id);
    for (const [id, pool] of this.pools) if (!this.procs.has(pool.pid)) this.pools.delete(id);
    for (const [pid] of this.poolOfWorker) if (!this.procs.has(pid)) this.poolOfWorker.delete(pid);
    this.touch(RUN_KEY);
  }

  // --- change events -----------------------------------------------------------------------

  /** Subscribes to changes: the keys of nodes whose content or children changed, at most ~10 times a second. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Emits pending changes now (used when a run ends, so the last state shows without delay). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty.size === 0) return;
    const changed = new Set(this.dirty);
    this.dirty.clear();
    this.lastEmit = this.now();
    for (const l of [...this.listeners]) {
      try {
        l(changed);
      } catch {
        // one listener's failure must not stop the others, nor the reports feeding the model
      }
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private touch(key: NodeKey): void {
    this.dirty.add(key);
    if (this.timer) return;
    const wait = Math.max(0, this.lastEmit + this.coalesceMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref?.();
  }

  private touchParentOf(p: ProcessInfo): void {
    const pool = this.poolOf(p);
    if (pool) this.touch(poolKey(pool.id));
    else if (this.procs.has(p.ppid)) this.touch(processKey(p.ppid));
    else this.touch(RUN_KEY);
  }

  private finalizeQueuesOf(pid: number): void {
    for (const q of this.queues.values()) {
      if (q.pid === pid && !q.final) {
        q.final = true;
        this.touch(queueKey(q.id));
      }
    }
  }

  private runningIfStarting(pid: number): void {
    const p = this.procs.get(pid);
    if (p?.state === 'starting') {
      p.state = 'running';
      this.touch(processKey(pid));
    }
  }

  private placeholder(pid: number, time: number): ProcessInfo {
    const p: ProcessInfo = { pid, ppid: 0, name: `pid ${pid}`, origin: 'library', ident: '', daemon: false, state: 'running', startTime: time };
    this.procs.set(pid, p);
    this.touch(RUN_KEY);
    return p;
  }

  private sorted(list: ProcessInfo[]): ProcessInfo[] {
    return list.sort((a, b) => a.startTime - b.startTime || a.pid - b.pid);
  }
}

/**
 * The library's own machinery: the esbuild service its TypeScript loader runs, and the warm spare
 * node waiting to become the next child (its start is reported when it is taken). Not something
 * the program started, so left out of the tree until reported.
 */
function libraryHelper(command: string | undefined): boolean {
  return !!command && (/esbuild(\.exe)?\s+--service=/.test(command) || /\s--multiproc-spare(\s|$)/.test(command));
}

/** "sleep", or "node script.js" for a node running a script. */
function baseName(command: string | undefined): string {
  if (!command) return '';
  const words = command.trim().split(/\s+/);
  const base = (w: string) => w.split(/[\\/]/).pop() ?? w;
  const exe = base(words[0] ?? '');
  const script = /^node(\.exe)?$/.test(exe) ? words.slice(1).find((w) => !w.startsWith('-') && !/^file:/.test(w)) : undefined;
  return script ? `${exe} ${base(script)}` : exe;
}
