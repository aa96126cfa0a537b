// Exit codes as the reports carry them, which are Python's: the exit status, or −N when signal N
// ended the process. Both the library (which makes them) and the observer (which names the
// signal back) read them this way.
import { constants } from 'node:os';

const numbers = constants.signals as Record<string, number>;

/** Python's exitcode of a process that ended with `code`, or by `signal`; undefined when neither is known. */
export function exitCodeOf(code: number | null, signal: string | null): number | undefined {
  return code ?? (signal ? -(numbers[signal] ?? 0) : undefined);
}

/** "SIGTERM" for 15; undefined for a number that is no signal here. */
export function signalName(n: number): string | undefined {
  for (const [name, num] of Object.entries(numbers)) if (num === n) return name;
  return undefined;
}
