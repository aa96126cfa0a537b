// The commands on runs: start, stop and re-run programs, show a run's output or exit codes,
// and clear the finished ones away.
import * as vscode from 'vscode';
import type { CommandHandler } from './commands';
import type { FailureDiagnostics } from './diagnostics';
import type { ExitCodes } from './exitCodes';
import type { UpdateLatency } from './latency';
import type { Pickers } from './pickers';
import type { ProcessModel } from './processModel';
import { PROCESSES_VIEW } from './processTree';
import { Run } from './runs';
import type { StatusBar } from './statusBar';

const PROGRAM_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

export interface RunCommandsContext {
  readonly context: vscode.ExtensionContext;
  readonly model: ProcessModel<Run>;
  readonly log: (line: string) => void;
  readonly latency: UpdateLatency;
  readonly pickers: Pickers;
  readonly diagnostics: FailureDiagnostics;
  readonly exitCodes: ExitCodes;
  readonly statusBar: StatusBar;
}

export function runCommands({ context, model, log, latency, pickers, diagnostics, exitCodes, statusBar }: RunCommandsContext): Record<string, CommandHandler> {
  let seq = 0;
  const startRun = async (file: vscode.Uri): Promise<Run> => {
    const run = new Run(++seq, file, context.extensionPath, log, () => latency.arrived());
    diagnostics.watch(run);
    model.add(run);
    context.subscriptions.push(run);
    await run.start();
    statusBar.update();
    return run;
  };

  return {
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
      const run = await pickers.run(arg, 'Stop which run?', true);
      if (run) await run.stop();
      return run;
    },
    'multiproc.rerun': async (arg?: unknown) => {
      const run = await pickers.run(arg, 'Re-run which program?', false);
      if (!run) return undefined;
      if (run.live) await run.stop();
      return startRun(run.file);
    },
    'multiproc.showExitCodes': async (arg?: unknown) => {
      const run = await pickers.run(arg, 'Exit codes of which run?', false);
      if (!run) {
        void vscode.window.showInformationMessage('multiproc: no runs yet');
        return undefined;
      }
      return exitCodes.show(run);
    },
    'multiproc.revealOutput': async (arg?: unknown) => {
      const run = await pickers.run(arg, 'Output of which run?', false);
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
      statusBar.update();
    },
  };
}
