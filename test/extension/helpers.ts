import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MultiprocApi } from '../../src/extension/extension';
import type { ProcessNode } from '../../src/extension/processModel';
import type { Run } from '../../src/extension/runs';

export const EXTENSION_ID = 'multiproc.multiproc';
/** Prefix of every line the tests print (U+2063, invisible); the driver prints only those. */
export const OUTPUT_TAG = '\u2063';
/** A line `<OUTPUT_TAG><SCREENSHOT_TAG> <file>.png` asks the driver for a screenshot. */
export const SCREENSHOT_TAG = '@@multiproc-screenshot@@';

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed`);
  return ext;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Where the driver writes screenshots (the driver tells the extension host; default test-results/). */
export function resultsDir(): string {
  return process.env.MULTIPROC_TEST_RESULTS || path.join(extension().extensionPath, 'test-results');
}

/**
 * Asks the driver for a screenshot of the whole workbench as `test-results/<name>` and waits
 * until the file is there. `settleMs` lets the workbench finish painting first.
 */
export async function screenshot(name: string, settleMs = 500): Promise<string> {
  if (!/^[\w.-]+\.png$/.test(name)) throw new Error(`screenshot name must be a plain *.png file name: ${name}`);
  const file = path.join(resultsDir(), name);
  fs.rmSync(file, { force: true });
  await sleep(settleMs);
  console.log(`${SCREENSHOT_TAG} ${name}`);
  await waitFor(`screenshot ${name}`, () => fs.existsSync(file), 15_000);
  return file;
}

export async function api(): Promise<MultiprocApi> {
  return (await extension().activate()) as MultiprocApi;
}

export async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('multiproc').update(key, value, vscode.ConfigurationTarget.Global);
}

/** The rendered tree below a node, as "label — description" lines indented by depth. */
export function render(a: MultiprocApi, node: ProcessNode<Run> | undefined, depth = 0, out: string[] = []): string[] {
  for (const child of a.provider.getChildren(node)) {
    const item = a.provider.getTreeItem(child);
    const label = typeof item.label === 'string' ? item.label : item.label?.label;
    out.push(`${'  '.repeat(depth)}${label} — ${item.description ?? ''}`);
    render(a, child, depth + 1, out);
  }
  return out;
}

/** Watches the extension host's event loop every `everyMs`; stop() gives its longest stall (ms) meanwhile. */
export function stallMonitor(everyMs: number): { stop(): number } {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - everyMs);
    last = now;
  }, everyMs);
  return { stop: () => { clearInterval(timer); return worst; } };
}
