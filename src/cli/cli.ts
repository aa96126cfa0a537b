#!/usr/bin/env node
// `multiproc run <program> [args…]`: runs a TypeScript or JavaScript program with the loader,
// exactly as `node --import multiproc/register <program>` would, and exits as it exits.
// `--watch` also shows the program's processes and queues as they change (watch.ts).
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { USAGE, parseCommand } from './args';
import { dieWithUs, exitStatus, fail } from './fail';
import { watch } from './watch';

function main(argv: string[]): void {
  const command = parseCommand(argv);
  if (command.kind === 'help') return void process.stdout.write(`${USAGE}\n`);
  if (command.kind === 'version') return void process.stdout.write(`${version()}\n`);
  if (command.kind === 'error') fail(`${command.message}\n\n${USAGE}`);
  const { program, programArgs, nodeArgs } = command;
  const file = path.resolve(program);
  let stats;
  try {
    stats = statSync(file);
  } catch {
    fail(`cannot run ${program}: no such file (${file})`);
  }
  if (!stats.isFile()) fail(`cannot run ${program}: it is not a file`);

  const register = pathToFileURL(path.join(__dirname, 'register.js')).href;
  const args = [...process.execArgv, ...nodeArgs, '--import', register, file, ...programArgs];
  if (command.watch) {
    void watch(file, args);
    return;
  }
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...dieWithUs() } });
  // The terminal sends ^C to the whole group; a signal sent to us alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (error) => fail(`cannot start ${process.execPath}: ${error.message}`));
  child.on('exit', (code, signal) => process.exit(exitStatus(code, signal)));
}

function version(): string {
  // dist/lib/cli.js, two levels below the package's root
  return (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}

main(process.argv.slice(2));
