// Where a run failed (a syntax error, an uncaught error), in the Problems panel and the editor,
// until that program runs again or the file with the problem is edited: running another
// program in between does not make it any less true.
import * as vscode from 'vscode';
import type { Run } from './runs';

export class FailureDiagnostics implements vscode.Disposable {
  private readonly problems = vscode.languages.createDiagnosticCollection('multiproc');
  /** program → the file its last failure points at */
  private readonly problemOf = new Map<string, vscode.Uri>();
  private readonly edits = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.contentChanges.length) this.problems.delete(e.document.uri);
  });

  /** A new run of a program: its last run's failure goes, and this run's, if it fails, is shown when it ends. */
  watch(run: Run): void {
    const last = this.problemOf.get(run.file.fsPath);
    if (last) this.problems.delete(last);
    this.problemOf.delete(run.file.fsPath);
    void run.whenExited().then(() => this.show(run));
  }

  private show(run: Run): void {
    const at = run.failedAt;
    if (!at) return;
    const pos = new vscode.Position(Math.max(0, at.line - 1), Math.max(0, (at.column ?? 1) - 1));
    const diagnostic = new vscode.Diagnostic(new vscode.Range(pos, pos), `${run.label} #${run.seq} failed: ${at.message}`, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'multiproc';
    const uri = vscode.Uri.file(at.file);
    this.problems.set(uri, [diagnostic]);
    this.problemOf.set(run.file.fsPath, uri);
  }

  dispose(): void {
    this.problems.dispose();
    this.edits.dispose();
  }
}
