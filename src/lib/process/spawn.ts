// The 'spawn' start method, as CPython's popen_spawn_posix: a fresh interpreter (`node` with the
// multiproc loader) that loads the program's modules again and receives what to run over its
// IPC channel.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProcessError } from '../base/errors';
import { ChildPopen, type Popen } from './popen';

/** The child entry and loader that every spawned process starts with. */
const here = __dirname;
const CHILD_ENTRY = path.join(here, 'child.js');
const REGISTER_ENTRY = path.join(here, 'register.js');

const DROPPED_FLAGS = /^--(test|watch|eval|print|input-type|check|interactive)\b|^-[epci]$/;
const FLAGS_WITH_VALUE = /^--(import|require|loader|experimental-loader|input-type|test-reporter|test-reporter-destination|test-name-pattern|test-concurrency)$|^-r$/;

/** The parent's node flags that a child should run with (memory limits, conditions…), minus the entry-point ones. */
function childExecArgv(execArgv: readonly string[]): string[] {
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

/**
 * Starts the child entry with the program's flags and arguments; `mark`, if given, goes before
 * the arguments (the child drops it from process.argv).
 */
export function spawnChild(env: NodeJS.ProcessEnv, mark?: string): ChildProcess {
  const child = spawn(process.execPath, [...childExecArgv(process.execArgv), CHILD_ENTRY, ...(mark ? [mark] : []), ...process.argv.slice(2)], {
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

export function spawnPopen(bootstrap: Buffer, env: NodeJS.ProcessEnv): Popen {
  return new ChildPopen(spawnChild(env), bootstrap);
}
