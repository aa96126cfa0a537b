import * as vscode from 'vscode';
import type { ProcessModel } from './processModel';
import { PROCESSES_VIEW } from './processTree';
import type { Run } from './runs';

/** The status bar item: the live processes of the newest live run, or how the last run ended; a click shows the Processes view. */
export class StatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  private readonly unsubscribe: () => void;
  private readonly clock: ReturnType<typeof setInterval>;

  constructor(private readonly model: ProcessModel<Run>) {
    this.item.command = `${PROCESSES_VIEW}.focus`;
    this.unsubscribe = model.onDidChange(() => this.update());
    // Elapsed times of live runs move on even when nothing is reported; and the model tells only
    // of changes to nodes the view has asked for, so the live count is read again with them.
    this.clock = setInterval(() => {
      model.touchRuns(model.getRuns().filter((r) => r.live));
      this.update();
    }, 1000);
  }

  update(): void {
    const runs = this.model.getRuns();
    const run = [...runs].reverse().find((r) => r.live) ?? runs.at(-1);
    if (!run) {
      this.item.hide();
      return;
    }
    const live = run.model.liveProcesses().length;
    this.item.text = run.live ? `$(server-process) ${live} live` : `$(server-process) ${run.model.failed ? '$(error) ' : ''}${run.label} ended`;
    this.item.tooltip = `multiproc: ${run.label} #${run.seq} — ${run.live ? `${live} live processes` : 'ended'}. Click to show the Processes view.`;
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.clock);
    this.unsubscribe();
    this.item.dispose();
  }
}
