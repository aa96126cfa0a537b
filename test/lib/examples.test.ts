// The programs in examples/, ported from the Python tutorials: each is run as a user runs it
// (`multiproc run examples/x.ts`) with an observer listening, so that besides its output the test
// sees every child the library started and how each ended (Python's exitcode).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ENV_OBSERVER, ENV_OBSERVER_SECRET, FrameDecoder, type Frame, type ProcessExited, type ProcessStarted } from '../../src/wire/wire.ts';
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

/** The children are the pool's `count` workers: daemons named SpawnPoolWorker-1..count, started by the main process; returns their pids. */
function assertPoolWorkers(run: Run, count: number): Set<number> {
  assert.deepEqual(run.children.map((c) => c.start.name), Array.from({ length: count }, (_, i) => `SpawnPoolWorker-${i + 1}`), 'the pool starts its workers, no more');
  for (const { start, exit } of run.children) {
    assert.equal(start.daemon, true, `${start.name} is a daemon`);
    assert.equal(start.ppid, run.mainPid, `${start.name} was started by the main process`);
    assert.notEqual(start.pid, run.mainPid);
    assert.ok(exit, `${start.name} (${start.pid}) was never reported to exit`);
  }
  return new Set(run.children.map((c) => c.start.pid));
}

/** After close() and join(), every worker ended on its own, with exit code 0. */
function assertWorkersExitedCleanly(run: Run): void {
  for (const { start, exit } of run.children) assert.deepEqual([exit?.code, exit?.signal], [0, undefined], `${start.name} exit`);
}

/**
 * A pool neither closed nor joined when the main code ends: as Python's pool finalizer does at
 * exit, its workers are terminated (SIGTERM, exit code -15), and no new ones are started.
 */
function assertWorkersTerminatedAtExit(run: Run): void {
  for (const { start, exit } of run.children) assert.deepEqual([exit?.code, exit?.signal], [-15, 'SIGTERM'], `${start.name} exit`);
}

/**
 * Follows the tasks through the output: `begins` matches a task's first line (its id, then the pid
 * it runs in), `ends` its last (its id). Checks that a worker runs one task at a time, and returns
 * the most tasks running at once.
 */
function maxRunning(lines: string[], begins: RegExp, ends: RegExp): number {
  const running = new Map<string, string>();
  let most = 0;
  for (const line of lines) {
    const b = begins.exec(line);
    const e = ends.exec(line);
    if (b) {
      const busy = [...running].find(([, pid]) => pid === b[2]);
      assert.ok(!busy, `task ${b[1]} began in ${b[2]} while task ${busy?.[0]} was running there`);
      running.set(b[1], b[2]);
    }
    if (e) assert.ok(running.delete(e[1]), `"${line}" before its task began`);
    most = Math.max(most, running.size);
  }
  assert.equal(running.size, 0, 'a task began and never ended');
  return most;
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

  test('pool-apply-async: Pool(3) runs worker(0..9) on at most three workers; "start" prints at once, "end" only after close() and join()', async () => {
    const r = await runExample('pool-apply-async.ts');
    assertOk(r);
    const workers = assertPoolWorkers(r, 3);
    assertWorkersExitedCleanly(r);
    assert.equal(r.lines.length, 22, r.stdout);
    // apply_async does not wait: the parent's line comes before any task's; join() waits for all.
    assert.equal(r.lines[0], '-------start---------');
    assert.equal(r.lines[21], '-------end-----------');
    const tasks = r.lines.slice(1, 21);
    const pids = new Set<number>();
    for (let msg = 0; msg < 10; msg++) {
      const begun = tasks.filter((l) => l.startsWith(`${msg} 开始执行,进程号为`));
      const done = tasks.filter((l) => l.startsWith(`${msg} 执行完毕时长`));
      assert.deepEqual([begun.length, done.length], [1, 1], `task ${msg} runs once:\n${r.stdout}`);
      const pid = Number(begun[0].split('进程号为')[1]);
      assert.ok(workers.has(pid), `task ${msg} ran in ${pid}, not in a worker of the pool`);
      pids.add(pid);
      assert.ok(tasks.indexOf(begun[0]) < tasks.indexOf(done[0]), `task ${msg} ended before it began`);
      // random.random()*2 scaled to at most 0.2 s, printed with two decimals.
      assert.match(done[0], /执行完毕时长\d\.\d\d$/);
      const took = Number(done[0].split('时长')[1]);
      assert.ok(took >= 0 && took < 0.5, `task ${msg} took ${took} s`);
    }
    assert.ok(pids.size <= 3, `tasks ran in ${pids.size} processes`);
    // A worker runs one task at a time, so at most three tasks run at once.
    assert.ok(maxRunning(tasks, /^(\d+) 开始执行,进程号为(\d+)$/, /^(\d+) 执行完毕/) <= 3);
  });

  test('pool-map-imap: map returns the results as a list, in order; imap yields them in order; every task runs in a worker', async () => {
    const r = await runExample('pool-map-imap.ts');
    assertOk(r);
    assertPoolWorkers(r, 5);
    // The program ends without close()/join(): as in Python, the workers are ended with it.
    assertWorkersTerminatedAtExit(r);
    assert.equal(r.lines.length, 7, r.stdout);
    // map waits for both tasks, and each task prints before it returns.
    assert.deepEqual(r.lines.slice(0, 3), ['start process', 'start process', "['KEL', 'SMILE']"]);
    const rest = r.lines.slice(3);
    assert.deepEqual(rest.filter((l) => l !== 'start process'), ['KEL', 'SMILE'], 'imap yields the results in the order of the items');
    assert.equal(rest.filter((l) => l === 'start process').length, 2);
    assert.equal(rest[0], 'start process', 'a result is printed after its task ran');
  });

  test('pool-get-timeout: seven applyAsync results read with get(2.1): all seven KEL, none times out; Pool(5) starts five workers', async () => {
    const r = await runExample('pool-get-timeout.ts');
    assertOk(r);
    assertPoolWorkers(r, 5);
    assert.equal(r.lines.length, 14, r.stdout);
    assertSameLines(r.lines, [...Array(7).fill('start process'), ...Array(7).fill('KEL')]);
    // The k-th result is printed after at least k tasks began.
    let begun = 0;
    let results = 0;
    for (const line of r.lines) {
      if (line === 'start process') begun++;
      else assert.ok(++results <= begun, `result ${results} printed before its task began:\n${r.stdout}`);
    }
    // No get(2.1) timed out (a TimeoutError would end the program with an error), and the
    // program ends without close()/join(): the workers are ended with the main code.
    assertWorkersTerminatedAtExit(r);
  });

  test('pool-process-names: Pool(processes=4) runs the three slow tasks on three different workers, each printing its own name', async () => {
    const r = await runExample('pool-process-names.ts');
    assertOk(r);
    assertPoolWorkers(r, 4);
    assertWorkersExitedCleanly(r);
    const names = new Set(r.children.map((c) => c.start.name));
    assert.equal(r.lines.length, 3, r.stdout);
    const seen = r.lines.map((l) => {
      const m = /^(.+)-(hello \d)$/.exec(l);
      assert.ok(m, l);
      assert.ok(names.has(m[1]), `${m[1]} is not a worker of the pool`);
      return { name: m[1], msg: m[2] };
    });
    assert.deepEqual(seen.map((s) => s.msg).sort(), ['hello 0', 'hello 1', 'hello 2']);
    // The tutorial's point: each task sleeps, so while one worker sleeps the next task goes to
    // another, idle worker (four of them for three tasks), and the three names differ.
    assert.equal(new Set(seen.map((s) => s.name)).size, 3, `three tasks, three workers, four of them idle at the start:\n${r.stdout}`);
  });

  test('pool-callback: the callbacks run in the parent with foo\'s results; "end" prints before any task is done; at most three workers', async () => {
    const r = await runExample('pool-callback.ts');
    assertOk(r);
    const workers = assertPoolWorkers(r, 3);
    assertWorkersExitedCleanly(r);
    assert.equal(r.lines.length, 22, r.stdout);
    assert.deepEqual(r.lines.slice(0, 2), [`主进程pid: ${r.mainPid}`, 'end']);
    const rest = r.lines.slice(2);
    const inWorker = rest.filter((l) => l.startsWith('in the process '));
    const callbacks = rest.filter((l) => l.startsWith('-->exec done: '));
    assert.equal(inWorker.length, 10, r.stdout);
    const pids = new Set(inWorker.map((l) => Number(l.slice('in the process '.length))));
    for (const pid of pids) assert.ok(workers.has(pid), `foo ran in ${pid}, not in a worker of the pool`);
    assert.ok(pids.size <= 3);
    // The callback runs in the parent (its pid is the main one), with foo's result i + 100.
    assertSameLines(callbacks, Array.from({ length: 10 }, (_, i) => `-->exec done: ${i + 100} ${r.mainPid}`));
    // Each callback follows the end of its task.
    let done = 0;
    let called = 0;
    for (const line of rest) {
      if (line.startsWith('in the process ')) done++;
      else assert.ok(++called <= done, `a callback before its task was done:\n${r.stdout}`);
    }
  });

  test('every example names its seed and section on its first line, and has a test here', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts')).sort();
    assert.ok(files.length >= 17);
    for (const file of files) {
      const first = readFileSync(path.join(EXAMPLES, file), 'utf8').split('\n')[0];
      assert.match(first, /^\/\/ From seed \d{3}, section .+/, `${file}: first line`);
      assert.doesNotMatch(first.slice(2), /\/|\.txt/, `${file}: names a seed by number only, not by a path`);
    }
    // The tests above run first (in order): each example file was run by one of them.
    assert.deepEqual(files.filter((f) => !tested.has(f)), [], 'examples without a test');
  });
});
