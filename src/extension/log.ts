import * as vscode from 'vscode';

/** The extension's own log (dropped connections, failed samples): the "multiproc" output channel. */
export class Log implements vscode.Disposable {
  /** The last lines logged, newest last (for tests); bounded, as the log of a long session is not. */
  readonly lines: string[] = [];
  private readonly channel = vscode.window.createOutputChannel('multiproc');

  readonly line = (line: string): void => {
    this.lines.push(line);
    if (this.lines.length > 500) this.lines.shift();
    this.channel.appendLine(line);
  };

  dispose(): void {
    this.channel.dispose();
  }
}
