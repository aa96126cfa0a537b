// `multiproc` follows the conventions of command-line tools: --version, --help, `--` before the
// program's arguments, node options passed through to every process, 128+N for signal N.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CLI, ROOT, runProgram, running, waitFor } from '../lib/helpers.ts';

const ARGV = path.join(ROOT, 'test/cli/programs/argv.ts');
const cli = (args: string[]) => runProgram(args[0] ?? '', args.slice(1), { nodeArgs: [CLI] });

describe('the multiproc command line', () => {
  test('--version prints the package version; --help and run --help print the usage, exit 0', async () => {
    const version = await cli(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    for (const args of [['--help'], ['run', '--help'], ['run', '-h']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /^usage: multiproc run \[options\] \[node options\] <program/);
    }
  });

  test('a bad command line exits 2 and says why', async () => {
    const unknown = await cli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^multiproc: unknown command "frobnicate"/);
    const none = await cli(['run', '--watch']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^multiproc: run needs a program to run/);
  });

  test('node options before the program reach the main process and its children; what follows the program is the program\'s', async () => {
    const r = await runProgram(ARGV, ['--watch-me', '-x', '--', 'y'], { nodeArgs: [CLI, 'run', '--max-old-space-size=300', '--conditions', 'dev'] });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^main execArgv \["--max-old-space-size=300","--conditions","dev"\]$/m);
    assert.match(r.stdout, /^child execArgv \[.*"--max-old-space-size=300","--conditions","dev".*\]$/m);
    assert.match(r.stdout, /^main argv \["--watch-me","-x","--","y"\]$/m);
    const literal = await runProgram(ARGV, ['--', '--watch'], { nodeArgs: [CLI, 'run'] });
    assert.match(literal.stdout, /^main argv \["--watch"\]$/m);
    const afterTerminator = await runProgram('--', [ARGV, 'a'], { nodeArgs: [CLI, 'run'] });
    assert.match(afterTerminator.stdout, /^main argv \["a"\]$/m);
  });

  test('a program ended by a signal: exit 128+N (130 for SIGINT), also with --watch', async () => {
    for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const r = await runProgram(ARGV, [`--die-by=${signal}`], { nodeArgs: [CLI, 'run'] });
      assert.equal(r.code, status, `${signal}: ${r.stderr}`);
    }
    const watched = await runProgram(ARGV, ['--die-by=SIGINT'], { nodeArgs: [CLI, 'run', '--watch'] });
    assert.equal(watched.code, 130, watched.stderr);
  });

  test('kill -9 of multiproc run ends the program and every process it started', async () => {
    const cli = spawn(process.execPath, [CLI, 'run', path.join(ROOT, 'test/lib/programs/tree.ts'), '--busy'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    cli.stdout.on('data', (d: Buffer) => { out += d; });
    const pids = () => [...out.matchAll(/^pid (\S+) (\d+)$/gm)].map((m) => Number(m[2]));
    assert.equal(await waitFor(() => pids().length === 4, 15_000), true, `the program did not start: ${out}`);
    cli.kill('SIGKILL');
    assert.equal(await waitFor(() => pids().every((pid) => !running(pid)), 3000), true, `still alive: ${pids().filter(running).join(', ')} of ${pids().join(', ')}`);
  });
});

test('a TypeScript program with top-level await in a "type": "commonjs" package (what npm init writes) is told why it cannot run and how to fix it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'multiproc-cjs-'));
  try {
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', type: 'commonjs' }));
    writeFileSync(path.join(dir, 'prog.ts'), "const x: number = await Promise.resolve(1);\nconsole.log(x);\nexport {};\n");
    const r = await runProgram(path.join(dir, 'prog.ts'), [], { nodeArgs: [CLI, 'run'] });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /prog\.ts uses top-level await, which CommonJS cannot run, .*"type": "commonjs" \(npm init writes that\)\. Set "type": "module" there, or name the file \.mts\./);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
