// The VS Code extension: a thin layer over the library. It owns the Processes view and the
// commands; everything that is not about VS Code lives in src/lib (which never imports vscode).
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { ProcessModel } from './processModel';
import { ProcessTreeProvider } from './processTree';

export const PROCESSES_VIEW = 'multiproc.processes';

/** What activate() returns; the extension's tests use it to look at the view. */
export interface MultiprocApi {
  readonly model: ProcessModel;
  readonly processesView: vscode.TreeView<unknown>;
}

export function activate(context: vscode.ExtensionContext): MultiprocApi {
  const model = new ProcessModel();
  const provider = new ProcessTreeProvider(model);
  const processesView = vscode.window.createTreeView(PROCESSES_VIEW, { treeDataProvider: provider, showCollapseAll: true });
  context.subscriptions.push(provider, processesView);

  // Handlers by command id; a command of package.json without one says it is not yet available.
  registerCommands(context, {});

  return { model, processesView };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
