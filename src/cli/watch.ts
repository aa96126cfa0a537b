// `multiproc run --watch`: the program runs with an observer, and its processes and queues are
// shown as they change.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { abnormal, RunModel } from '../observer/model';
import { formatDuration, formatExit, formatExitTable } from '../observer/format';
import { OsSampler } from '../observer/process-table';
import { ObserverServer } from '../observer/server';
import { renderTree } from '../observer/text-tree';
import { dieWithUs, exitStatus, fail } from './fail';

/**
 * `run --watch`: the program runs with an observer. On a terminal the process tree is kept
 * below the program's output and redrawn as it changes; otherwise each start and exit is a log
 * line. The end prints the exit-code table; the exit status is the program's, or 1 when it
 * exited 0 but one of its processes failed.
 */
export async function watch(file: string, args: string[]): Promise<void> {
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
    env: { ...process.env, ...server.env(), ...dieWithUs() },
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
  // Colours as the terminal and NO_COLOR / FORCE_COLOR allow (Node's own rule).
  const color = tty && process.stdout.hasColors();
  const width = () => (process.stdout.columns || 100) - 1;
  /** The tree as last drawn, so that it can be erased after the terminal has reflowed it. */
  let drawnLines: string[] = [];
  let drawn = 0;
  const treeLines = () => {
    const lines = renderTree(model, { color, width: width() });
    const room = Math.max(3, (process.stdout.rows || 40) - 2);
    return lines.length <= room ? lines : [...lines.slice(0, room - 1), `  … ${lines.length - room + 1} more lines`];
  };
  const draw = () => {
    if (!tty) return;
    const lines = treeLines();
    process.stdout.write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
    drawnLines = lines;
    drawn = lines.length;
  };
  // A narrower terminal wraps each drawn line over several rows: erase as many rows as they take now.
  process.stdout.on('resize', () => {
    const columns = process.stdout.columns || 100;
    drawn = drawnLines.reduce((rows, line) => rows + Math.max(1, Math.ceil(stripVTControlCharacters(line).length / columns)), 0);
    draw();
  });
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
  const os = new OsSampler(child.pid);
  const sampler = tty ? setInterval(() => {
    void os.sample().then((rows) => { if (model.live) model.applySample(rows); });
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
      if (tty) process.stdout.write(`${renderTree(model, { color, width: width() }).join('\n')}\n`);
      const failed = model.allProcesses().filter(abnormal);
      const out = tty ? process.stdout : process.stderr;
      out.write(`\n${formatExitTable(model.exitTable()).join('\n')}\n`);
      out.write(`${failed.length ? `${failed.length} of ${model.allProcesses().length} processes failed: ${failed.map((p) => p.name).join(', ')}` : `all ${model.allProcesses().length} processes exited 0`}\n`);
      void server.close().then(() => {
        model.dispose();
        process.exit(code !== 0 || signal ? exitStatus(code, signal) : failed.length ? 1 : 0);
      });
    }, 300);
  });
}
