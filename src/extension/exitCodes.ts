import * as vscode from 'vscode';
import { formatExitTable } from '../observer/format';
import { abnormal } from '../observer/model';
import type { Run } from './runs';

const SCHEME = 'multiproc-exit-codes';

/** The exit-code table of a run, as a read-only document, brought up to date each time it is shown. */
export class ExitCodes implements vscode.Disposable {
  private readonly tables = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
    onDidChange: this.changed.event,
    provideTextDocumentContent: (uri) => this.tables.get(uri.toString()) ?? '',
  });

  async show(run: Run): Promise<vscode.TextDocument> {
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${run.label} #${run.seq} exit codes` });
    this.tables.set(uri.toString(), exitCodeTable(run));
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

function exitCodeTable(run: Run): string {
  const rows = run.model.exitTable();
  const failed = rows.filter(abnormal).length;
  return [
    `${run.label} #${run.seq} — ${run.model.script}`,
    `${rows.length} processes, ${failed} ended abnormally${run.live ? ' (the run is still live)' : ''}`,
    '',
    ...formatExitTable(rows),
    '',
  ].join('\n');
}
