#!/usr/bin/env node
// `multiproc run <program> [args…]`: runs a TypeScript or JavaScript program with the loader,
// exactly as `node --import multiproc/register <program>` would, and exits as it exits.
// `--watch` also shows the program's processes and queues as they change (see watch()).
import { execFile, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RunModel, abnormal, descendantsIn, formatDuration, formatExit, formatExitTable, parsePs, renderTree } from '../observer/model';
import { ObserverServer } from '../observer/server';

const USAGE = `usage: multiproc run [--watch] <program.ts|.js|.mjs|.cjs> [--watch] [arguments…]

Runs the program with multiproc's loader: TypeScript needs no build step, in the program and in
every process it starts. The same as: node --import multiproc/register <program> [arguments…]

--watch   show every process of the program and its queues as they change (redrawn on a
          terminal, a plain log otherwise), a table of exit codes at the end, and exit non-zero
          when any process failed. Put it before the program, or right after it; the program
          gets a literal --watch as "run <program> -- --watch".`;

function fail(message: string): never {
  process.stderr.write(`multiproc: ${message}\n`);
  process.exit(2);
}

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

/**
 * `run --watch`: the program runs with an observer. On a terminal the process tree is kept
 * below the program's output and redrawn as it changes; otherwise each start and exit is a log
 * line. The end prints the exit-code table; the exit status is the program's, or 1 when it
 * exited 0 but one of its processes failed.
 */
async function watch(file: string, args: string[]): Promise<void> {
  const tty = !!process.stdout.isTTY && process.env.TERM !== 'dumb';
  const model = new RunModel({ id: '1', script: file });
  const log = (line: string) => process.stderr.write(`[multiproc] ${line}\n`);
  const server = await ObserverServer.start({
    onReport: (r) => {
      model.apply(r);
      if (tty) return;
      if (r.t === 'start') log(`started ${r.name} (pid ${r.pid}) in ${model.process(r.ppid)?.name ?? `pid ${r.ppid}`}${r.daemon ? ', daemon' : ''}`);
      if (r.t === 'exit') {
        const p = model.process(r.pid);
        log(`${p?.name ?? `pid ${r.pid}`} (pid ${r.pid}) ${formatExit(p ?? r)}${p ? ` after ${formatDuration(r.time - p.startTime)}` : ''}`);
      }
    },
    onPeer: (pid) => model.peer(pid),
    onLog: (m) => log(m),
  });
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...server.env() },
    stdio: ['inherit', tty ? 'pipe' : 'inherit', tty ? 'pipe' : 'inherit'],
  });
  if (child.pid === undefined) {
    child.once('error', (e) => fail(`cannot start ${process.execPath}: ${e.message}`));
    return;
  }
  model.mainStarted(child.pid, [process.execPath, ...args].join(' '));
  if (!tty) log(`started MainProcess (pid ${child.pid}): ${path.basename(file)}`);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));

  // The tree stays under the output: erase it, write the output, draw it again. Only whole lines
  // of output go out (a partial line would share a line with the tree), and the tree is cut to
  // the screen, since the cursor cannot move above the top of it to erase.
  let drawn = 0;
  const treeLines = () => {
    const lines = renderTree(model, { color: true, width: (process.stdout.columns || 100) - 1 });
    const room = Math.max(3, (process.stdout.rows || 40) - 2);
    return lines.length <= room ? lines : [...lines.slice(0, room - 1), `  … ${lines.length - room + 1} more lines`];
  };
  const draw = () => {
    if (!tty) return;
    const lines = treeLines();
    process.stdout.write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const erase = () => {
    if (drawn) process.stdout.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  const partial = new Map<NodeJS.WriteStream, string>();
  const passOn = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
    const text = (partial.get(stream) ?? '') + chunk.toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    partial.set(stream, text.slice(end));
    if (end === 0) return;
    erase();
    stream.write(text.slice(0, end));
    draw();
  };
  const flushPartial = () => {
    for (const [stream, rest] of partial) if (rest) stream.write(`${rest}\n`);
    partial.clear();
  };
  child.stdout?.on('data', passOn(process.stdout));
  child.stderr?.on('data', passOn(process.stderr));
  model.onChange(draw);
  // CPU and memory from the OS, while there is a terminal to show them
  const sampler = tty && process.platform !== 'win32' ? setInterval(() => {
    execFile('ps', ['-A', '-o', 'pid=,ppid=,pcpu=,rss=,args='], (error, stdout) => {
      if (!error && model.live) model.applySample(descendantsIn(parsePs(stdout), child.pid!));
    });
  }, 1000) : undefined;
  const clock = tty ? setInterval(draw, 1000) : undefined;
  draw();

  child.once('exit', (code, signal) => {
    clearInterval(sampler);
    clearInterval(clock);
    // the last reports of the program's processes may still be on their way
    setTimeout(() => {
      model.mainExited(code, signal);
      model.flush();
      erase();
      flushPartial();
      if (tty) process.stdout.write(`${renderTree(model, { color: true, width: (process.stdout.columns || 100) - 1 }).join('\n')}\n`);
      const failed = model.allProcesses().filter(abnormal);
      const out = tty ? process.stdout : process.stderr;
      out.write(`\n${formatExitTable(model.exitTable()).join('\n')}\n`);
      out.write(`${failed.length ? `${failed.length} of ${model.allProcesses().length} processes failed: ${failed.map((p) => p.name).join(', ')}` : `all ${model.allProcesses().length} processes exited 0`}\n`);
      void server.close().then(() => {
        model.dispose();
        process.exit(code !== null && code !== 0 ? code : signal ? 128 + 15 : failed.length ? 1 : 0);
      });
    }, 300);
  });
}

main(process.argv.slice(2));
