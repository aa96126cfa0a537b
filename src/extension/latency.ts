// For tests and diagnostics: how long a report from a program takes to reach the Processes view.
// A report's time is taken when it arrives from the observer channel; it ends when VS Code,
// after the view's next change event, asks the view for nodes (an item or children: what it
// does to show what changed; VS Code's refreshes are serial, so this waits for the workbench to
// have taken the previous one). Cheap enough to stay on: a timestamp per report, bounded arrays.
import type * as vscode from 'vscode';

const MAX = 10_000;

export class UpdateLatency {
  /** Arrival times of reports not yet announced to the view. */
  private waiting: number[] = [];
  /** Arrival times of reports announced by a change event, until VS Code asks again. */
  private announced: number[] = [];
  private done: number[] = [];

  /** Reports that VS Code has not fetched yet. */
  get pending(): number {
    return this.waiting.length + this.announced.length;
  }

  /** A report arrived from a program. */
  arrived(): void {
    if (this.waiting.length < MAX) this.waiting.push(performance.now());
  }

  /** The view fired onDidChangeTreeData. */
  changed(): void {
    if (this.waiting.length === 0) return;
    this.announced = this.announced.concat(this.waiting).slice(-MAX);
    this.waiting = [];
  }

  /** VS Code asked the view for nodes. */
  answered(): void {
    if (this.announced.length === 0) return;
    const t = performance.now();
    for (const a of this.announced) this.done.push(t - a);
    this.announced = [];
    if (this.done.length > MAX) this.done = this.done.slice(-MAX);
  }

  /**
   * The provider as VS Code is to see it: tells this of its change events and of VS Code's
   * questions (calls made by the extension itself, or by tests, go to the provider and do not count).
   */
  watch<T>(provider: vscode.TreeDataProvider<T>): { provider: vscode.TreeDataProvider<T>; subscription?: vscode.Disposable } {
    const subscription = provider.onDidChangeTreeData?.(() => this.changed());
    return {
      subscription,
      provider: {
        onDidChangeTreeData: provider.onDidChangeTreeData,
        getTreeItem: (node) => {
          this.answered();
          return provider.getTreeItem(node);
        },
        getChildren: (node) => {
          this.answered();
          return provider.getChildren(node);
        },
        getParent: provider.getParent && ((node) => provider.getParent!(node)),
      },
    };
  }

  /** Milliseconds from each report's arrival to the view's update, oldest first; `reset` starts afresh. */
  samples(reset = false): number[] {
    const out = this.done;
    if (reset) {
      this.done = [];
      this.waiting = [];
      this.announced = [];
    }
    return [...out];
  }
}
