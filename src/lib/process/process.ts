// Process: Python's multiprocessing.Process on a real OS process (see start-method.ts for how one
// is started and bootstrap.ts for what runs in it).
import { inspect } from 'node:util';
import { context } from './context';
import { AssertionError, ValueError } from '../base/errors';
import { installExitHandler } from './exit';
import { report } from '../reporter';
import type { Popen } from './popen';
import { dumps, encode } from '../values/reduction';
import { describeRef, findExport, loaderActive, type ExportRef } from '../values/targets';
import { startPopen } from './start-method';
import { toMs } from '../base/timeout';
import { removeLeftovers } from '../channel/addresses';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Target = (...args: any[]) => unknown;

export interface ProcessOptions {
  target?: Target | null;
  args?: readonly unknown[];
  /** Python's keyword arguments: passed to the target as one extra, last argument. */
  kwargs?: Record<string, unknown>;
  name?: string;
  /** Defaults to the current process's daemon flag, as in Python. */
  daemon?: boolean;
}

/** What the child needs to rebuild the Process object and run it. */
export interface Bootstrap {
  v: 1;
  name: string;
  identity: number[];
  daemon: boolean;
  authkey: Buffer;
  parent: { pid: number; name: string };
  target: ExportRef | null;
  /** Each argument encoded on its own (see reduction.ts), so that errors can name it. */
  args: Buffer[];
  kwargs: Record<string, Buffer> | null;
  /** Set when a subclass overrides run(): the class to rebuild and its own fields. */
  subclass: { ref: ExportRef; fields: Record<string, Buffer> } | null;
}

interface State {
  target: Target | null;
  args: unknown[];
  kwargs: Record<string, unknown> | null;
  name: string;
  daemon: boolean;
  authkey: Buffer | null;
  identity: number[];
  parentPid: number;
  popen: Popen | null;
  closed: boolean;
  /** Set on the object that represents the current process inside a child. */
  isSelf: boolean;
}

// State lives outside the instance so that a subclass rebuilt in a child from its own fields
// (as pickle rebuilds it, without running the constructor) still gets a Process behind it.
const states = new WeakMap<Process, State>();
const children = new Set<Process>();

function stateOf(p: Process): State {
  const s = states.get(p);
  if (!s) throw new AssertionError('Process.__init__ was not called: a Process subclass constructor must call super()');
  return s;
}

export class Process {
  constructor(options: ProcessOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('new Process() takes an options object: { target, args, kwargs, name, daemon }');
    }
    const { target = null, args = [], kwargs, name, daemon } = options;
    if (target !== null && typeof target !== 'function') throw new TypeError(`target must be a function, not ${typeof target}`);
    if (!Array.isArray(args)) throw new TypeError('args must be an array');
    const identity = [...context.identity, context.nextChildNumber++];
    states.set(this, {
      target,
      args: [...args],
      kwargs: kwargs && Object.keys(kwargs).length ? { ...kwargs } : null,
      name: name ?? `${new.target.name || 'Process'}-${identity.join(':')}`,
      daemon: daemon ?? context.daemon,
      authkey: null,
      identity,
      parentPid: process.pid,
      popen: null,
      closed: false,
      isSelf: false,
    });
  }

  /** The process's activity. Calls the target; override it in a subclass instead of passing one. */
  run(): unknown {
    const s = stateOf(this);
    const target = s.target;
    if (!target) return undefined;
    return s.kwargs ? target(...s.args, s.kwargs) : target(...s.args);
  }

  start(): void {
    const s = stateOf(this);
    this.checkClosed();
    if (s.popen) throw new AssertionError('cannot start a process twice');
    if (s.parentPid !== process.pid) throw new AssertionError('can only start a process object created by current process');
    if (context.daemon) throw new AssertionError('daemonic processes are not allowed to have children');
    if (context.bootstrapping) {
      throw new Error(
        'An attempt has been made to start a new process before the current process has finished its bootstrapping phase.\n\n' +
        '    This probably means that a module of the program starts processes when it is loaded, so every child\n' +
        '    loading it starts more. Put the main part of the program behind the guard:\n\n' +
        "        import { isMainProcess } from 'multiproc';\n" +
        '        if (isMainProcess()) {\n            ...\n        }',
      );
    }
    const bootstrap = this.bootstrapFor(s);
    const popen = startPopen(bootstrap.payload, process.env);
    s.popen = popen;
    children.add(this);
    installExitHandler(liveChildren);
    popen.release();
    report({
      t: 'start', pid: popen.pid, ppid: process.pid, name: s.name, ident: s.identity.join(':'), daemon: s.daemon,
      target: bootstrap.target, time: Date.now(),
    });
    popen.onExit((code, signal) => {
      report({ t: 'exit', pid: popen.pid, code, ...(signal ? { signal } : {}), time: Date.now() });
      // A child ended by a signal had no chance to remove its directories (nor its own children theirs).
      if (signal) removeLeftovers();
    });
  }

  private bootstrapFor(s: State): { payload: Buffer; target?: string } {
    const subclassRun = overridesRun(this);
    const lookFor = (value: unknown, what: string): ExportRef => {
      const ref = findExport(value);
      if (ref) return ref;
      const fn = value as { name?: string };
      const arrow = typeof value === 'function' && !/^(class|function|async\s+function)\b/.test(Function.prototype.toString.call(value));
      const label = arrow ? 'is an arrow function, which' : fn.name ? `"${fn.name}"` : 'is an anonymous function, which';
      throw new TypeError(
        `Cannot start ${s.name}: its ${what} ${label} is not exported from a module of the program, so the child process ` +
        'cannot find it again (it loads the program\'s modules anew, as Python\'s spawn does). ' +
        `Export it from the top level of its module (\`export ${what === 'class' ? 'class' : 'function'} ${fn.name || 'name'}…\`); ` +
        'a closure, an arrow function held in a local variable or an unexported function cannot be sent to another process.' +
        (loaderActive() ? '' : ' If it is exported, run the program with `npx multiproc run <file>` or `node --import multiproc/register <file>` so that its ES modules can be found.'),
      );
    };
    const target = s.target ? lookFor(s.target, 'target') : null;
    const encodeAll = (values: Record<string, unknown>, label: (key: string) => string) =>
      Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encode(v, label(k))]));
    const subclass = subclassRun
      ? { ref: lookFor(this.constructor, 'class'), fields: encodeAll({ ...this } as Record<string, unknown>, (k) => `${this.constructor.name}.${k}`) }
      : null;
    const payload: Bootstrap = {
      v: 1,
      name: s.name,
      identity: s.identity,
      daemon: s.daemon,
      authkey: s.authkey ?? context.authkey,
      parent: { pid: process.pid, name: context.name },
      target,
      args: s.args.map((arg, i) => encode(arg, `args[${i}]`)),
      kwargs: s.kwargs && encodeAll(s.kwargs, (k) => `kwargs.${k}`),
      subclass,
    };
    const shown = subclass ? subclass.ref : target;
    return { payload: dumps(payload, 'the process'), target: shown ? describeRef(shown) : undefined };
  }

  /**
   * Waits until the process ends, or `timeout` seconds pass (as Python, a timeout is not an
   * error: check `exitCode` afterwards).
   */
  async join(timeout?: number | null): Promise<void> {
    const ms = toMs(timeout);
    const s = stateOf(this);
    this.checkClosed();
    if (s.parentPid !== process.pid) throw new AssertionError('can only join a child process');
    if (!s.popen) throw new AssertionError('can only join a started process');
    const code = await s.popen.wait(ms);
    if (code !== null) children.delete(this);
  }

  isAlive(): boolean {
    const s = stateOf(this);
    this.checkClosed();
    if (s.isSelf) return true;
    if (s.parentPid !== process.pid) throw new AssertionError('can only test a child process');
    if (!s.popen) return false;
    if (s.popen.returncode === null) return true;
    children.delete(this);
    return false;
  }

  /** Ends the process with SIGTERM. Its own children are not ended (as in Python): they notice and exit. */
  terminate(): void {
    this.signal('terminate');
  }

  /** Ends the process with SIGKILL. */
  kill(): void {
    this.signal('kill');
  }

  private signal(how: 'terminate' | 'kill'): void {
    const s = stateOf(this);
    this.checkClosed();
    if (s.parentPid !== process.pid && !s.isSelf) throw new AssertionError(`can only ${how} a child process`);
    if (!s.popen) throw new AssertionError(`can only ${how} a started process`);
    s.popen[how]();
  }

  /** Releases the process object. An error while the process still runs, as in Python. */
  close(): void {
    const s = stateOf(this);
    if (s.closed) return;
    if (s.popen && s.popen.returncode === null) {
      throw new ValueError('Cannot close a process while it is still running. You should first call join() or terminate().');
    }
    children.delete(this);
    s.closed = true;
  }

  private checkClosed(): void {
    if (stateOf(this).closed) throw new ValueError('process object is closed');
  }

  get name(): string {
    return stateOf(this).name;
  }

  set name(value: string) {
    if (typeof value !== 'string') throw new TypeError('name must be a string');
    const s = stateOf(this);
    s.name = value;
    if (s.isSelf) context.name = value;
  }

  get daemon(): boolean {
    return stateOf(this).daemon;
  }

  set daemon(value: boolean) {
    const s = stateOf(this);
    if (s.popen) throw new AssertionError('process has already started');
    s.daemon = !!value;
  }

  get authkey(): Buffer {
    return stateOf(this).authkey ?? context.authkey;
  }

  set authkey(value: Buffer) {
    stateOf(this).authkey = Buffer.from(value);
  }

  /** The OS process id; undefined before start(), as Python's None. */
  get pid(): number | undefined {
    const s = stateOf(this);
    if (s.isSelf) return process.pid;
    this.checkClosed();
    return s.popen?.pid;
  }

  get ident(): number | undefined {
    return this.pid;
  }

  /** null while running (or not started); 0; N for exit(N); −N when signal N ended it. */
  get exitCode(): number | null {
    const s = stateOf(this);
    this.checkClosed();
    return s.popen?.returncode ?? null;
  }

  get [Symbol.toStringTag](): string {
    return 'Process';
  }

  [inspect.custom](): string {
    const s = states.get(this);
    if (!s) return `<${this.constructor.name} uninitialized>`;
    const code = s.popen?.returncode;
    const status = s.isSelf ? 'started' : s.closed ? 'closed' : !s.popen ? 'initial' : code === null ? 'started' : `stopped exitcode=${code}`;
    const pid = s.isSelf ? process.pid : s.popen?.pid;
    return `<${this.constructor.name} name='${s.name}'${pid ? ` pid=${pid}` : ''} parent=${s.parentPid} ${status}${s.daemon ? ' daemon' : ''}>`;
  }
}

/** Whether a subclass of Process overrides run() (outside the class: see Connection.pair). */
function overridesRun(p: Process): boolean {
  return Object.getPrototypeOf(p) !== Process.prototype && p.run !== Process.prototype.run;
}

/** @internal Calls `listener` when the started process `p` exits, without keeping this process alive. */
export function whenExited(p: Process, listener: (code: number, signal: NodeJS.Signals | null) => void): void {
  const popen = stateOf(p).popen;
  if (!popen) throw new AssertionError('can only watch a started process');
  popen.onExit(listener);
}

/** The object that stands for the main process, as Python's _MainProcess. */
class MainProcess extends Process {}

let current: Process | undefined;

export function currentProcess(): Process {
  if (!current) {
    current = Object.create(MainProcess.prototype) as Process;
    adoptAsCurrent(current, { target: null, args: [], kwargs: null, parentPid: context.parent?.pid ?? 0 });
  }
  return current;
}

/** Makes `p` the object for this very process (the main one, or a child's rebuilt Process). */
export function adoptAsCurrent(p: Process, run: { target: Target | null; args: unknown[]; kwargs: Record<string, unknown> | null; parentPid: number }): void {
  states.set(p, {
    ...run,
    name: context.name,
    daemon: context.daemon,
    authkey: null,
    identity: context.identity,
    popen: null,
    closed: false,
    isSelf: true,
  });
  current = p;
}

/** The live children of this process (ended ones are dropped, as Python's active_children()). */
export function activeChildren(): Process[] {
  return [...children].filter((p) => p.isAlive());
}

/** Children still running, for the exit handler; does not touch closed ones. */
function liveChildren(): Process[] {
  return [...children].filter((p) => {
    const s = states.get(p);
    return !!s && !s.closed && !!s.popen && s.popen.returncode === null;
  });
}
