// The VS Code extension: the Processes view of the programs it runs, and the commands on them.
// activate() only wires the pieces of src/extension together. What is not about VS Code lives
// elsewhere: the model of a run, its observer server and OS sampling in src/observer, the
// report format in src/wire; programs import the library, src/lib.
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { FailureDiagnostics } from './diagnostics';
import { ExitCodes } from './exitCodes';
import { UpdateLatency } from './latency';
import { Log } from './log';
import { Pickers } from './pickers';
import { processCommands } from './processCommands';
import { ProcessModel, type ProcessNode } from './processModel';
import { PROCESSES_VIEW, ProcessTreeProvider } from './processTree';
import { runCommands } from './runCommands';
import type { Run } from './runs';
import { StatusBar } from './statusBar';

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

export function activate(context: vscode.ExtensionContext): MultiprocApi {
  const model = new ProcessModel<Run>();
  const latency = new UpdateLatency();
  const provider = new ProcessTreeProvider(model);
  const timed = latency.watch(provider);
  const processesView = vscode.window.createTreeView(PROCESSES_VIEW, { treeDataProvider: timed.provider, showCollapseAll: true });
  const log = new Log();
  const statusBar = new StatusBar(model);
  const pickers = new Pickers(model);
  const diagnostics = new FailureDiagnostics();
  const exitCodes = new ExitCodes();
  context.subscriptions.push(provider, processesView, vscode.window.registerFileDecorationProvider(provider), log, statusBar, diagnostics, exitCodes);
  if (timed.subscription) context.subscriptions.push(timed.subscription);

  registerCommands(context, {
    ...runCommands({ context, model, log: log.line, latency, pickers, diagnostics, exitCodes, statusBar }),
    ...processCommands(pickers),
  });
  return { model, processesView, log: log.lines, statusBar: statusBar.item, provider, latency };
}
