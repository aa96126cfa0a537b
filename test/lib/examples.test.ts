// The programs in examples/, ported from the Python tutorials: each is run as a user runs it
// (`multiproc run examples/x.ts`) with an observer listening, so that besides its output the test
// sees every child the library started and how each ended (Python's exitcode).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ENV_OBSERVER, ENV_OBSERVER_SECRET, FrameDecoder, type Frame, type ProcessExited, type ProcessStarted } from '../../src/lib/observer/wire.ts';
import { ROOT, runProgram, tempFile, waitFor, type RunResult } from './helpers.ts';

const EXAMPLES = path.join(ROOT, 'examples');
const SECRET = 'examples-test';

interface Child {
  start: ProcessStarted;
  exit?: ProcessExited;
}

interface Run extends RunResult {
  lines: string[];
  /** The pid of the program's main process (the CLI runs it as a child of its own). */
  mainPid: number;
  /** Every process the program started, in the order their start was reported. */
  children: Child[];
  elapsedMs: number;
}

const tested = new Set<string>();

/** Runs examples/<file> through the CLI, with an observer collecting the start and exit reports. */
async function runExample(file: string, timeoutMs = 15_000): Promise<Run> {
  tested.add(file);
  const address = tempFile('observer') + '.sock';
  const frames: Array<{ connection: number; frame: Frame }> = [];
  const open = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    const connection = connections++;
    const decoder = new FrameDecoder();
    open.add(socket);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) frames.push({ connection, frame });
    });
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(address, resolve));
  const started = Date.now();
  let r: RunResult;
  try {
    r = await runProgram(path.join(EXAMPLES, file), [], { env: { [ENV_OBSERVER]: address, [ENV_OBSERVER_SECRET]: SECRET }, timeoutMs });
  } finally {
    // Each process ends its connection as it exits; give the last bytes a moment to arrive.
    await waitFor(() => open.size === 0, 2000);
    for (const socket of open) socket.destroy();
    server.close();
  }
  const elapsedMs = Date.now() - started;

  const hellos = frames.filter((f) => f.frame.t === 'hello');
  for (const { frame } of hellos) assert.equal(frame.t === 'hello' ? frame.secret : undefined, SECRET);
  const children: Child[] = [];
  for (const { frame } of frames) {
    if (frame.t === 'start') children.push({ start: frame });
  }
  for (const { frame } of frames) {
    if (frame.t !== 'exit') continue;
    const child = children.find((c) => c.start.pid === frame.pid);
    assert.ok(child, `exit reported for a pid that was never started: ${JSON.stringify(frame)}`);
    child.exit = frame;
  }
  const childPids = new Set(children.map((c) => c.start.pid));
  const mains = hellos.map(({ frame }) => (frame as { pid: number }).pid).filter((pid) => !childPids.has(pid));
  assert.equal(mains.length, 1, `expected one main process among the observer's connections, got ${mains.join(', ')}`);
  const lines = r.stdout.split('\n');
  assert.equal(lines.pop(), '', 'output ends with a newline');
  return { ...r, lines, mainPid: mains[0], children, elapsedMs };
}

/** `lines` equal `expected` in some order. */
function assertSameLines(lines: string[], expected: string[], message?: string): void {
  assert.deepEqual([...lines].sort(), [...expected].sort(), message);
}

/** Every child was started by the main process and exited with `code`. */
function assertChildrenOfMain(run: Run, count: number, code = 0): void {
  assert.equal(run.children.length, count, `expected ${count} child processes`);
  for (const { start, exit } of run.children) {
    assert.equal(start.ppid, run.mainPid, `${start.name} was started by the main process`);
    assert.notEqual(start.pid, run.mainPid);
    assert.ok(exit, `${start.name} (${start.pid}) was never reported to exit`);
    assert.equal(exit.code, code, `${start.name} exit code`);
  }
}

/** The seconds a line `<label> -> <Name> after <s> s` of queue-methods.ts reports. */
function secondsOf(lines: string[], line: string, name: 'Full' | 'Empty'): number {
  const found = lines.find((l) => l.startsWith(`${line} -> ${name} after `));
  assert.ok(found, `no "${line} -> ${name}" line in:\n${lines.join('\n')}`);
  return Number(found.split(' after ')[1].replace(/ s$/, ''));
}

function assertOk(run: Run): void {
  assert.equal(run.stderr, '', 'nothing on stderr');
  assert.equal(run.code, 0, 'the program exits with 0');
  assert.equal(run.signal, null);
}

describe('examples ported from the tutorials', () => {
  test('process-basics: the child prints its module, its parent (the main process), its own pid and its argument', async () => {
    const r = await runExample('process-basics.ts');
    assertOk(r);
    assertChildrenOfMain(r, 1);
    const [child] = r.children;
    assert.equal(child.start.daemon, false);
    assert.equal(child.start.name, 'Process-1');
    assert.match(child.start.target ?? '', /process-basics\.ts#f$/);
    assert.deepEqual(r.lines, [
      'module name: process-basics.ts',
      `parent process id ${r.mainPid}`,
      `this process id ${child.start.pid}`,
      'this process name ins',
    ]);
  });

  test('process-join: two children run side by side, report the main pid as parent, and are joined before the last line', async () => {
    const r = await runExample('process-join.ts');
    assertOk(r);
    assertChildrenOfMain(r, 2);
    const pids = r.children.map((c) => c.start.pid);
    assert.notEqual(pids[0], pids[1]);
    // The tutorial's output: the parent's line first (start() does not wait), then both children
    // start before either wakes from its sleep, and the parent's last line comes after both joins.
    assert.equal(r.lines.length, 8, r.stdout);
    assert.equal(r.lines[0], 'start all process');
    assert.deepEqual(r.lines.slice(1, 3), ['start a process', 'start a process']);
    assertSameLines(r.lines.slice(3, 7), [
      `the process parent id : ${r.mainPid}`,
      `the process parent id : ${r.mainPid}`,
      ...pids.map((pid) => `the process id is : ${pid}`),
    ]);
    assert.equal(r.lines[7], 'all sub process is done!');
    // Concurrent, not one after the other: each child started before the other ended.
    const [a, b] = r.children;
    assert.ok(a.start.time < b.exit!.time && b.start.time < a.exit!.time, 'the two children did not overlap in time');
  });

  test('process-result-not-shared: each child computes KEL, but the parent\'s res stays empty', async () => {
    const r = await runExample('process-result-not-shared.ts');
    assertOk(r);
    assertChildrenOfMain(r, 3);
    assert.deepEqual(r.children.map((c) => c.start.name), ['process', 'process', 'process']);
    for (const c of r.children) assert.match(c.start.target ?? '', /process-result-not-shared\.ts#MyProcess$/);
    assert.equal(r.lines.length, 12, r.stdout);
    assertSameLines(r.lines.slice(0, 9), [
      'start process...', 'start process...', 'start process...',
      'process', 'process', 'process',
      'KEL', 'KEL', 'KEL',
    ]);
    // The children's output all comes before the parent's, since it joins them first.
    assert.deepEqual(r.lines.slice(9), ['', '', '']);
  });

  test('process-start-no-join: "main thread" prints first; the four children still run to their end', async () => {
    const r = await runExample('process-start-no-join.ts');
    assertOk(r);
    assertChildrenOfMain(r, 4);
    const users = ['user1', 'user2', 'user3', 'user4'];
    assert.equal(r.lines[0], 'main thread');
    assertSameLines(r.lines.slice(1), users.flatMap((u) => [`${u} piaoing`, `${u} piao end`]));
    for (const u of users) {
      assert.ok(r.lines.indexOf(`${u} piaoing`) < r.lines.indexOf(`${u} piao end`), `${u} ended before it began`);
    }
    // The main code is done at once, yet the program waited for its (non-daemon) children: the
    // "end" lines above came after it, and every child ended on its own.
  });

  test('process-subclass: run() of each started Piao runs in its own process, under its own name; the unstarted one never runs', async () => {
    const r = await runExample('process-subclass.ts');
    assertOk(r);
    assertChildrenOfMain(r, 3);
    const names = ['egon', 'alex', 'wupeiqi'];
    assert.deepEqual(r.children.map((c) => c.start.name), names);
    for (const c of r.children) assert.match(c.start.target ?? '', /process-subclass\.ts#Piao$/);
    assert.equal(r.lines[0], 'main thread');
    assertSameLines(r.lines.slice(1), names.flatMap((n) => [`${n} piaoing`, `${n} piao end`]));
    for (const n of names) {
      assert.ok(r.lines.indexOf(`${n} piaoing`) < r.lines.indexOf(`${n} piao end`), `${n} ended before it began`);
    }
    assert.ok(!r.stdout.includes('yuanhao'));
  });

  test('daemon: the daemon child is terminated when the main code ends, so its "end" line never prints', async () => {
    const r = await runExample('daemon.ts');
    assertOk(r);
    assert.equal(r.lines[0], 'master');
    // It may or may not get as far as its first line before it is ended; never to its last.
    assert.ok(r.lines.length <= 2, r.stdout);
    if (r.lines.length === 2) assert.equal(r.lines[1], 'egon is piaoing');
    assert.ok(!r.stdout.includes('piao end'));
    assert.equal(r.children.length, 1);
    const [{ start, exit }] = r.children;
    assert.equal(start.daemon, true);
    assert.equal(start.name, 'egon');
    assert.equal(start.ppid, r.mainPid);
    // Python's exitcode for a process ended by SIGTERM.
    assert.deepEqual([exit?.code, exit?.signal], [-15, 'SIGTERM']);
  });

  test('queue-share: one child puts 11, 22, 33, the other gets all three in order and stops when the queue is empty', async () => {
    const r = await runExample('queue-share.ts', 5000);
    assertOk(r);
    assertChildrenOfMain(r, 2);
    assert.deepEqual(r.children.map((c) => c.start.target?.replace(/^.*#/, '')), ['downloadMsg', 'getMsg']);
    assert.deepEqual(r.lines.filter((l) => l === '数据已存放到队列中').length, 3, r.stdout);
    // One queue, first in first out: whatever the consumer got, it got in the order put. The
    // tutorial's run gets all three (the producer puts them faster than the consumer takes them).
    assert.equal(r.lines.length, 4, r.stdout);
    assert.equal(r.lines.at(-1), '获取Queue中的信息为:[11, 22, 33]');
  });

  test('queue-subclass: three MyProcess children put KEL on one queue; after joining them the parent reads all three', async () => {
    const r = await runExample('queue-subclass.ts');
    assertOk(r);
    assertChildrenOfMain(r, 3);
    assert.deepEqual(r.children.map((c) => c.start.name), ['process', 'process', 'process']);
    for (const c of r.children) assert.match(c.start.target ?? '', /queue-subclass\.ts#MyProcess$/);
    // The children print before the parent reads (it joins them first); qsize() is then 3.
    assert.deepEqual(r.lines, ['start process...', 'start process...', 'start process...', 'KEL', 'KEL', 'KEL']);
  });

  test('pipe-subclass: three MyProcess children send KEL on one child end; after joining them the parent recv()s three times', async () => {
    const r = await runExample('pipe-subclass.ts', 5000);
    assertOk(r);
    assertChildrenOfMain(r, 3);
    for (const c of r.children) assert.match(c.start.target ?? '', /pipe-subclass\.ts#MyProcess$/);
    assert.deepEqual(r.lines, ['start process...', 'start process...', 'start process...', 'KEL', 'KEL', 'KEL']);
  });

  test('pipe-duplex: both ends send and receive; the parent prints "hello world" before the child can print "hi son"', async () => {
    const r = await runExample('pipe-duplex.ts');
    assertOk(r);
    assertChildrenOfMain(r, 1);
    assert.match(r.children[0].start.target ?? '', /pipe-duplex\.ts#foo$/);
    // The child receives "hi son" only after the parent received and printed "hello world".
    assert.deepEqual(r.lines, ['hello world', 'hi son']);
  });

  test('pipe-one-way: Pipe(false) gives a receive-only and a send-only end; recv gets what was sent in order, then EOFError', async () => {
    const r = await runExample('pipe-one-way.ts');
    assertOk(r);
    assertChildrenOfMain(r, 1);
    assert.deepEqual(r.lines, ['left.send: connection is read-only', 'hello', 'world', 'EOFError: the other end is closed']);
  });

  let methods: Promise<Run> | undefined;
  const queueMethods = () => (methods ??= runExample('queue-methods.ts'));

  test('queue-methods: put/get with block and timeout, Full and Empty, nowait, qsize/empty/full, across processes', async () => {
    const r = await queueMethods();
    assertOk(r);
    assertChildrenOfMain(r, 2);
    assert.deepEqual(r.children.map((c) => c.start.target?.replace(/^.*#/, '')), ['producer', 'consumer']);
    const ok = (line: string) => line.replace(/ after [\d.]+ s$/, '');
    assert.deepEqual(r.lines.map(ok), [
      'q.empty() -> true',
      "q.put('a') -> ok",
      "q.put_nowait('b') -> ok",
      "q.put('c', timeout=0.2) -> Full",
      "q.put('c', block=False) -> Full",
      "q.put_nowait('c') -> Full",
      'q.qsize() -> 2',
      'q.full() -> true',
      'q.get() -> "a"',
      'q.get_nowait() -> "b"',
      'q.empty() -> true',
      'q.get(timeout=0.2) -> Empty',
      'q.get(block=False) -> Empty',
      'q.get_nowait() -> Empty',
      // The blocked get in the child returns as soon as the parent puts, well within its timeout.
      'q.get(timeout=2) -> "d"',
      'q.empty() -> true',
    ]);
    // A timeout is waited out in full, and not much longer.
    for (const [line, name] of [["q.put('c', timeout=0.2)", 'Full'], ['q.get(timeout=0.2)', 'Empty']] as const) {
      const s = secondsOf(r.lines, line, name);
      assert.ok(s >= 0.2 && s <= 0.5, `${line}: ${name} after ${s} s`);
    }
    // Non-blocking calls in the queue's own process fail at once.
    assert.equal(secondsOf(r.lines, 'q.get(block=False)', 'Empty'), 0);
    assert.equal(secondsOf(r.lines, 'q.get_nowait()', 'Empty'), 0);
  });

  test('queue-methods: in another process, put(block=False) and put_nowait() on a full queue raise Full at once', async () => {
    const r = await queueMethods();
    assert.equal(secondsOf(r.lines, "q.put('c', block=False)", 'Full'), 0);
    assert.equal(secondsOf(r.lines, "q.put_nowait('c')", 'Full'), 0);
  });

  test('every example names its seed and section on its first line, and has a test here', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts')).sort();
    assert.ok(files.length >= 12);
    for (const file of files) {
      const first = readFileSync(path.join(EXAMPLES, file), 'utf8').split('\n')[0];
      assert.match(first, /^\/\/ From seed \d{3}, section .+/, `${file}: first line`);
      assert.doesNotMatch(first.slice(2), /\/|\.txt/, `${file}: names a seed by number only, not by a path`);
    }
    // The tests above run first (in order): each example file was run by one of them.
    assert.deepEqual(files.filter((f) => !tested.has(f)), [], 'examples without a test');
  });
});
