// What a process does when its own work is done, as Python's util._exit_function: daemon
// children are terminated, the others are joined, and the observer gets the last reports.
import { context } from './context';
import { flushReports } from '../reporter';
import { liveChildren } from './process';

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
export function installExitHandler(): void {
  if (installed) return;
  installed = true;
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
