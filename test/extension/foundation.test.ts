import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MultiprocApi } from '../../src/extension/extension';
import { extension, screenshot, waitFor } from './helpers';

interface Manifest {
  contributes: {
    commands: { command: string; title: string }[];
    viewsContainers: { activitybar: { id: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    menus: Record<string, { command: string; when?: string }[]>;
  };
}

suite('foundation', () => {
  const manifest = () => extension().packageJSON as Manifest;

  test('the extension activates', async () => {
    const ext = extension();
    const api = (await ext.activate()) as MultiprocApi;
    assert.equal(ext.isActive, true);
    assert.ok(api.processesView, 'activate() returns the Processes tree view');
  });

  test('every command of package.json is registered', async () => {
    await extension().activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    const declared = manifest().contributes.commands.map((c) => c.command);
    assert.equal(declared.length, 11);
    const missing = declared.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `commands not registered: ${missing.join(', ')}`);
  });

  test('a command with nothing to act on answers instead of failing', async () => {
    await extension().activate();
    // no live process to pick: shows "multiproc: no live processes" and returns at once
    assert.equal(await vscode.commands.executeCommand('multiproc.copyPid'), undefined);
  });

  test('the multiproc view container shows the Processes view', async () => {
    const m = manifest().contributes;
    assert.ok(m.viewsContainers.activitybar.some((c) => c.id === 'multiproc'));
    assert.deepEqual(m.views.multiproc.map((v) => v.name), ['Processes']);

    const api = (await extension().activate()) as MultiprocApi;
    await vscode.commands.executeCommand('workbench.view.extension.multiproc');
    await vscode.commands.executeCommand('multiproc.processes.focus');
    await waitFor('the Processes view to be visible', () => api.processesView.visible);
    assert.equal(api.model.getRoots().length, 0, 'no runs yet');

    await vscode.commands.executeCommand('notifications.clearAll');
    const file = await screenshot('foundation.png');
    console.log(`    screenshot: ${path.relative(extension().extensionPath, file)}`);
  });

  test('Run with multiproc is offered on TypeScript and JavaScript files', async () => {
    const menus = manifest().contributes.menus;
    for (const where of ['editor/title', 'explorer/context']) {
      const item = menus[where]?.find((m) => m.command === 'multiproc.run');
      assert.ok(item?.when, `multiproc.run in ${where}`);
      const re = new RegExp(item.when.match(/resourceExtname =~ \/(.*)\/$/)![1]);
      for (const ext of ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']) assert.ok(re.test(ext), `${where} offers ${ext}`);
      for (const ext of ['.json', '.tsx', '.py']) assert.ok(!re.test(ext), `${where} does not offer ${ext}`);
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workspace is open');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'hello.ts'));
    await vscode.window.showTextDocument(doc);
    await screenshot('editor-run.png'); // the play button at the top right of the editor
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
