// Whole programs, run the way a user runs them: `multiproc run <file>` or plain node.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { NODE_24, ROOT, runProgram, running, sleepMs, tempFile, waitFor } from './helpers.ts';

const programs = path.join(ROOT, 'test/lib/programs');
const program = (name: string) => path.join(programs, name);

describe('programs in every module system', () => {
  for (const [file, tag] of [['esm.mjs', 'mjs'], ['common.cjs', 'cjs'], ['common-ts.cts', 'cts']]) {
    test(`${file} runs its target in a child`, async () => {
      const r = await runProgram(program(file));
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, `hello ${tag} from Process-1\nexitCode 0\n`);
      assert.equal(r.code, 0);
    });
  }

  test('TypeScript import spellings (.js suffix for a .ts file, type-only imports) work in main and child', async () => {
    const r = await runProgram(program('imports.ts'));
    assert.equal(r.stdout, 'from a .ts module imported with a .js suffix\n');
    assert.equal(r.code, 0);
  });

  test('the plain node way: node --import multiproc/register', async () => {
    const r = await runProgram(program('esm.mjs'), [], { nodeArgs: ['--import', pathToFileURL(path.join(ROOT, 'dist/lib/register.js')).href] });
    assert.equal(r.stdout, 'hello mjs from Process-1\nexitCode 0\n');
  });
});

describe('the loader on Node 20 and on Node 24', () => {
  const node24 = () => {
    assert.ok(existsSync(NODE_24), `no Node 24 at ${NODE_24}: run scripts/setup-test-host.sh (npm test does before the library tests)`);
    return NODE_24;
  };

  test('on Node ≥ 22.15 it runs in the loading thread (module.registerHooks), in the main process and in a child; on Node 20, or when asked, on a thread of its own', async () => {
    const v24 = (await runProgram(program('loader-mode.ts'), [], { node: node24() }));
    assert.equal(v24.stderr, '');
    assert.match(v24.stdout, /^MainProcess in-thread v24\.\d+\.\d+\nProcess-1 in-thread v24\.\d+\.\d+\n$/);
    const asked = await runProgram(program('loader-mode.ts'), [], { node: node24(), env: { MULTIPROC_LOADER_THREAD: '1' } });
    assert.match(asked.stdout, /^MainProcess thread v24\.\d+\.\d+\nProcess-1 thread v24\.\d+\.\d+\n$/);
    const v20 = await runProgram(program('loader-mode.ts'));
    assert.match(v20.stdout, new RegExp(`^MainProcess thread ${process.version}\\nProcess-1 thread ${process.version}\\n$`));
  });

  test('on Node 24, programs in every module system and TypeScript import spellings run, in main and child', async () => {
    for (const [file, tag] of [['esm.mjs', 'mjs'], ['common.cjs', 'cjs'], ['common-ts.cts', 'cts']]) {
      const r = await runProgram(program(file), [], { node: node24() });
      assert.equal(r.stderr, '', file);
      assert.equal(r.stdout, `hello ${tag} from Process-1\nexitCode 0\n`, file);
    }
    const r = await runProgram(program('imports.ts'), [], { node: node24() });
    assert.equal(r.stdout, 'from a .ts module imported with a .js suffix\n');
    assert.equal(r.code, 0);
  });
});

describe('failures in children', () => {
  test('an uncaught error prints its stack under a "Process Process-1:" header, pointing at the TypeScript line', async () => {
    const r = await runProgram(program('crash.ts'));
    assert.equal(r.stdout, 'exitCode 1\n');
    assert.match(r.stderr, /^Process Process-1:\nRangeError: bad input\n\s+at fail \(.*crash\.ts:5:\d+\)/);
    assert.equal(r.code, 0);
  });

  test('a module that starts processes without the main guard gets Python\'s bootstrapping error in the child', async () => {
    const r = await runProgram(program('unguarded.ts'));
    assert.match(r.stderr, /^Process Process-1:\nError: An attempt has been made to start a new process before the current process has finished its bootstrapping phase/);
    assert.match(r.stderr, /if \(isMainProcess\(\)\)/);
    assert.equal(r.stdout, 'MainProcess saw exitCode 1\n');
  });

  test('a target the child cannot find names the module and the export, and the program goes on', async () => {
    const r = await runProgram(program('missing-export.cjs'));
    const missing = /missing-export\.cjs has no export named "work"/.source;
    assert.match(r.stderr, new RegExp(`^Process Process-1:\nError: .*${missing}\n`));
    assert.match(r.stdout, new RegExp(`^Process exitCode 1\nPool task Error: .*${missing}\nthen 49\n$`));
    assert.equal(r.code, 0);
  });
});

describe('the CLI', () => {
  test('a missing file, a directory and no program are clear errors', async () => {
    const missing = await runProgram(path.join(programs, 'nope.ts'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^multiproc: cannot run .*nope\.ts: no such file/);
    const dir = await runProgram(programs);
    assert.equal(dir.code, 2);
    assert.match(dir.stderr, /it is not a file/);
    const none = await runProgram('', [], { nodeArgs: [path.join(ROOT, 'dist/lib/cli.js'), 'run'] });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /run needs a program to run/);
  });

  test('a syntax error names the file and line', async () => {
    const dir = path.dirname(tempFile());
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'syntax-error.ts');
    writeFileSync(file, 'const ok = 1;\nconst broken = ;\n');
    const r = await runProgram(file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /syntax-error\.ts:2:\d+/);
  });

  test('passes the exit code through', async () => {
    const file = tempFile('exit') + '.ts';
    writeFileSync(file, 'process.exitCode = 5;\n');
    assert.equal((await runProgram(file)).code, 5);
  });
});

async function startTree(args: string[]): Promise<{ pids: Map<string, number>; done: Promise<unknown>; main: number }> {
  let stdout = '';
  const pids = new Map<string, number>();
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', pathToFileURL(path.join(ROOT, 'dist/lib/register.js')).href, program('tree.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const main = child.pid!;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    for (const m of stdout.matchAll(/^pid (\S+) (\d+)$/gm)) pids.set(m[1], Number(m[2]));
  });
  const done = new Promise((resolve) => child.on('exit', resolve));
  const expected = 3 + (args.includes('--daemon') ? 1 : 0) + (args.includes('--busy') ? 1 : 0);
  assert.equal(await waitFor(() => pids.size === expected, 15_000), true, `tree did not start: ${stdout}`);
  return { pids, done, main };
}

describe('no orphans', () => {
  test('SIGKILL of the main process: no descendant is alive 2 s later', async () => {
    const { pids, done, main } = await startTree(['--daemon']);
    process.kill(main, 'SIGKILL');
    await done;
    await sleepMs(2000);
    for (const [name, pid] of pids) assert.equal(running(pid), false, `${name} (${pid}) outlived its SIGKILLed ancestor`);
  });

  test('SIGKILL of the main process ends a child busy in a loop that never reads its IPC channel (Linux: the parent-death signal)', async () => {
    const { pids, done, main } = await startTree(['--busy']);
    await sleepMs(300); // the spinner is in its loop
    process.kill(main, 'SIGKILL');
    await done;
    const spinner = pids.get('spinner')!;
    assert.equal(await waitFor(() => !running(spinner), 2000), true, `the busy child ${spinner} outlived its SIGKILLed parent`);
  });

  test('SIGTERM of the main process ends its children too', async () => {
    const { pids, done, main } = await startTree(['--daemon']);
    process.kill(main, 'SIGTERM');
    await done;
    assert.equal(await waitFor(() => [...pids.values()].every((pid) => !running(pid)), 2000), true);
  });
});

describe('the end of the main code', () => {
  test('ends the program although a daemon child is connected to its Queue and Lock (the daemon is terminated)', async () => {
    const t = Date.now();
    const r = await runProgram(program('daemon-connected.ts'), [], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /daemon (\d+) connected\nmain code done/);
    const daemon = Number(/daemon (\d+)/.exec(r.stdout)![1]);
    assert.ok(Date.now() - t < 10_000, `took ${Date.now() - t} ms`);
    assert.equal(await waitFor(() => !running(daemon), 2000), true, 'the daemon outlived the program');
  });

  test('waits while the main waits on its own Event that only a daemon sets', async () => {
    const r = await runProgram(program('daemon-connected.ts'), ['--wait-event'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /connected\nevent set: true\nmain code done/);
  });
});
