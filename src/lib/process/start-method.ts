// How a Process becomes an OS process, chosen here as CPython's context.py picks a Popen class:
// 'spawn' starts a fresh node (spawn.ts), 'spare' hands the work to a node started ahead of
// need (spare.ts, the analog of forkserver). MULTIPROC_WARM_SPARE=0 makes it 'spawn'.
import type { Popen } from './popen';
import { sparePopen } from './spare';
import { spawnPopen } from './spawn';

export type StartMethod = 'spawn' | 'spare';

const popens: Record<StartMethod, (bootstrap: Buffer, env: NodeJS.ProcessEnv) => Popen> = { spawn: spawnPopen, spare: sparePopen };

/** Read at each start(), as the environment may change while the program runs. */
export function startMethod(): StartMethod {
  return process.env.MULTIPROC_WARM_SPARE === '0' ? 'spawn' : 'spare';
}

/** Starts the OS process for a Process and sends it `bootstrap`, what to run. */
export function startPopen(bootstrap: Buffer, env: NodeJS.ProcessEnv): Popen {
  return popens[startMethod()](bootstrap, env);
}
