// Entry point of the extension tests (extensionTestsPath). The VS Code extension host
// require()s the compiled index.js and awaits run(); esbuild compiles every test/extension/*.ts
// into out/test/extension/ as CommonJS (see test/host/run-ext-tests.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';
import { OUTPUT_TAG } from './helpers';

/**
 * The extension host's console goes to the workbench together with VS Code's own noise; tag
 * every line the tests print so the driver shows just those. console.log cannot be assigned
 * in the extension host, so the global console object is replaced by a tagging one.
 */
function tagConsole(): void {
  const base = globalThis.console;
  const tagged = Object.create(base) as Console;
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    Object.defineProperty(tagged, m, { value: (...args: unknown[]) => base[m](OUTPUT_TAG + util.format(...args)) });
  }
  globalThis.console = tagged;
  // mocha's reporters took console.log when they loaded
  (Mocha.reporters.Base as unknown as { consoleLog: typeof console.log }).consoleLog = tagged.log;
}

export function run(): Promise<void> {
  tagConsole();
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    reporter: 'spec',
    timeout: 30_000,
    grep: process.env.MULTIPROC_TEST_GREP || undefined,
  });
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const s = runner.stats!;
      // the closing line; the driver prints it again as the last line of its output
      console.log(`${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`);
      if (failures > 0) reject(new Error(`${failures} tests failed`));
      else resolve();
    });
  });
}
