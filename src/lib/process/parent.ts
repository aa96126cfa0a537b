// parent_process(): the process that started this one, watched through the IPC channel that
// links them (its closing is how a child learns its parent is gone, even after SIGKILL).
import { inspect } from 'node:util';
import { context } from './context';
import { toMs } from '../base/timeout';
import { resolveAll, wait, type Waiter } from '../base/waiters';

let gone = false;
const goneWaiters: Array<Waiter<void>> = [];

/** Called by the child entry when the channel to the parent closes. */
export function parentGone(): void {
  gone = true;
  resolveAll(goneWaiters, undefined);
}

export class ParentProcess {
  constructor(readonly name: string, readonly pid: number) {}

  isAlive(): boolean {
    return !gone;
  }

  /** Waits until the parent ends, or `timeout` seconds pass. */
  async join(timeout?: number | null): Promise<void> {
    const ms = toMs(timeout);
    if (!gone) await wait(goneWaiters, ms, () => undefined);
  }

  [inspect.custom](): string {
    return `<ParentProcess name='${this.name}' pid=${this.pid} ${gone ? 'stopped' : 'started'}>`;
  }
}

let parent: ParentProcess | null | undefined;

/** The parent of this process; null in the main process. */
export function parentProcess(): ParentProcess | null {
  if (parent === undefined) parent = context.parent ? new ParentProcess(context.parent.name, context.parent.pid) : null;
  return parent;
}
