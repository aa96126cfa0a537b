// The data behind the Processes view: the runs, and stable node objects over each run's model
// (src/observer); processTree.ts turns nodes into TreeItems, so this file needs no `vscode`.
// Nodes are cached by id so that a change event can name the very objects the view holds, and
// VS Code refreshes only those.
import { RUN_KEY, poolKey, processKey, queueKey, type NodeKey, type RunModel } from '../observer/model';

export interface RunLike {
  readonly seq: number;
  readonly label: string;
  readonly model: RunModel;
}

interface Base<R> {
  /** Stable id, unique among all nodes of the model. */
  readonly id: string;
  readonly run: R;
}
export type RunNode<R> = Base<R> & { readonly kind: 'run' };
export type ProcNode<R> = Base<R> & { readonly kind: 'process'; readonly pid: number };
export type QueueNode<R> = Base<R> & { readonly kind: 'queue'; readonly queueId: string };
export type PoolNode<R> = Base<R> & { readonly kind: 'pool'; readonly poolId: string };
/** A line of text under a run, e.g. why it failed to start. */
export type MessageNode<R> = Base<R> & { readonly kind: 'message'; readonly text: string };
export type ProcessNode<R extends RunLike = RunLike> = RunNode<R> | ProcNode<R> | QueueNode<R> | PoolNode<R> | MessageNode<R>;

/** `undefined`: the whole tree changed. */
export type Listener<R extends RunLike> = (changed: Array<ProcessNode<R>> | undefined) => void;

export class ProcessModel<R extends RunLike = RunLike> {
  private runs: R[] = [];
  private readonly nodes = new Map<string, ProcessNode<R>>();
  private readonly unsubscribe = new Map<R, () => void>();
  private readonly listeners = new Set<Listener<R>>();

  getRuns(): readonly R[] {
    return this.runs;
  }

  getRoots(): Array<ProcessNode<R>> {
    // newest first: the run the user just started is at the top
    return [...this.runs].reverse().map((r) => this.runNode(r));
  }

  getChildren(node?: ProcessNode<R>): Array<ProcessNode<R>> {
    if (!node) return this.getRoots();
    const m = node.run.model;
    switch (node.kind) {
      case 'run': {
        const out: Array<ProcessNode<R>> = m.roots().map((p) => this.procNode(node.run, p.pid));
        if (m.failure) out.unshift(this.cached(node.run, `msg`, () => ({ kind: 'message', text: m.failure! })));
        return out;
      }
      case 'process':
        return [
          ...m.queuesOf(node.pid).map((q) => this.cached(node.run, queueKey(q.id), (id) => ({ kind: 'queue', id, queueId: q.id }))),
          ...m.poolsOf(node.pid).map((p) => this.cached(node.run, poolKey(p.id), (id) => ({ kind: 'pool', id, poolId: p.id }))),
          ...m.childrenOf(node.pid).map((p) => this.procNode(node.run, p.pid)),
        ] as Array<ProcessNode<R>>;
      case 'pool':
        return m.poolWorkers(node.poolId).map((p) => this.procNode(node.run, p.pid));
      default:
        return [];
    }
  }

  /** The parent of a node (for TreeView.reveal). */
  getParent(node: ProcessNode<R>): ProcessNode<R> | undefined {
    if (node.kind === 'run') return undefined;
    const m = node.run.model;
    const ownerPid = node.kind === 'process' ? m.process(node.pid)?.ppid
      : node.kind === 'queue' ? m.queue(node.queueId)?.pid
        : node.kind === 'pool' ? m.pool(node.poolId)?.pid : undefined;
    if (node.kind === 'process') {
      const me = m.process(node.pid);
      const pool = me && m.poolOf(me);
      if (pool) return this.cached(node.run, poolKey(pool.id), (id) => ({ kind: 'pool', id, poolId: pool.id }));
    }
    return ownerPid !== undefined && m.process(ownerPid) && ownerPid !== (node as ProcNode<R>).pid
      ? this.procNode(node.run, ownerPid)
      : this.runNode(node.run);
  }

  runNode(run: R): RunNode<R> {
    return this.cached(run, RUN_KEY, (id) => ({ kind: 'run', id })) as RunNode<R>;
  }

  procNode(run: R, pid: number): ProcNode<R> {
    return this.cached(run, processKey(pid), (id) => ({ kind: 'process', id, pid })) as ProcNode<R>;
  }

  add(run: R): void {
    this.runs.push(run);
    this.unsubscribe.set(run, run.model.onChange((keys) => this.changed(run, keys)));
    this.fire(undefined);
  }

  remove(run: R): void {
    this.runs = this.runs.filter((r) => r !== run);
    this.unsubscribe.get(run)?.();
    this.unsubscribe.delete(run);
    for (const [id, n] of this.nodes) if (n.run === run) this.nodes.delete(id);
    this.fire(undefined);
  }

  /** Subscribes to changes; returns a function that unsubscribes. */
  onDidChange(listener: Listener<R>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells listeners that these runs' nodes changed (e.g. their elapsed time). */
  touchRuns(runs: readonly R[]): void {
    if (runs.length) this.fire(runs.map((r) => this.runNode(r)));
  }

  private changed(run: R, keys: ReadonlySet<NodeKey>): void {
    if (keys.has(RUN_KEY)) {
      // the run node refreshes with all its descendants
      this.fire([this.runNode(run)]);
      return;
    }
    const nodes: Array<ProcessNode<R>> = [];
    for (const key of keys) {
      const n = this.nodes.get(`${run.seq}/${key}`);
      if (n) nodes.push(n);
    }
    // a change to a node the view never asked for is seen when its parent is expanded
    if (nodes.length) this.fire(nodes);
  }

  private cached(run: R, key: NodeKey, make: (id: string) => Record<string, unknown>): ProcessNode<R> {
    const id = `${run.seq}/${key}`;
    let n = this.nodes.get(id);
    if (!n) {
      n = { ...make(id), id, run } as unknown as ProcessNode<R>;
      this.nodes.set(id, n);
    }
    return n;
  }

  private fire(changed: Array<ProcessNode<R>> | undefined): void {
    for (const l of [...this.listeners]) l(changed);
  }
}
