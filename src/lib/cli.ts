#!/usr/bin/env node
// `multiproc run <program> [args…]`: runs a TypeScript or JavaScript program with the loader,
// exactly as `node --import multiproc/register <program>` would, and exits as it exits.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const USAGE = `usage: multiproc run <program.ts|.js|.mjs|.cjs> [arguments…]

Runs the program with multiproc's loader: TypeScript needs no build step, in the program and in
every process it starts. The same as: node --import multiproc/register <program> [arguments…]`;

function fail(message: string): never {
  process.stderr.write(`multiproc: ${message}\n`);
  process.exit(2);
}

function main(argv: string[]): void {
  const [command, program, ...rest] = argv;
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
