import * as vscode from 'vscode';
import { describePool, describeProcess, describeQueue, formatBytes, formatDuration, formatExit } from '../observer/format';
import { abnormal, type ProcessInfo } from '../observer/model';
import type { ProcessModel, ProcessNode, RunLike } from './processModel';

/** The view's id, as package.json names it. */
export const PROCESSES_VIEW = 'multiproc.processes';

/** The scheme of the node URIs through which finished nodes are greyed and failed ones marked red. */
const NODE_SCHEME = 'multiproc-node';

type Tone = 'finished' | 'error' | undefined;

/**
 * VS Code debounces a tree's change events by 200 ms, restarting the wait on every event: events
 * closer than that (the runs' models emit up to ~10 a second) postpone its refresh for as long as
 * they keep coming, which froze the view for the 30 s that 200 processes took to start. So the
 * view's events are spaced wider than that.
 */
const MIN_EVENT_INTERVAL_MS = 300;

/** The Processes view: a TreeDataProvider over a ProcessModel, refreshing only the nodes that changed. */
export class ProcessTreeProvider<R extends RunLike = RunLike>
implements vscode.TreeDataProvider<ProcessNode<R>>, vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ProcessNode<R> | Array<ProcessNode<R>> | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly decorationsChanged = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.decorationsChanged.event;
  private readonly tones = new Map<string, Tone>();
  private readonly pendingTones: vscode.Uri[] = [];
  private readonly unsubscribe: () => void;
  /** Nodes changed since the last event ('all': the whole tree). */
  private pending: Set<ProcessNode<R>> | 'all' | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastEvent = -Infinity;

  constructor(private readonly model: ProcessModel<R>) {
    this.unsubscribe = model.onDidChange((nodes) => this.schedule(nodes));
  }

  private schedule(nodes: Array<ProcessNode<R>> | undefined): void {
    if (!nodes) this.pending = 'all';
    else if (this.pending !== 'all') {
      this.pending ??= new Set();
      for (const n of nodes) this.pending.add(n);
    }
    if (this.timer) return;
    const wait = this.lastEvent + MIN_EVENT_INTERVAL_MS - performance.now();
    if (wait <= 0) this.fire();
    else this.timer = setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.timer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    this.lastEvent = performance.now();
    const nodes = pending === 'all' ? undefined : [...pending];
    this.changed.fire(nodes);
    this.decorationsChanged.fire(nodes?.map((n) => nodeUri(n)));
  }

  getTreeItem(node: ProcessNode<R>): vscode.TreeItem {
    const item = this.render(node);
    // VS Code remembers an item's collapsible state by id: an item first shown without children
    // would stay collapsed once it has some. A leaf gets another id, so that a process gaining
    // children (or queues) shows them expanded.
    item.id = item.collapsibleState === vscode.TreeItemCollapsibleState.None ? `${node.id}#leaf` : node.id;
    item.resourceUri = nodeUri(node);
    return item;
  }

  getChildren(node?: ProcessNode<R>): Array<ProcessNode<R>> {
    return this.model.getChildren(node);
  }

  getParent(node: ProcessNode<R>): ProcessNode<R> | undefined {
    return this.model.getParent(node);
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== NODE_SCHEME) return undefined;
    const tone = this.tones.get(uri.path.slice(1));
    if (tone === 'error') return { color: new vscode.ThemeColor('list.errorForeground'), tooltip: 'ended abnormally' };
    if (tone === 'finished') return { color: new vscode.ThemeColor('disabledForeground'), tooltip: 'finished' };
    return undefined;
  }

  /**
   * Records how a node's label is coloured. VS Code may ask for a decoration before the item is
   * rendered again, so a tone that changed is announced once more after rendering.
   */
  private setTone(node: ProcessNode<R>, tone: Tone): void {
    if (this.tones.get(node.id) === tone) return;
    this.tones.set(node.id, tone);
    this.pendingTones.push(nodeUri(node));
    if (this.pendingTones.length === 1) {
      setTimeout(() => this.decorationsChanged.fire(this.pendingTones.splice(0)), 0);
    }
  }

  private render(node: ProcessNode<R>): vscode.TreeItem {
    const run = node.run;
    const m = run.model;
    const expanded = vscode.TreeItemCollapsibleState.Expanded;
    const none = vscode.TreeItemCollapsibleState.None;
    switch (node.kind) {
      case 'run': {
        const item = new vscode.TreeItem(`${run.label} #${run.seq}`, expanded);
        const elapsed = formatDuration((m.endTime ?? Date.now()) - m.startTime);
        const main = m.mainPid !== undefined ? m.process(m.mainPid) : undefined;
        const live = m.liveProcesses().length;
        const state = m.state === 'failed' ? 'failed' : m.state === 'exited' ? (main ? formatExit(main) : 'exited') : m.state;
        const abnormalCount = m.allProcesses().filter(abnormal).length;
        item.description = [
          state, m.live ? `${live} live` : '', abnormalCount && m.state !== 'failed' ? `${abnormalCount} failed` : '', elapsed, m.mainPid !== undefined ? `pid ${m.mainPid}` : '',
        ].filter(Boolean).join(' · ');
        const failed = m.state === 'failed' || m.failed;
        item.iconPath = m.live ? new vscode.ThemeIcon('debug-start', new vscode.ThemeColor('debugIcon.startForeground'))
          : failed ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'))
            : new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
        item.contextValue = m.live ? 'run-live' : 'run-done';
        item.tooltip = new vscode.MarkdownString(
          `**${run.label}** — run #${run.seq}\n\n${m.script}\n\nstarted ${new Date(m.startTime).toLocaleTimeString()} · ${elapsed}` +
          (m.failure ? `\n\n$(error) ${m.failure}` : ''), true);
        this.setTone(node, m.live ? undefined : failed ? 'error' : 'finished');
        return item;
      }
      case 'process': {
        const p = m.process(node.pid);
        if (!p) return new vscode.TreeItem(`pid ${node.pid}`, none);
        const hasChildren = m.childrenOf(p.pid).length + m.queuesOf(p.pid).length + m.poolsOf(p.pid).length > 0;
        const item = new vscode.TreeItem(p.name, hasChildren ? expanded : none);
        const work = p.state === 'exited' ? undefined : m.poolOf(p)?.workers.find((w) => w.pid === p.pid);
        item.description = describeProcess(p) + (work ? ` · ${work.busy ? `busy${work.task ? `: ${work.task}` : ''}` : 'idle'}` : '');
        item.iconPath = processIcon(p);
        item.contextValue = p.state === 'exited' ? 'process-exited' : 'process-live';
        item.tooltip = processTooltip(p, m.process(p.ppid)?.name);
        this.setTone(node, p.state !== 'exited' ? undefined : abnormal(p) ? 'error' : 'finished');
        return item;
      }
      case 'queue': {
        const q = m.queue(node.queueId);
        const siblings = q ? m.queuesOf(q.pid).filter((o) => o.kind === q.kind) : [];
        const item = new vscode.TreeItem(q ? (siblings.length > 1 ? `${q.kind} ${siblings.indexOf(q) + 1}` : q.kind) : 'queue', none);
        if (q) {
          item.description = describeQueue(q);
          const full = q.maxsize > 0 && q.depth >= q.maxsize;
          item.iconPath = new vscode.ThemeIcon(q.kind === 'Pipe' ? 'arrow-swap' : 'inbox', new vscode.ThemeColor(q.final ? 'disabledForeground' : full ? 'charts.orange' : q.depth > 0 ? 'charts.blue' : 'disabledForeground'));
          item.tooltip = new vscode.MarkdownString(
            `**${q.kind}** \`${q.id}\`\n\n| | |\n|---|---|\n| depth | ${q.depth}${q.maxsize ? ` of ${q.maxsize}` : ' (unbounded)'} |\n` +
            `| peak | ${q.peak} |\n| bytes | ${formatBytes(q.bytes)} |\n| blocked get() | ${q.getters} |\n| blocked put() | ${q.putters} |\n` +
            `| owner | pid ${q.pid} |`);
          this.setTone(node, q.closed || q.final ? 'finished' : undefined);
        }
        item.contextValue = 'queue';
        return item;
      }
      case 'pool': {
        const pool = m.pool(node.poolId);
        const item = new vscode.TreeItem('Pool', expanded);
        if (pool) {
          item.description = describePool(pool);
          item.iconPath = new vscode.ThemeIcon('server-process', new vscode.ThemeColor(pool.state === 'RUN' ? 'charts.purple' : 'disabledForeground'));
          item.tooltip = `Pool ${pool.id}: ${pool.size} workers, ${pool.queued} queued, ${pool.done} done, ${pool.failed} failed` +
            (pool.lost.length ? `\nlost: ${pool.lost.map((l) => `${l.name} (${l.task})`).join(', ')}` : '');
          this.setTone(node, pool.state === 'RUN' ? undefined : 'finished');
        }
        item.contextValue = 'pool';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, none);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('errorForeground'));
        item.tooltip = node.text;
        item.contextValue = 'message';
        return item;
      }
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.unsubscribe();
    this.changed.dispose();
    this.decorationsChanged.dispose();
  }
}

function nodeUri(node: ProcessNode): vscode.Uri {
  return vscode.Uri.from({ scheme: NODE_SCHEME, path: `/${node.id}` });
}

function processIcon(p: ProcessInfo): vscode.ThemeIcon {
  if (p.state === 'starting') return new vscode.ThemeIcon('loading~spin');
  if (p.state === 'exited') {
    if (abnormal(p)) return new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    // no exit code: it ended with its parent (e.g. a SIGKILLed main), which could not report it;
    // a tick would claim a success nobody saw
    if (p.exitCode === undefined) return new vscode.ThemeIcon('question', new vscode.ThemeColor('disabledForeground'));
    return new vscode.ThemeIcon('pass', new vscode.ThemeColor('disabledForeground'));
  }
  if (p.origin === 'os') return new vscode.ThemeIcon('terminal', new vscode.ThemeColor('charts.yellow'));
  if (p.origin === 'main') return new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('charts.green'));
  return new vscode.ThemeIcon(p.daemon ? 'circle-large-outline' : 'circle-large-filled', new vscode.ThemeColor('charts.green'));
}

function processTooltip(p: ProcessInfo, parent: string | undefined): vscode.MarkdownString {
  const rows: Array<[string, string]> = [
    ['pid', String(p.pid)],
    ['parent', `${parent ?? '?'} (pid ${p.ppid})`],
    ['state', p.state !== 'exited' ? p.state : p.exitCode === undefined && !p.signal ? 'exited, exit code unknown (not reported: its parent ended first)' : formatExit(p)],
    ['started', new Date(p.startTime).toLocaleTimeString()],
  ];
  if (p.endTime !== undefined) rows.push(['duration', formatDuration(p.endTime - p.startTime)]);
  if (p.target) rows.push(['target', `\`${p.target.replace(/^.*[\\/]/, '')}\``]);
  if (p.daemon) rows.push(['daemon', 'yes']);
  if (p.origin === 'os') rows.push(['origin', 'OS process (not started by multiproc)']);
  if (p.cpu !== undefined) rows.push(['CPU', `${p.cpu.toFixed(1)}%`]);
  if (p.memory !== undefined) rows.push(['memory', formatBytes(p.memory)]);
  const md = new vscode.MarkdownString(`**${p.name}**\n\n| | |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}`);
  if (p.command) md.appendCodeblock(p.command.length > 2000 ? `${p.command.slice(0, 2000)}…` : p.command, 'shell');
  return md;
}
