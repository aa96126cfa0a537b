// The VS Code extension: a thin layer over the library. It owns the Processes view and the
// commands; everything that is not about VS Code lives in src/lib (which never imports vscode).
import * as vscode from 'vscode';
import { formatDuration, formatExit, formatExitTable } from '../observer/format';
import { abnormal, type ExitRow, type ProcessInfo } from '../observer/model';
import { registerCommands } from './commands';
import { UpdateLatency } from './latency';
import { ProcessModel, type ProcessNode } from './processModel';
import { ProcessTreeProvider } from './processTree';
import { Run, signal } from './runs';

export const PROCESSES_VIEW = 'multiproc.processes';
export const EXIT_CODES_SCHEME = 'multiproc-exit-codes';

/** What activate() returns; the extension's tests use it to look at the view. */
export interface MultiprocApi {
  readonly model: ProcessModel<Run>;
  readonly processesView: vscode.TreeView<ProcessNode<Run>>;
  /** Lines the extension logged (dropped connections, failed samples), newest last. */
  readonly log: readonly string[];
  readonly statusBar: vscode.StatusBarItem;
  readonly provider: ProcessTreeProvider<Run>;
  /** For tests and diagnostics: milliseconds from a report's arrival to VS Code's update of the view. */
  readonly latency: UpdateLatency;
}

const PROGRAM_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

export function activate(context: vscode.ExtensionContext): MultiprocApi {
  const model = new ProcessModel<Run>();
  const latency = new UpdateLatency();
  const provider = new ProcessTreeProvider(model);
  const timed = latency.watch(provider);
  const processesView = vscode.window.createTreeView(PROCESSES_VIEW, { treeDataProvider: timed.provider, showCollapseAll: true });
  const logChannel = vscode.window.createOutputChannel('multiproc');
  const log: string[] = [];
  const logLine = (line: string) => {
    log.push(line);
    if (log.length > 500) log.shift();
    logChannel.appendLine(line);
  };
  context.subscriptions.push(provider, processesView, logChannel, vscode.window.registerFileDecorationProvider(provider));
  if (timed.subscription) context.subscriptions.push(timed.subscription);

  // --- status bar and the clock of live runs ----------------------------------------------
  const statusBar = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  statusBar.command = `${PROCESSES_VIEW}.focus`;
  context.subscriptions.push(statusBar);
  const activeRun = (): Run | undefined => {
    const runs = model.getRuns();
    return [...runs].reverse().find((r) => r.live) ?? runs.at(-1);
  };
  const updateStatus = () => {
    const run = activeRun();
    if (!run) {
      statusBar.hide();
      return;
    }
    const live = run.model.liveProcesses().length;
    statusBar.text = run.live ? `$(server-process) ${live} live` : `$(server-process) ${run.model.failed ? '$(error) ' : ''}${run.label} ended`;
    statusBar.tooltip = `multiproc: ${run.label} #${run.seq} — ${run.live ? `${live} live processes` : 'ended'}. Click to show the Processes view.`;
    statusBar.show();
  };
  context.subscriptions.push({ dispose: model.onDidChange(updateStatus) });
  // elapsed times of live runs move on even when nothing is reported
  const clock = setInterval(() => {
    model.touchRuns(model.getRuns().filter((r) => r.live));
    updateStatus();
  }, 1000);
  context.subscriptions.push({ dispose: () => clearInterval(clock) });
  let seq = 0;

  // --- the exit-code table, as a read-only document ---------------------------------------
  const tables = new Map<string, string>();
  const tableChanged = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(tableChanged, vscode.workspace.registerTextDocumentContentProvider(EXIT_CODES_SCHEME, {
    onDidChange: tableChanged.event,
    provideTextDocumentContent: (uri) => tables.get(uri.toString()) ?? '',
  }));

  // --- picking what a command acts on ------------------------------------------------------
  const liveProcessPick = async (title: string, filter: (p: ProcessInfo) => boolean = () => true) => {
    const items = model.getRuns().flatMap((run) => run.model.liveProcesses().filter(filter).map((p) => ({
      label: p.name, description: `pid ${p.pid} · ${run.label} #${run.seq}`, detail: p.target ?? p.command, run, pid: p.pid,
    })));
    if (items.length === 0) {
      void vscode.window.showInformationMessage('multiproc: no live processes');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(items, { title, matchOnDescription: true });
    return pick && { run: pick.run, pid: pick.pid };
  };
  const processArg = async (arg: unknown, title: string) => {
    const node = arg as ProcessNode<Run> | undefined;
    if (node?.kind === 'process') return { run: node.run, pid: node.pid };
    if (isPidArg(arg)) {
      const run = model.getRuns().find((r) => r.model.process(arg.pid));
      return run && { run, pid: arg.pid };
    }
    return liveProcessPick(title);
  };
  const runArg = async (arg: unknown, title: string, onlyLive: boolean): Promise<Run | undefined> => {
    const node = arg as ProcessNode<Run> | undefined;
    if (node && 'run' in node && node.run instanceof Run) return node.run;
    const runs = [...model.getRuns()].reverse().filter((r) => !onlyLive || r.live);
    if (runs.length <= 1) return runs[0];
    const pick = await vscode.window.showQuickPick(runs.map((run) => ({ label: `${run.label} #${run.seq}`, description: run.live ? 'running' : 'ended', run })), { title });
    return pick?.run;
  };

  // Where a run failed (a syntax error, an uncaught error), in the Problems panel and the editor,
  // until that program runs again or the file with the problem is edited: running another
  // program in between does not make it any less true.
  const problems = vscode.languages.createDiagnosticCollection('multiproc');
  const problemOf = new Map<string, vscode.Uri>(); // program → the file its last failure points at
  context.subscriptions.push(problems, vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.contentChanges.length) problems.delete(e.document.uri);
  }));
  const showProblem = (run: Run) => {
    const at = run.failedAt;
    if (!at) return;
    const pos = new vscode.Position(Math.max(0, at.line - 1), Math.max(0, (at.column ?? 1) - 1));
    const diagnostic = new vscode.Diagnostic(new vscode.Range(pos, pos), `${run.label} #${run.seq} failed: ${at.message}`, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'multiproc';
    const uri = vscode.Uri.file(at.file);
    problems.set(uri, [diagnostic]);
    problemOf.set(run.file.fsPath, uri);
  };

  const startRun = async (file: vscode.Uri): Promise<Run> => {
    const last = problemOf.get(file.fsPath);
    if (last) problems.delete(last);
    problemOf.delete(file.fsPath);
    const run = new Run(++seq, file, context.extensionPath, logLine, () => latency.arrived());
    model.add(run);
    context.subscriptions.push(run);
    void run.whenExited().then(() => showProblem(run));
    await run.start();
    updateStatus();
    return run;
  };

  const sendSignal = async (arg: unknown, sig: NodeJS.Signals, title: string, tree: boolean) => {
    const target = await processArg(arg, title);
    if (!target) return undefined;
    const pids = tree ? target.run.model.descendantsOf(target.pid).map((p) => p.pid) : [target.pid];
    let sent = 0;
    for (const pid of pids) {
      if (target.run.model.process(pid)?.state !== 'exited' && signal(pid, sig)) sent += 1;
    }
    if (sent === 0) void vscode.window.showInformationMessage(`multiproc: pid ${target.pid} has already exited`);
    return sent;
  };

  registerCommands(context, {
    'multiproc.run': async (arg?: unknown) => {
      // A path the caller names (the explorer, another extension, a test) is run as given, and
      // the run says what is wrong with it; only the active editor's file must look like a program.
      const editor = vscode.window.activeTextEditor?.document.uri;
      let file = arg instanceof vscode.Uri ? arg : editor?.scheme === 'file' && PROGRAM_FILE.test(editor.fsPath) ? editor : undefined;
      if (!file) {
        const picked = await vscode.window.showOpenDialog({
          title: 'Run with multiproc', canSelectMany: false, filters: { Programs: ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'] },
        });
        file = picked?.[0];
      }
      if (!file) return undefined;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
      if (doc?.isDirty) await doc.save();
      const run = await startRun(file);
      void vscode.commands.executeCommand(`${PROCESSES_VIEW}.focus`);
      return run;
    },
    'multiproc.stopRun': async (arg?: unknown) => {
      const run = await runArg(arg, 'Stop which run?', true);
      if (run) await run.stop();
      return run;
    },
    'multiproc.rerun': async (arg?: unknown) => {
      const run = await runArg(arg, 'Re-run which program?', false);
      if (!run) return undefined;
      if (run.live) await run.stop();
      return startRun(run.file);
    },
    'multiproc.terminate': (arg?: unknown) => sendSignal(arg, 'SIGTERM', 'Terminate which process?', false),
    'multiproc.kill': (arg?: unknown) => sendSignal(arg, 'SIGKILL', 'Kill which process?', false),
    'multiproc.terminateTree': (arg?: unknown) => sendSignal(arg, 'SIGTERM', 'Terminate which process tree?', true),
    'multiproc.join': async (arg?: unknown, opts?: unknown) => {
      const options = opts as { timeoutMs?: number } | undefined;
      const target = await processArg(arg, 'Join which process?');
      if (!target) return undefined;
      const { run, pid } = target;
      const name = run.model.process(pid)?.name ?? `pid ${pid}`;
      const exited = () => run.model.process(pid)?.state === 'exited' ? run.model.process(pid) : undefined;
      const result = await vscode.window.withProgress({
        location: vscode.ProgressLocation.Notification, title: `Joining ${name} (pid ${pid})…`, cancellable: true,
      }, (_progress, token) => new Promise<ProcessInfo | 'cancelled' | 'timeout'>((resolve) => {
        const configured = (vscode.workspace.getConfiguration('multiproc', run.file).get<number>('joinTimeout') ?? 0) * 1000;
        const timeoutMs = options?.timeoutMs ?? configured;
        const end = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
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
    },
    'multiproc.showExitCodes': async (arg?: unknown) => {
      const run = await runArg(arg, 'Exit codes of which run?', false);
      if (!run) {
        void vscode.window.showInformationMessage('multiproc: no runs yet');
        return undefined;
      }
      const uri = vscode.Uri.from({ scheme: EXIT_CODES_SCHEME, path: `/${run.label} #${run.seq} exit codes` });
      tables.set(uri.toString(), exitCodeTable(run, run.model.exitTable()));
      tableChanged.fire(uri);
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: false });
      return doc;
    },
    'multiproc.copyPid': async (arg?: unknown) => {
      const target = await processArg(arg, 'Copy the PID of which process?');
      if (!target) return undefined;
      await vscode.env.clipboard.writeText(String(target.pid));
      vscode.window.setStatusBarMessage(`multiproc: copied pid ${target.pid}`, 3000);
      return target.pid;
    },
    'multiproc.revealOutput': async (arg?: unknown) => {
      const run = await runArg(arg, 'Output of which run?', false);
      run?.output.show(true);
      return run;
    },
    'multiproc.clearFinished': () => {
      for (const run of [...model.getRuns()]) {
        if (run.live) run.model.clearFinished();
        else {
          model.remove(run);
          run.dispose();
        }
      }
      updateStatus();
    },
  });

  return { model, processesView, log, statusBar, provider, latency };
}

function isPidArg(arg: unknown): arg is { pid: number } {
  return typeof arg === 'object' && arg !== null && typeof (arg as { pid?: unknown }).pid === 'number' && !('kind' in arg);
}

function exitCodeTable(run: Run, rows: ExitRow[]): string {
  const failed = rows.filter(abnormal).length;
  return [
    `${run.label} #${run.seq} — ${run.model.script}`,
    `${rows.length} processes, ${failed} ended abnormally${run.live ? ' (the run is still live)' : ''}`,
    '',
    ...formatExitTable(rows),
    '',
  ].join('\n');
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}

