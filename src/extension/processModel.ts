// The data behind the Processes view. Deliberately free of `vscode` so it can be unit-tested;
// the view layer (processTree.ts) adapts it to a TreeDataProvider. Empty until runs land.

export interface ProcessNode {
  /** Stable id, unique among all nodes of the model. */
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  readonly children: readonly ProcessNode[];
}

export type Listener = (changed: ProcessNode | undefined) => void;

export class ProcessModel {
  private roots: ProcessNode[] = [];
  private readonly listeners = new Set<Listener>();

  getRoots(): readonly ProcessNode[] {
    return this.roots;
  }

  getChildren(node?: ProcessNode): readonly ProcessNode[] {
    return node ? node.children : this.roots;
  }

  /** Replaces every root; listeners hear `undefined` (= the whole tree changed). */
  setRoots(roots: readonly ProcessNode[]): void {
    this.roots = [...roots];
    this.fire(undefined);
  }

  clear(): void {
    this.setRoots([]);
  }

  /** Subscribes to changes; returns a function that unsubscribes. */
  onDidChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private fire(changed: ProcessNode | undefined): void {
    for (const l of [...this.listeners]) l(changed);
  }
}
