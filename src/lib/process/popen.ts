// How a Process becomes an OS process. Like CPython's popen_spawn_posix: a fresh interpreter
// (`node` with the multiproc loader) that loads the program's modules again and receives what
// to run over its IPC channel. The interface is kept narrow so that a warm-spare strategy (a
// pre-started child that has already loaded the program, as Python's forkserver) can stand in.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProcessError } from '../base/errors';

export interface Popen {
  readonly pid: number;
  /** null while running; the exit status, or −N when signal N ended the process. */
  readonly returncode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Resolves with `returncode` when the process ended or `timeoutMs` passed. */
  wait(timeoutMs?: number): Promise<number | null>;
  terminate(): void;
  kill(): void;
  onExit(listener: (returncode: number, signal: NodeJS.Signals | null) => void): void;
  /** Lets the parent end while this child runs (daemon semantics are applied at exit). */
  release(): void;
}

/** The child entry and loader that every spawned process starts with. */
const here = __dirname;
export const CHILD_ENTRY = path.join(here, 'child.js');
export const REGISTER_ENTRY = path.join(here, 'register.js');

const DROPPED_FLAGS = /^--(test|watch|eval|print|input-type|check|interactive)\b|^-[epci]$/;
const FLAGS_WITH_VALUE = /^--(import|require|loader|experimental-loader|input-type|test-reporter|test-reporter-destination|test-name-pattern|test-concurrency)$|^-r$/;

/** The parent's node flags that a child should run with (memory limits, conditions…), minus the entry-point ones. */
export function childExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if (FLAGS_WITH_VALUE.test(arg)) {
      const value = execArgv[++i];
      // Other preloads (dotenv, instrumentation) are the program's; our own loader is added below.
      if (/^--(import|require)$|^-r$/.test(arg) && !/multiproc[\\/].*register|register\.js$/.test(value ?? '')) kept.push(arg, value);
      continue;
    }
    if (DROPPED_FLAGS.test(arg)) continue;
    if (/^--(import|require)=/.test(arg) && /register/.test(arg)) continue;
    kept.push(arg);
  }
  return [...kept, '--import', pathToFileURL(REGISTER_ENTRY).href];
}

export function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}

/** Marks a pre-started child in its command line (ps, the extension's OS tree); the child drops it from process.argv. */
export const SPARE_MARK = '--multiproc-spare';

function launch(env: NodeJS.ProcessEnv, asSpare: boolean): ChildProcess {
  const child = spawn(process.execPath, [...childExecArgv(process.execArgv), CHILD_ENTRY, ...(asSpare ? [SPARE_MARK] : []), ...process.argv.slice(2)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    env,
  });
  if (child.pid === undefined) {
    // The system refused the process (EAGAIN, EMFILE…); Node says why only on the next tick, so say it here, at start(), as Python does.
    child.on('error', () => {});
    throw new ProcessError(`could not start a child process with ${process.execPath}: the system refused it (too many processes or open files?)`);
  }
  return child;
}

// A warm spare, as Python's forkserver: once a program has started one process, another node is
// started ahead of need, with the loader and the library loaded, waiting for what to run. The
// next start() takes it, if nothing it was started with (flags, arguments, directory,
// environment) has changed since, and makes a new one. MULTIPROC_WARM_SPARE=0 turns it off.
interface Spare { child: ChildProcess; key: string; dead: boolean }
let spare: Spare | undefined;
let spareExitHook = false;

function spareKey(env: NodeJS.ProcessEnv): string {
  return JSON.stringify([process.execPath, process.execArgv, process.argv, process.cwd(), env]);
}

function takeSpare(key: string): ChildProcess | undefined {
  const s = spare;
  spare = undefined;
  if (!s || s.dead) return undefined;
  if (s.key === key) return s.child;
  s.child.kill();
  return undefined;
}

function prepareSpare(env: NodeJS.ProcessEnv): void {
  if (spare || process.env.MULTIPROC_WARM_SPARE === '0') return;
  setImmediate(() => {
    if (spare) return;
    let child: ChildProcess;
    try {
      child = launch(env, true);
    } catch {
      return; // a spare is only an optimisation
    }
    const s: Spare = { child, key: spareKey(env), dead: false };
    // A spare must never keep the program alive; it ends with it.
    child.unref();
    child.channel?.unref();
    child.once('exit', () => {
      s.dead = true;
      if (spare === s) spare = undefined;
    });
    child.once('error', () => { s.dead = true; });
    spare = s;
    if (!spareExitHook) {
      spareExitHook = true;
      process.on('exit', () => spare?.child.kill());
    }
  }).unref();
}

export class SpawnPopen implements Popen {
  private readonly child: ChildProcess;
  returncode: number | null = null;
  signal: NodeJS.Signals | null = null;
  private readonly exited: Promise<number>;
  private waiters = 0;

  constructor(bootstrap: Buffer, env: NodeJS.ProcessEnv) {
    this.child = takeSpare(spareKey(env)) ?? launch(env, false);
    this.child.ref();
    this.child.channel?.ref();
    prepareSpare(env);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.signal = signal;
        this.returncode = code ?? -signalNumber(signal ?? 'SIGKILL');
        resolve(this.returncode);
      });
    });
    this.child.on('error', () => {
      // A failed send after the child died; its exit is reported through 'exit'.
    });
    this.child.on('message', () => {
      // Reserved for later protocol messages; bootstrap is one-way.
    });
    this.child.send(bootstrap);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  onExit(listener: (returncode: number, signal: NodeJS.Signals | null) => void): void {
    void this.exited.then((code) => listener(code, this.signal));
  }

  release(): void {
    this.child.unref();
    this.child.channel?.unref();
  }

  async wait(timeoutMs?: number): Promise<number | null> {
    if (this.returncode !== null) return this.returncode;
    // Awaiting a join is what keeps the parent alive, as a blocked join() does in Python.
    if (this.waiters++ === 0) this.child.ref();
    try {
      if (timeoutMs === undefined) return await this.exited;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), Math.max(0, timeoutMs)); });
      const result = await Promise.race([this.exited, timeout]);
      clearTimeout(timer);
      return result;
    } finally {
      if (--this.waiters === 0) this.child.unref();
    }
  }

  terminate(): void {
    if (this.returncode === null) this.child.kill('SIGTERM');
  }

  kill(): void {
    if (this.returncode === null) this.child.kill('SIGKILL');
  }
}
