import * as vscode from 'vscode';

export type CommandHandler = (...args: unknown[]) => unknown;

interface ManifestCommand {
  command: string;
  title: string;
}

/** The commands package.json contributes (the manifest is the single list of them). */
export function manifestCommands(extension: vscode.Extension<unknown>): ManifestCommand[] {
  const manifest = extension.packageJSON as { contributes?: { commands?: ManifestCommand[] } };
  return manifest.contributes?.commands ?? [];
}

/**
 * Registers every command of the manifest: those with a handler run it, the others say they
 * are not yet available. A handler for a command the manifest lacks is an error.
 */
export function registerCommands(
  context: vscode.ExtensionContext,
  handlers: Readonly<Record<string, CommandHandler>>,
): void {
  const commands = manifestCommands(context.extension);
  const known = new Set(commands.map((c) => c.command));
  for (const id of Object.keys(handlers)) {
    if (!known.has(id)) throw new Error(`multiproc: handler for ${id}, which package.json does not contribute`);
  }
  for (const { command, title } of commands) {
    const handler = handlers[command] ?? (() => notYetAvailable(title));
    context.subscriptions.push(vscode.commands.registerCommand(command, handler));
  }
}

function notYetAvailable(title: string): void {
  // not awaited: the message's promise settles only when the user dismisses it
  void vscode.window.showInformationMessage(`multiproc: ${title} is not yet available`);
}
