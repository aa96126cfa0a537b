// `multiproc run --watch`: a plain log without a terminal, a redrawn tree on one, the exit-code
// table at the end, and a non-zero exit when any process failed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CLI, ROOT, runProgram } from '../lib/helpers.ts';

const DEMO = path.join(ROOT, 'examples/watch/producer-consumer.ts');
const FAST = { MULTIPROC_DEMO_PACE: '0.1' };

/* eslint-disable no-control-regex -- the point here is the terminal's escape sequences */

/** What a terminal shows after the output: text with the cursor moves and erases the CLI uses applied. */
function screen(raw: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  for (const token of raw.split(/(\x1b\[[0-9;]*[A-Za-z])/)) {
    const esc = /^\x1b\[([0-9;]*)([A-Za-z])$/.exec(token);
    if (esc) {
      if (esc[2] === 'F') {
        row = Math.max(0, row - Number(esc[1] || 1));
        col = 0;
      } else if (esc[2] === 'J') {
        lines[row] = lines[row].slice(0, col);
        lines.length = row + 1;
      }
      continue;
    }
    for (const ch of token) {
      if (ch === '\r') col = 0;
      else if (ch === '\n') {
        row += 1;
        col = 0;
        while (lines.length <= row) lines.push([]);
      } else {
        while (lines[row].length < col) lines[row].push(' ');
        lines[row][col++] = ch;
      }
    }
  }
  return lines.map((l) => l.join(''));
}

describe('multiproc run --watch', () => {
  test('without a terminal: a log line per start and exit, the exit-code table, exit 0', async () => {
    const r = await runProgram(DEMO, [], { nodeArgs: [CLI, 'run', '--watch'], env: FAST, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\[multiproc\] started MainProcess \(pid \d+\): producer-consumer\.ts$/m);
    for (const name of ['producer', 'consumer-1', 'consumer-2', 'finisher', 'idler']) {
      assert.match(r.stderr, new RegExp(`^\\[multiproc\\] started ${name} \\(pid \\d+\\) in MainProcess$`, 'm'));
      assert.match(r.stderr, new RegExp(`^\\[multiproc\\] ${name} \\(pid \\d+\\) exit 0 after [\\d.]+ m?s$`, 'm'));
    }
    assert.match(r.stderr, /started SpawnPoolWorker-\d+ \(pid \d+\) in MainProcess, daemon/);
    assert.match(r.stderr, /^name +pid +parent +exit code +signal +start +duration$/m);
    assert.match(r.stderr, /^idler +\d+ +MainProcess \(\d+\) +0 /m);
    assert.match(r.stderr, /^all 8 processes exited 0$/m);
    assert.match(r.stdout, /^squares: 1 4 9 16 25 36 49 64$/m, "the program's own output passes through");
  });

  test('a failed child makes the exit status non-zero even though the main process exits 0', async () => {
    const r = await runProgram(path.join(ROOT, 'test/lib/programs/crash.ts'), [], { nodeArgs: [CLI, 'run', '--watch'] });
    assert.match(r.stdout, /exitCode 1/, 'the program itself exits 0');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^\[multiproc\] Process-1 \(pid \d+\) exit 1 after/m);
    assert.match(r.stderr, /^1 of 2 processes failed: Process-1$/m);
  });

  test('--watch after the program is the CLI\'s; after -- it is the program\'s', async () => {
    const r = await runProgram(DEMO, ['--watch'], { env: FAST, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /all 8 processes exited 0/);
    const plain = await runProgram(path.join(ROOT, 'test/lib/programs/common.cjs'), ['--', '--watch']);
    assert.doesNotMatch(plain.stderr, /\[multiproc\]/);
  });

  test('on a terminal: the tree is redrawn below the output and left, final, above the table', { skip: !existsSync('/usr/bin/script') && 'no script(1)' }, () => {
    const command = `stty cols 120 rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run --watch ${JSON.stringify(DEMO)}`;
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...FAST, TERM: 'xterm' }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const raw = r.stdout;
    assert.ok((raw.match(/\x1b\[\d+F\x1b\[J/g) ?? []).length > 3, 'the tree was erased and redrawn while the program ran');
    assert.match(raw, /[●…] (producer|consumer-\d|finisher|idler) {2}(running|starting)/, `a live state was drawn:\n${JSON.stringify(raw.slice(0, 4000))}`);
    const shown = screen(raw).map((l) => l.trimEnd());
    const top = shown.findIndex((l) => /^producer-consumer\.ts · exited · /.test(l));
    assert.ok(top >= 0, shown.join('\n'));
    // the program's output stays above the tree, whole, none of it erased
    for (const line of ['idler waiting to be terminated', 'squares: 1 4 9 16 25 36 49 64', 'finisher done']) {
      assert.ok(shown.slice(0, top).includes(line), `"${line}" above the tree:\n${shown.join('\n')}`);
    }
    assert.match(shown[top + 1], /^ {2}✓ MainProcess {2}exit 0 · /);
    assert.ok(shown.slice(top + 2, top + 4).some((l) => /^ {2}├─ ▤ Queue {2}last seen depth \d\/5 · (peak 5 · )?owner ended$/.test(l)), 'the queue, first under MainProcess (with the pipe)');
    assert.equal(shown.filter((l) => /^ {2}(│ {2})?[├└]─ ✓ \S+ {2}exit 0 · /.test(l)).length, 7, shown.join('\n'));
    assert.ok(shown.includes('all 8 processes exited 0'));
    assert.equal(shown.filter((l) => /^producer-consumer\.ts · /.test(l)).length, 1, 'one tree left on the screen');
  });
});
