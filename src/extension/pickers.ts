// What a command acts on: the node of the Processes view it was invoked on, what its caller names
// (another extension, a test), or else what the user picks from the runs or live processes.
import * as vscode from 'vscode';
import type { ProcessModel, ProcessNode } from './processModel';
import { Run } from './runs';

export interface ProcessTarget {
  readonly run: Run;
  readonly pid: number;
}

export class Pickers {
  constructor(private readonly model: ProcessModel<Run>) {}

  /** A process node, `{ pid }`, or else a pick of the live processes of every run. */
  async process(arg: unknown, title: string): Promise<ProcessTarget | undefined> {
    const node = arg as ProcessNode<Run> | undefined;
    if (node?.kind === 'process') return { run: node.run, pid: node.pid };
    if (isPidArg(arg)) {
      const run = this.model.getRuns().find((r) => r.model.process(arg.pid));
      return run && { run, pid: arg.pid };
    }
    const items = this.model.getRuns().flatMap((run) => run.model.liveProcesses().map((p) => ({
      label: p.name, description: `pid ${p.pid} · ${run.label} #${run.seq}`, detail: p.target ?? p.command, run, pid: p.pid,
    })));
    if (items.length === 0) {
      void vscode.window.showInformationMessage('multiproc: no live processes');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(items, { title, matchOnDescription: true });
    return pick && { run: pick.run, pid: pick.pid };
  }

  /** The run of a node, or else the only run there is, or a pick of them, newest first. */
  async run(arg: unknown, title: string, onlyLive: boolean): Promise<Run | undefined> {
    const node = arg as ProcessNode<Run> | undefined;
    if (node && 'run' in node && node.run instanceof Run) return node.run;
    const runs = [...this.model.getRuns()].reverse().filter((r) => !onlyLive || r.live);
    if (runs.length <= 1) return runs[0];
    const pick = await vscode.window.showQuickPick(runs.map((run) => ({ label: `${run.label} #${run.seq}`, description: run.live ? 'running' : 'ended', run })), { title });
    return pick?.run;
  }
}

function isPidArg(arg: unknown): arg is { pid: number } {
  return typeof arg === 'object' && arg !== null && typeof (arg as { pid?: unknown }).pid === 'number' && !('kind' in arg);
}
