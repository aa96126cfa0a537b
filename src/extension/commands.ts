import * as vscode from 'vscode';

export type CommandHandler = (...args: unknown[]) => unknown;


/**
 * Registers a handler for each command package.json contributes (the manifest is the single
 * list of them): a command without a handler, or a handler without a command, is an error.
 */
export function registerCommands(
  context: vscode.ExtensionContext,
  handlers: Readonly<Record<string, CommandHandler>>,
): void {
  const manifest = context.extension.packageJSON as { contributes?: { commands?: Array<{ command: string }> } };
  const commands = manifest.contributes?.commands ?? [];
  const known = new Set(commands.map((c) => c.command));
  for (const id of Object.keys(handlers)) {
    if (!known.has(id)) throw new Error(`multiproc: handler for ${id}, which package.json does not contribute`);
  }
  for (const { command } of commands) {
    const handler = handlers[command];
    if (!handler) throw new Error(`multiproc: package.json contributes ${command}, which has no handler`);
    context.subscriptions.push(vscode.commands.registerCommand(command, handler));
  }
}
