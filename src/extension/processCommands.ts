// The commands on one process of a run: signal it (or its tree), wait for it to end, copy its pid.
import * as vscode from 'vscode';
import { formatDuration, formatExit } from '../observer/format';
import type { ProcessInfo } from '../observer/model';
import type { CommandHandler } from './commands';
import type { Pickers } from './pickers';
import { signal, type Run } from './runs';

export function processCommands(pickers: Pickers): Record<string, CommandHandler> {
  const sendSignal = async (arg: unknown, sig: NodeJS.Signals, title: string, tree: boolean) => {
    const target = await pickers.process(arg, title);
    if (!target) return undefined;
    const pids = tree ? target.run.model.descendantsOf(target.pid).map((p) => p.pid) : [target.pid];
    let sent = 0;
    for (const pid of pids) {
      if (target.run.model.process(pid)?.state !== 'exited' && signal(pid, sig)) sent += 1;
    }
    if (sent === 0) void vscode.window.showInformationMessage(`multiproc: pid ${target.pid} has already exited`);
    return sent;
  };

  return {
    'multiproc.terminate': (arg?: unknown) => sendSignal(arg, 'SIGTERM', 'Terminate which process?', false),
    'multiproc.kill': (arg?: unknown) => sendSignal(arg, 'SIGKILL', 'Kill which process?', false),
    'multiproc.terminateTree': (arg?: unknown) => sendSignal(arg, 'SIGTERM', 'Terminate which process tree?', true),
    'multiproc.join': async (arg?: unknown, opts?: unknown) => {
      const target = await pickers.process(arg, 'Join which process?');
      return target && join(target.run, target.pid, (opts as { timeoutMs?: number } | undefined)?.timeoutMs);
    },
    'multiproc.copyPid': async (arg?: unknown) => {
      const target = await pickers.process(arg, 'Copy the PID of which process?');
      if (!target) return undefined;
      await vscode.env.clipboard.writeText(String(target.pid));
      vscode.window.setStatusBarMessage(`multiproc: copied pid ${target.pid}`, 3000);
      return target.pid;
    },
  };
}

/** Waits, with a cancellable notification, for a process to end; its exit code, or undefined when the wait ended first. */
async function join(run: Run, pid: number, timeoutMs: number | undefined): Promise<number | undefined> {
  const name = run.model.process(pid)?.name ?? `pid ${pid}`;
  const exited = () => run.model.process(pid)?.state === 'exited' ? run.model.process(pid) : undefined;
  const result = await vscode.window.withProgress({
    location: vscode.ProgressLocation.Notification, title: `Joining ${name} (pid ${pid})…`, cancellable: true,
  }, (_progress, token) => new Promise<ProcessInfo | 'cancelled' | 'timeout'>((resolve) => {
    const configured = (vscode.workspace.getConfiguration('multiproc', run.file).get<number>('joinTimeout') ?? 0) * 1000;
    const wait = timeoutMs ?? configured;
    const end = wait > 0 ? Date.now() + wait : Infinity;
    const check = () => {
      const p = exited();
      if (p) return finish(p);
      if (token.isCancellationRequested) return finish('cancelled');
      if (Date.now() > end) return finish('timeout');
    };
    const unsubscribe = run.model.onChange(check);
    const poll = setInterval(check, 250);
    const finish = (r: ProcessInfo | 'cancelled' | 'timeout') => {
      unsubscribe();
      clearInterval(poll);
      resolve(r);
    };
    token.onCancellationRequested(check);
    check();
  }));
  if (result === 'cancelled' || result === 'timeout') {
    void vscode.window.showInformationMessage(`multiproc: join of ${name} ${result === 'timeout' ? 'timed out' : 'cancelled'}; it is still running`);
    return undefined;
  }
  const message = `multiproc: ${name} (pid ${pid}) exited: ${formatExit(result)}${result.endTime ? ` after ${formatDuration(result.endTime - result.startTime)}` : ''}`;
  if (result.exitCode !== 0) void vscode.window.showWarningMessage(message);
  else void vscode.window.showInformationMessage(message);
  return result.exitCode;
}
