#!/usr/bin/env node
// `multiproc run <program> [args…]`: runs a TypeScript or JavaScript program with the loader,
// exactly as `node --import multiproc/register <program>` would, and exits as it exits.
// `--watch` also shows the program's processes and queues as they change (see watch()).
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fail } from './fail';
import { watch } from './watch';

const USAGE = `usage: multiproc run [--watch] <program.ts|.js|.mjs|.cjs> [--watch] [arguments…]

Runs the program with multiproc's loader: TypeScript needs no build step, in the program and in
every process it starts. The same as: node --import multiproc/register <program> [arguments…]

--watch   show every process of the program and its queues as they change (redrawn on a
          terminal, a plain log otherwise), a table of exit codes at the end, and exit non-zero
          when any process failed. Put it before the program, or right after it; the program
          gets a literal --watch as "run <program> -- --watch".`;

function main(argv: string[]): void {
  const [command, ...afterCommand] = argv;
  let watching = false;
  while (afterCommand[0] === '--watch') {
    watching = true;
    afterCommand.shift();
  }
  const [program, ...rest] = afterCommand;
  if (rest[0] === '--watch') {
    watching = true;
    rest.shift();
  } else if (rest[0] === '--') {
    rest.shift();
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command !== 'run') fail(command ? `unknown command "${command}"\n\n${USAGE}` : USAGE);
  if (!program) fail(`run needs a program to run\n\n${USAGE}`);
  const file = path.resolve(program);
  let stats;
  try {
    stats = statSync(file);
  } catch {
    fail(`cannot run ${program}: no such file (${file})`);
  }
  if (!stats.isFile()) fail(`cannot run ${program}: it is not a file`);

  const register = pathToFileURL(path.join(__dirname, 'register.js')).href;
  if (watching) {
    void watch(file, [...process.execArgv, '--import', register, file, ...rest]);
    return;
  }
  const child = spawn(process.execPath, [...process.execArgv, '--import', register, file, ...rest], { stdio: 'inherit' });
  // The terminal sends ^C to the whole group; a signal sent to us alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (error) => fail(`cannot start ${process.execPath}: ${error.message}`));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}

main(process.argv.slice(2));
