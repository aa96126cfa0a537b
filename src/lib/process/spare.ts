// The 'spare' start method, the analog of CPython's forkserver: another node is started ahead of
// need, with the loader and the library loaded, waiting for what to run. A start() takes it if
// nothing it was started with (flags, arguments, directory, environment) has changed since, and
// starts the next one; the first start(), with no spare yet, is a cold spawn.
import type { ChildProcess } from 'node:child_process';
import { ChildPopen, type Popen } from './popen';
import { spawnChild } from './spawn';

/** Marks a pre-started child in its command line (ps, the extension's OS tree); the child drops it from process.argv. */
export const SPARE_MARK = '--multiproc-spare';

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
  if (spare) return;
  setImmediate(() => {
    if (spare) return;
    let child: ChildProcess;
    try {
      child = spawnChild(env, SPARE_MARK);
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

export function sparePopen(bootstrap: Buffer, env: NodeJS.ProcessEnv): Popen {
  const child = takeSpare(spareKey(env)) ?? spawnChild(env);
  prepareSpare(env);
  return new ChildPopen(child, bootstrap);
}
