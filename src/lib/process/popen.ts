// What a started Process is to its parent, whichever way its OS process was started (see
// start-method.ts): the analog of CPython's Popen objects.
import type { ChildProcess } from 'node:child_process';
import { resolveAll, wait, type Waiter } from '../base/waiters';
import { exitCodeOf } from '../../wire/exit-codes';

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

/** A child entry started by a start method, given what to run. */
export class ChildPopen implements Popen {
  returncode: number | null = null;
  signal: NodeJS.Signals | null = null;
  private readonly exited: Promise<number>;
  private readonly waiters: Array<Waiter<number | null>> = [];

  constructor(private readonly child: ChildProcess, bootstrap: Buffer) {
    // Until release(), a child keeps its parent alive, as a fresh spawn does; a warm spare was started unref'd.
    this.child.ref();
    this.child.channel?.ref();
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.signal = signal;
        // Node gives neither for a child it could not wait for: as if killed
        this.returncode = exitCodeOf(code, signal ?? 'SIGKILL')!;
        resolve(this.returncode);
        resolveAll(this.waiters, this.returncode);
      });
    });
    this.child.on('error', () => {
      // A failed send after the child died; its exit is reported through 'exit'.
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

  wait(timeoutMs?: number): Promise<number | null> {
    if (this.returncode !== null) return Promise.resolve(this.returncode);
    // Awaiting a join is what keeps the parent alive, as a blocked join() does in Python.
    if (this.waiters.length === 0) this.child.ref();
    return wait(this.waiters, timeoutMs, () => null, {
      onSettle: () => { if (this.waiters.length === 0) this.child.unref(); },
    });
  }

  terminate(): void {
    if (this.returncode === null) this.child.kill('SIGTERM');
  }

  kill(): void {
    if (this.returncode === null) this.child.kill('SIGKILL');
  }
}
