// How the CLI ends: status 2 for a bad command line; the program's status otherwise, 128+N when
// signal N ended it, as a shell reports it; and the program with it, however it ends.
import { constants } from 'node:os';

/** Ends the CLI with status 2 (a usage or start-up error), saying why on stderr. */
export function fail(message: string): never {
  process.stderr.write(`multiproc: ${message}\n`);
  process.exit(2);
}

/** The status to exit with for a program that exited with `code` or was ended by `signal`. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

/** Asks the program's loader to end the program when this CLI dies, even by SIGKILL (Linux). */
export function dieWithUs(): NodeJS.ProcessEnv {
  return { MULTIPROC_DIE_WITH_PARENT: String(process.pid) };
}
