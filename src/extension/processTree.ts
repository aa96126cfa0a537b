import * as vscode from 'vscode';
import type { ProcessModel, ProcessNode } from './processModel';

/** The Processes view: a TreeDataProvider over a ProcessModel, refreshed on every model change. */
export class ProcessTreeProvider implements vscode.TreeDataProvider<ProcessNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ProcessNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly unsubscribe: () => void;

  constructor(private readonly model: ProcessModel) {
    this.unsubscribe = model.onDidChange((node) => this.changed.fire(node));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: ProcessNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      node.label,
      node.children.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.id = node.id;
    item.description = node.description;
    return item;
  }

  getChildren(node?: ProcessNode): ProcessNode[] {
    return [...this.model.getChildren(node)];
  }

  dispose(): void {
    this.unsubscribe();
    this.changed.dispose();
  }
}
