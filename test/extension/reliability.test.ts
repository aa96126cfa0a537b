// Issue 8 in the real VS Code: a main process SIGKILLed in the middle of traffic, 200 live
// processes in one run, and input that cannot run. Real programs (test/extension/programs/),
// real processes, the real Processes view.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MultiprocApi } from '../../src/extension/extension';
import type { Run } from '../../src/extension/runs';
import type { ProcessInfo } from '../../src/observer/model';
import { api, extension, render, screenshot, setting, sleep, stallMonitor, waitFor } from './helpers';

const PROGRAM = (name: string) => vscode.Uri.file(path.join(extension().extensionPath, 'test', 'extension', 'programs', name));

/** pid → ppid of every process on the machine, from /proc. */
function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      table.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended while we looked
    }
  }
  return table;
}

/** Every descendant of `pid` the OS knows now (the library's spares and esbuild services too). */
function osDescendants(pid: number): number[] {
  const table = processTable();
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const parent = stack.pop()!;
    for (const [child, ppid] of table) {
      if (ppid === parent && !out.includes(child)) {
        out.push(child);
        stack.push(child);
      }
    }
  }
  return out;
}

/** A process that has ended but is not yet reaped (a zombie) counts as ended. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(samples: number[]): { n: number; p50: number; p95: number; max: number; text: string } {
  const s = [...samples].sort((x, y) => x - y);
  const r = { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] };
  return { ...r, text: `${r.n} reports: p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms, max ${r.max.toFixed(0)} ms` };
}


/** "label — description" of a run's own line in the view. */
function runLine(a: MultiprocApi, run: Run): string {
  return render(a, undefined).find((l) => l.startsWith(`${run.label} #${run.seq} — `)) ?? '';
}

suite('reliability (issue 8)', () => {
  suiteSetup(async () => {
    await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('multiproc.clearFinished');
    await vscode.commands.executeCommand('multiproc.processes.focus');
  });
  teardown(async () => {
    await setting('nodePath', undefined);
    await setting('env', undefined);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('main process SIGKILLed mid-traffic: the run ends −9 SIGKILL, every process ends, no descendant survives', async function () {
    this.timeout(90_000);
    const a = await api();
    const run = (await vscode.commands.executeCommand('multiproc.run', PROGRAM('tree-traffic.ts'))) as Run;
    const names = ['MainProcess', 'child-1', 'child-2', 'grandchild-1', 'grandchild-2'];
    await waitFor('three levels running and items flowing up them', () => {
      const running = new Map(run.model.liveProcesses().filter((p) => p.state === 'running').map((p) => [p.name, p]));
      return names.every((n) => running.has(n)) &&
        running.get('grandchild-1')!.ppid === running.get('child-1')!.pid && /received 1000 items/.test(run.outputTail);
    }, 45_000).catch((e: Error) => { throw new Error(`${e.message}\n${render(a, undefined).join('\n')}\n${run.outputTail}`); });
    const mainPid = run.model.mainPid!;
    const descendants = osDescendants(mainPid);
    const reported = run.model.allProcesses().filter((p) => p.pid !== mainPid).map((p) => p.pid);
    for (const pid of reported) assert.ok(descendants.includes(pid), `pid ${pid} of the tree is a descendant of the main process`);
    console.log(`    before the kill: ${reported.length} processes in the tree, ${descendants.length} descendants in the OS`);

    const t0 = performance.now();
    process.kill(mainPid, 'SIGKILL');
    const lastGone = waitFor('every descendant gone', () => descendants.every((pid) => !alive(pid)), 10_000).then(() => performance.now() - t0, () => NaN);
    await run.whenExited();
    const endedMs = performance.now() - t0;

    const main = run.model.process(mainPid)!;
    assert.equal(main.exitCode, -9);
    assert.equal(main.signal, 'SIGKILL');
    assert.equal(run.model.state, 'exited');
    assert.match(runLine(a, run), /^tree-traffic\.ts #\d+ — exit −9 SIGKILL · /, runLine(a, run));
    const tree = render(a, a.model.runNode(run));
    console.log(`    after the kill:\n${tree.map((l) => `      ${l}`).join('\n')}`);
    assert.match(tree[0], /^MainProcess — exit −9 SIGKILL · /);
    assert.deepEqual(run.model.liveProcesses().map((p: ProcessInfo) => p.name), [], 'no process of the run is left live');
    assert.deepEqual(tree.filter((l) => /— (running|starting)\b/.test(l)), [], 'no line of the tree says running');
    for (const n of names) assert.ok(tree.some((l) => new RegExp(`^\\s*${n} — (exit|exited)\\b`).test(l)), `${n} shown as ended`);
    for (const p of run.model.allProcesses().filter((x) => x.exitCode === undefined)) {
      const item = a.provider.getTreeItem(a.model.procNode(run, p.pid));
      assert.notEqual((item.iconPath as vscode.ThemeIcon).id, 'pass', `${p.name} ended with an unknown code: not shown as a success`);
      assert.match((item.tooltip as vscode.MarkdownString).value, /exit code unknown/);
    }
    assert.doesNotMatch(a.statusBar.text, /live/);

    await sleep(Math.max(0, 2000 - (performance.now() - t0)));
    const survivors = descendants.filter(alive);
    assert.deepEqual(survivors, [], `descendants alive 2 s after the kill: ${survivors.map((pid) => `${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`).join('; ')}`);
    console.log(`    run shown ended ${endedMs.toFixed(0)} ms after the SIGKILL; the last of ${descendants.length} descendants gone after ${(await lastGone).toFixed(0)} ms`);
    await screenshot('reliability-main-killed.png', 1000);
  });

  test('200 live processes in one run: every one in the tree with its pid, the view answers, report→update latency', async function () {
    this.timeout(300_000);
    const a = await api();
    const release = path.join(os.tmpdir(), `multiproc-release-${process.pid}-${Date.now()}`);
    await setting('env', { MULTIPROC_TEST_RELEASE: release });
    await vscode.commands.executeCommand('multiproc.processes.focus');
    a.latency.samples(true);
    const run = (await vscode.commands.executeCommand('multiproc.run', PROGRAM('many-processes.ts'))) as Run;
    try {
      const t0 = performance.now();
      const stall = stallMonitor(50);
      const started = () => run.model.allProcesses().filter((p) => p.origin === 'library' && p.state === 'running');
      await waitFor('200 processes running', () => started().length >= 200 || !run.live, 240_000)
        .catch((e: Error) => {
          const counts = new Map<string, number>();
          for (const p of run.model.allProcesses()) counts.set(`${p.origin} ${p.state}`, (counts.get(`${p.origin} ${p.state}`) ?? 0) + 1);
          throw new Error(`${e.message}: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}\nlog:\n${a.log.slice(-20).join('\n')}\n${run.outputTail.slice(-2000)}`);
        });
      assert.ok(run.live, `the run ended early:\n${run.outputTail.slice(-2000)}`);
      await waitFor('the program to say so', () => /200 processes started/.test(run.outputTail), 30_000);
      const startMs = performance.now() - t0;
      const worstStall = stall.stop();
      await waitFor('the view to have fetched what every report changed', () => a.latency.pending === 0, 120_000);
      const caughtUpMs = performance.now() - t0;
      // a process counts as running once the OS lists it; booting node goes on for a while after
      const live = () => run.model.liveProcesses();
      await waitFor('the 200 to settle (under half a core between them)',
        () => live().every((p) => p.cpu !== undefined) && live().reduce((sum, p) => sum + p.cpu!, 0) < 50, 120_000);
      const settledMs = performance.now() - t0;
      const starting = summary(a.latency.samples(true));
      console.log(`    200 processes running after ${(startMs / 1000).toFixed(1)} s (the extension host stalled up to ${(worstStall / 1000).toFixed(1)} s meanwhile), all in the view after ${(caughtUpMs / 1000).toFixed(1)} s, idle after ${(settledMs / 1000).toFixed(1)} s`);
      console.log(`    report→view while they start: ${starting.text}`);

      const tree = render(a, a.model.runNode(run));
      const children = tree.filter((l) => /^ {2}Process-\d+ — running · .*· pid \d+/.test(l));
      const grandchildren = tree.filter((l) => /^ {4}Process-\d+:\d+ — running · .*· pid \d+/.test(l));
      assert.equal(children.length, 20, tree.slice(0, 30).join('\n'));
      assert.equal(grandchildren.length, 180, tree.slice(0, 30).join('\n'));
      assert.match(runLine(a, run), /^many-processes\.ts #\d+ — running · 2\d\d live · /);
      const pids = new Set([...children, ...grandchildren].map((l) => Number(/pid (\d+)/.exec(l)![1])));
      assert.equal(pids.size, 200, 'two hundred distinct pids');
      for (const pid of pids) assert.ok(alive(pid), `pid ${pid} shown running is alive`);

      // the view and the commands answer while 200 are live
      const last = run.model.allProcesses().filter((p) => /^Process-20:9$/.test(p.name))[0];
      assert.ok(last, 'the last grandchild is in the model');
      let t = performance.now();
      await a.processesView.reveal(a.model.procNode(run, last.pid), { select: true, focus: false, expand: true });
      const revealMs = performance.now() - t;
      t = performance.now();
      const doc = (await vscode.commands.executeCommand('multiproc.showExitCodes', a.model.runNode(run))) as vscode.TextDocument;
      const tableMs = performance.now() - t;
      assert.equal(doc.getText().split('\n').filter((l) => /^Process-\d+(:\d+)?\s+\d+\s/.test(l)).length, 200);
      t = performance.now();
      assert.equal(await vscode.commands.executeCommand('multiproc.copyPid', a.model.procNode(run, last.pid)), last.pid);
      const copyMs = performance.now() - t;
      console.log(`    with 200 live: reveal of the last grandchild ${revealMs.toFixed(0)} ms, exit-code table ${tableMs.toFixed(0)} ms, Copy PID ${copyMs.toFixed(0)} ms`);
      for (const [what, ms] of [['reveal', revealMs], ['exit-code table', tableMs], ['Copy PID', copyMs]] as const) {
        assert.ok(ms < 5000, `${what} took ${ms.toFixed(0)} ms with 200 live processes`);
      }
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('notifications.clearAll');
      await screenshot('reliability-200.png', 1500);

      // 200 live and settled: the queue of beats keeps reporting
      a.latency.samples(true);
      await sleep(10_000);
      const steady = summary(a.latency.samples(true));
      console.log(`    report→view with 200 live: ${steady.text}`);

      fs.writeFileSync(release, '');
      await run.whenExited();
      const ending = summary(a.latency.samples(true));
      console.log(`    report→view while the 200 end: ${ending.text}`);
      assert.match(run.outputTail, /\d+ beats; exit codes: (0 ){19}0/);
      assert.equal(run.model.allProcesses().filter((p) => p.origin === 'library' && p.exitCode === 0).length, 200);
      assert.ok(starting.n >= 200, `a latency sample per start report (${starting.n})`);
      assert.ok(steady.n >= 20, `queue reports while 200 are live (${steady.n})`);
      // starting 200 node processes saturates 2 cores (the figures while starting are printed
      // above); a view that keeps up with a program at work is what is asserted
      assert.ok(steady.p95 < 1000, `p95 report→view latency with 200 live under 1 s: ${steady.text}`);
    } finally {
      if (run.live) await run.stop();
      fs.rmSync(release, { force: true });
    }
  });

  test('input that cannot run: syntax errors (file, line, a diagnostic), a directory, a missing path, a missing or unrunnable multiproc.nodePath; the extension carries on', async function () {
    this.timeout(90_000);
    const a = await api();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiproc-bad-'));
    const runOf = async (file: string) => (await vscode.commands.executeCommand('multiproc.run', vscode.Uri.file(file))) as Run;
    const failedCleanly = (run: Run) => {
      assert.equal(run.model.state, 'failed');
      assert.equal(run.live, false);
      assert.deepEqual(run.model.liveProcesses(), [], 'no process of the run is left live');
      const tree = render(a, a.model.runNode(run));
      assert.equal(tree[0], `${run.model.failure} — `, 'the reason is the first line under the run');
      assert.match(runLine(a, run), /— failed · /);
    };
    try {
      // (a) a syntax error, in TypeScript (esbuild's message) and in JavaScript (node's own)
      const broken: Array<[string, string, RegExp]> = [
        ['broken.ts', "import { isMainProcess } from 'multiproc';\nconst x: number = ;\nconsole.log(isMainProcess(), x);\n", /^syntax error: Unexpected ";"/],
        ['broken.js', 'const a = 1;\nconst x = ;\nconsole.log(a, x);\n', /^SyntaxError: Unexpected token ';'/],
      ];
      for (const [name, text, why] of broken) {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        const run = await runOf(file);
        await run.whenExited();
        failedCleanly(run);
        assert.match(run.model.failure ?? '', why);
        assert.match(run.model.failure ?? '', new RegExp(`\\(${name.replace('.', '\\.')}:2\\)$`), 'the file and line');
        assert.ok(run.outputTail.includes(`${file}:2`), `the output names ${file}:2:\n${run.outputTail}`);
        const problems = vscode.languages.getDiagnostics(vscode.Uri.file(file));
        assert.equal(problems.length, 1, `one problem on ${name}`);
        assert.equal(problems[0].range.start.line, 1, 'on line 2');
        assert.equal(problems[0].source, 'multiproc');
        assert.equal(problems[0].severity, vscode.DiagnosticSeverity.Error);
        assert.match(problems[0].message, new RegExp(`${name.replace('.', '\\.')} #\\d+ failed: ${why.source.slice(1)}`));
      }
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await screenshot('reliability-syntax-error.png', 1000);
      await vscode.commands.executeCommand('workbench.action.closePanel');
      const problemsOn = (name: string) => vscode.languages.getDiagnostics(vscode.Uri.file(path.join(dir, name))).filter((d) => d.source === 'multiproc');
      assert.equal(problemsOn('broken.ts').length, 1, 'running another program (broken.js) leaves broken.ts\'s problem');

      // (b) something that is not a file
      const missing = path.join(dir, 'no-such-program.ts');
      for (const [target, why] of [[dir, 'it is a directory, not a program file'], [missing, 'no such file']]) {
        const run = await runOf(target);
        failedCleanly(run);
        assert.equal(run.model.failure, `cannot run ${target}: ${why}`);
        assert.ok(run.outputTail.includes(`[multiproc] cannot run ${target}: ${why}`), run.outputTail);
      }

      // (c) multiproc.nodePath that does not exist, or is not a program
      const good = PROGRAM('tree-traffic.ts').fsPath;
      for (const [nodePath, why] of [[path.join(dir, 'bin', 'node'), 'was not found'], [dir, 'cannot be run, EACCES']]) {
        await setting('nodePath', nodePath);
        const run = await runOf(good);
        await waitFor('the run to fail', () => run.model.state === 'failed', 10_000);
        failedCleanly(run);
        assert.equal(run.model.failure, `cannot start the program: "${nodePath}" ${why} (set multiproc.nodePath to a Node.js executable)`);
        assert.equal(run.model.mainPid, undefined, 'no main process was ever started');
      }
      await setting('nodePath', undefined);
      await screenshot('reliability-bad-input.png', 1000);

      // and the extension carries on: a good program runs
      const folder = vscode.workspace.workspaceFolders![0].uri;
      const ok = await runOf(vscode.Uri.joinPath(folder, 'hello.ts').fsPath);
      await ok.whenExited();
      assert.equal(ok.model.failure, undefined, ok.outputTail);
      assert.equal(ok.model.process(ok.model.mainPid!)?.exitCode, 0);
      assert.match(ok.outputTail, /hello from the multiproc test workspace/);
      assert.equal(problemsOn('broken.ts').length + problemsOn('broken.js').length, 2, 'a good run of another program leaves the problems of the failed ones');

      // a problem goes when its program runs again, or when its file is edited
      fs.writeFileSync(path.join(dir, 'broken.ts'), "console.log('mended');\n");
      const mended = await runOf(path.join(dir, 'broken.ts'));
      assert.equal(problemsOn('broken.ts').length, 0, 'a new run of broken.ts clears its problem at once');
      await mended.whenExited();
      assert.equal(mended.model.failure, undefined, mended.outputTail);
      assert.equal(problemsOn('broken.ts').length, 0);
      const js = vscode.Uri.file(path.join(dir, 'broken.js'));
      await vscode.window.showTextDocument(js);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(js, new vscode.Range(1, 0, 1, 12), 'const x = 2;');
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.equal(problemsOn('broken.js').length, 0, 'editing broken.js clears its problem');
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
