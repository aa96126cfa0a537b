// What a process does when its own work is done, as Python's util._exit_function: daemon
// children are terminated, the others are joined, and the observer gets the last reports.
import { context } from './context';
import { flushReports } from '../reporter';

/** What ending a child takes (a Process; given by process.ts, which imports this module). */
interface Child {
  readonly daemon: boolean;
  terminate(): void;
  join(): Promise<void>;
}

/** The children still running; none until the first start() installs the handler. */
let liveChildren: () => Child[] = () => [];

/** Terminates daemon children, then waits for the others. */
export async function finishChildren(): Promise<void> {
  context.finishing = true;
  for (const p of liveChildren()) if (p.daemon) p.terminate();
  for (const p of liveChildren()) await p.join();
}

let installed = false;
let finishing = false;

/**
 * In the main process, "the main code has ended" is Node's `beforeExit`: nothing but (unref'd)
 * children is left. That is when Python terminates daemon children and joins the rest.
 */
export function installExitHandler(live: () => Child[]): void {
  if (installed) return;
  installed = true;
  liveChildren = live;
  process.on('beforeExit', () => {
    if (finishing) return;
    if (liveChildren().length === 0) {
      finishing = true;
      void flushReports();
      return;
    }
    void finishChildren();
  });
  // Past this point nothing can be awaited: end daemon children so none outlives us. The
  // others notice their parent is gone through their IPC channel and exit too.
  process.on('exit', () => {
    context.finishing = true;
    for (const p of liveChildren()) if (p.daemon) p.terminate();
  });
}
