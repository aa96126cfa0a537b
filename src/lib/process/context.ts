// What this OS process knows about itself as a multiproc process: its identity in the tree of
// processes, whether it is the main one, and the counters Python keeps per process.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';

export interface ParentInfo {
  pid: number;
  name: string;
}

export interface ProcessContext {
  /** True in every process started by the library; set by the child entry before anything loads. */
  isChild: boolean;
  /** True while a child is still loading the program's modules (Python's bootstrapping phase). */
  bootstrapping: boolean;
  /** Python's `_identity`: [] in the main process, [1] for Process-1, [1, 2] for Process-1:2. */
  identity: number[];
  name: string;
  daemon: boolean;
  authkey: Buffer;
  parent: ParentInfo | null;
  /** Numbers the Processes created here, as Python's `_counter` does. */
  nextChildNumber: number;
  /** Set once this process's own work is done and it is ending its children: pools start no replacements. */
  finishing: boolean;
}

export const context: ProcessContext = {
  isChild: false,
  bootstrapping: false,
  identity: [],
  name: 'MainProcess',
  daemon: false,
  authkey: randomBytes(32),
  parent: null,
  nextChildNumber: 1,
  finishing: false,
};

/**
 * The analog of Python's `if __name__ == '__main__':` guard. A child loads the program's modules
 * again to find its target, and must not run the program's main part; code behind this guard
 * runs only in the process the user started.
 */
export function isMainProcess(): boolean {
  return !context.isChild;
}

export function cpuCount(): number {
  return availableParallelism();
}
