// The run model: reports and OS samples merged into one tree, with coalesced change events.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { describeProcess, describeQueue, formatExit } from '../../src/observer/format.ts';
import { RunModel, processKey, queueKey, RUN_KEY, type NodeKey } from '../../src/observer/model.ts';
import { OsSampler, parsePs } from '../../src/observer/process-table.ts';
import { renderTree } from '../../src/observer/text-tree.ts';
import type { Report } from '../../src/wire/wire.ts';

const start = (pid: number, ppid: number, name: string, extra: Partial<Report> = {}): Report =>
  ({ t: 'start', pid, ppid, name, ident: '1', daemon: false, time: 1000 + pid, ...extra }) as Report;

function model(coalesceMs = 100): RunModel {
  const m = new RunModel({ id: '1', script: 'prog.ts', coalesceMs });
  m.mainStarted(100, 'node prog.ts');
  return m;
}

describe('observer model', () => {
  test('processes nest by parent under the main process, queues under their owner', () => {
    const m = model();
    m.apply(start(101, 100, 'Process-1', { target: 'prog.ts#producer' } as Partial<Report>));
    m.apply(start(102, 100, 'Process-2'));
    m.apply(start(103, 101, 'Process-1:1'));
    m.apply({ t: 'queue', id: 'q1', pid: 100, kind: 'Queue', depth: 3, bytes: 30, getters: 0, putters: 1, maxsize: 4, time: 2000 });
    assert.deepEqual(m.roots().map((p) => p.name), ['MainProcess']);
    assert.deepEqual(m.childrenOf(100).map((p) => p.name), ['Process-1', 'Process-2']);
    assert.deepEqual(m.childrenOf(101).map((p) => p.name), ['Process-1:1']);
    assert.deepEqual(m.queuesOf(100).map((q) => [q.id, q.depth, q.maxsize, q.putters]), [['q1', 3, 4, 1]]);
    assert.equal(m.process(101)?.target, 'prog.ts#producer');
    assert.equal(m.process(101)?.state, 'starting');
    m.peer(101);
    assert.equal(m.process(101)?.state, 'running');
    assert.deepEqual(m.descendantsOf(101).map((p) => p.pid), [103, 101]);
    m.dispose();
  });

  test('exit codes carry the signal name; abnormal exits make the run failed', () => {
    const m = model();
    m.apply(start(101, 100, 'Process-1'));
    m.apply(start(102, 100, 'Process-2'));
    m.apply({ t: 'exit', pid: 101, code: 0, time: 3000 });
    assert.equal(m.failed, false);
    m.apply({ t: 'exit', pid: 102, code: -15, time: 3500 });
    const p = m.process(102)!;
    assert.equal(p.signal, 'SIGTERM', 'the name comes from the number when the report has none');
    assert.equal(formatExit(p), 'exit \u221215 SIGTERM');
    assert.equal(m.failed, true);
    assert.match(describeProcess(p), /^exit −15 SIGTERM · 2\.4 s · pid 102$/);
    m.apply({ t: 'queue', id: 'q1', pid: 100, kind: 'Queue', depth: 2, bytes: 20, getters: 0, putters: 1, maxsize: 5, time: 3600 });
    assert.equal(describeQueue(m.queue('q1')!), 'depth 2/5 · 1 putter blocked');
    m.mainExited(0, null);
    assert.equal(describeQueue(m.queue('q1')!), 'last seen depth 2/5 · owner ended', 'a queue whose owner ended is not shown as current');
    const rows = m.exitTable();
    assert.deepEqual(rows.map((r) => [r.name, r.exitCode, r.signal, r.parent]), [
      ['Process-1', 0, undefined, 'MainProcess'], ['Process-2', -15, 'SIGTERM', 'MainProcess'], ['MainProcess', 0, undefined, ''],
    ], 'by start time (the reports carry early times here)');
    assert.equal(rows.find((r) => r.pid === 102)?.durationMs, 3500 - 1102);
    m.dispose();
  });

  test('when the main process ends, processes with no exit report are ended with an unknown code', () => {
    const m = model();
    m.apply(start(101, 100, 'Process-1'));
    m.mainExited(null, 'SIGKILL');
    assert.equal(m.state, 'exited');
    assert.equal(m.process(100)?.exitCode, -9);
    assert.equal(m.process(101)?.state, 'exited');
    assert.equal(m.process(101)?.exitCode, undefined);
    assert.equal(m.liveProcesses().length, 0);
    m.dispose();
  });

  test('OS samples add CPU and memory, and descendants the library did not start, marked as OS processes', () => {
    const m = model();
    m.apply(start(101, 100, 'Process-1'));
    m.applySample([
      { pid: 100, ppid: 1, cpu: 1.5, memory: 50e6, command: 'node prog.ts' },
      { pid: 101, ppid: 100, cpu: 99, memory: 40e6 },
      { pid: 200, ppid: 101, cpu: 0, memory: 1e6, command: '/bin/sleep 5' },
      { pid: 201, ppid: 100, cpu: 0, memory: 1e6, command: '/x/node_modules/@esbuild/linux-x64/bin/esbuild --service=0.28.2 --ping' },
      { pid: 202, ppid: 100, cpu: 0, memory: 1e6, command: '/usr/bin/node --import file:///x/register.js /x/child.js --multiproc-spare' },
      { pid: 203, ppid: 100, cpu: 0, memory: 1e6, command: '/usr/bin/node --inspect /x/tool.js' },
    ]);
    assert.equal(m.process(201), undefined, "the loader's esbuild service is not shown");
    assert.equal(m.process(202), undefined, 'a warm spare is not shown until it is started');
    assert.equal(m.process(203)?.name, 'node tool.js');
    // the spare taken: its start report names it, and its samples (mark still in its command line) count
    m.apply(start(202, 100, 'Process-9'));
    m.applySample([{ pid: 100, ppid: 1 }, { pid: 202, ppid: 100, cpu: 5, memory: 2e6, command: '/usr/bin/node /x/child.js --multiproc-spare' }]);
    assert.equal(m.process(202)?.cpu, 5);
    assert.equal(m.process(101)?.cpu, 99);
    assert.equal(m.process(101)?.state, 'running', 'seen by the OS: no longer starting');
    const os = m.childrenOf(101);
    assert.deepEqual(os.map((p) => [p.name, p.origin]), [['sleep', 'os']]);
    // gone from the next sample: ended
    m.applySample([{ pid: 100, ppid: 1 }, { pid: 101, ppid: 100 }]);
    assert.equal(m.process(200)?.state, 'exited');
    // a library child seen by the OS before its report takes the report's name
    m.applySample([{ pid: 100, ppid: 1 }, { pid: 101, ppid: 100 }, { pid: 102, ppid: 100, command: 'node child.js' }]);
    m.apply(start(102, 100, 'Process-2'));
    assert.equal(m.process(102)?.name, 'Process-2');
    assert.equal(m.process(102)?.origin, 'library');
    assert.equal(m.process(102)?.state, 'running');
    m.dispose();
  });

  test('pool workers go under their pool, not directly under the owner', () => {
    const m = model();
    m.apply(start(101, 100, 'SpawnPoolWorker-1'));
    m.apply(start(102, 100, 'SpawnPoolWorker-2'));
    m.apply(start(103, 100, 'Process-3'));
    m.apply({
      t: 'pool', id: 'pool1', pid: 100, size: 2, state: 'RUN', queued: 3, done: 1, failed: 0, lost: [], time: 2000,
      workers: [{ pid: 101, name: 'SpawnPoolWorker-1', busy: true, task: 'square(3)' }, { pid: 102, name: 'SpawnPoolWorker-2', busy: false }],
    });
    assert.deepEqual(m.poolsOf(100).map((p) => p.id), ['pool1']);
    assert.deepEqual(m.poolWorkers('pool1').map((p) => p.pid), [101, 102]);
    assert.deepEqual(m.childrenOf(100).map((p) => p.name), ['Process-3']);
    // a closed pool stops listing its workers; they stay under it
    m.apply({ t: 'pool', id: 'pool1', pid: 100, size: 2, state: 'CLOSE', queued: 0, done: 8, failed: 0, lost: [], time: 3000, workers: [] });
    assert.deepEqual(m.poolWorkers('pool1').map((p) => p.pid), [101, 102]);
    assert.deepEqual(m.childrenOf(100).map((p) => p.name), ['Process-3']);
    const text = renderTree(m).slice(1).map((l) => l.replace(/ {2}(starting|running).*$/, ''));
    assert.deepEqual(text, [
      '  ● MainProcess',
      '  ├─ ▦ Pool  CLOSE · 0/2 busy · 0 queued · 8 done',
      '  │  ├─ … SpawnPoolWorker-1',
      '  │  └─ … SpawnPoolWorker-2',
      '  └─ … Process-3',
    ]);
    m.dispose();
  });

  test('change events are coalesced: a burst of reports gives one event naming the changed nodes', async () => {
    const m = model(100);
    const events: Array<ReadonlySet<NodeKey>> = [];
    m.onChange((keys) => events.push(keys));
    await new Promise((r) => setTimeout(r, 150));
    events.length = 0;
    for (let i = 0; i < 500; i++) {
      m.apply({ t: 'queue', id: 'q1', pid: 100, kind: 'Queue', depth: i % 7, bytes: 0, getters: 0, putters: 0, maxsize: 0, time: i });
    }
    m.apply(start(101, 100, 'Process-1'));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(events.length, 1);
    assert.deepEqual([...events[0]].sort(), [processKey(100), processKey(101), queueKey('q1')].sort());
    assert.equal(m.queue('q1')?.peak, 6);
    // sustained changes: no more than ~10 events a second
    events.length = 0;
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      m.apply({ t: 'queue', id: 'q1', pid: 100, kind: 'Queue', depth: 1, bytes: 0, getters: 0, putters: 0, maxsize: 0, time: 0 });
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(events.length >= 3 && events.length <= 11, `${events.length} events in 1 s`);
    m.mainExited(0, null);
    m.flush();
    assert.ok(events.at(-1)?.has(RUN_KEY));
    m.dispose();
  });

  test('clear finished keeps the main process and live processes', () => {
    const m = model();
    m.apply(start(101, 100, 'Process-1'));
    m.apply(start(102, 100, 'Process-2'));
    m.apply({ t: 'queue', id: 'q1', pid: 101, kind: 'Queue', depth: 0, bytes: 0, getters: 0, putters: 0, maxsize: 0, time: 0 });
    m.apply({ t: 'exit', pid: 101, code: 1, time: 3000 });
    m.clearFinished();
    assert.deepEqual(m.allProcesses().map((p) => p.pid).sort(), [100, 102]);
    assert.deepEqual(m.queuesOf(101), []);
    m.dispose();
  });

  test('ps output parsing', () => {
    const rows = parsePs('  100     1  2.5 51200 node prog.ts\n  101   100  0.0  1024 node child.js --x\n');
    assert.deepEqual(rows, [
      { pid: 100, ppid: 1, cpu: 2.5, memory: 51200 * 1024, command: 'node prog.ts' },
      { pid: 101, ppid: 100, cpu: 0, memory: 1024 * 1024, command: 'node child.js --x' },
    ]);
  });

  test('the OS process table: a real process and its own child, with command lines and memory', async () => {
    const parent = spawn(process.execPath, ['-e', "require('child_process').spawn('sleep', ['30'], { stdio: 'inherit' }); setTimeout(() => {}, 30000)"], { stdio: 'ignore' });
    try {
      const sampler = new OsSampler(parent.pid!);
      let rows = await sampler.sample();
      for (let i = 0; i < 50 && rows.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        rows = await sampler.sample();
      }
      assert.equal(rows[0].pid, parent.pid);
      assert.match(rows[0].command ?? '', /node/);
      const sleeper = rows.find((r) => r.ppid === parent.pid);
      assert.ok(sleeper, `no child of ${parent.pid} in ${JSON.stringify(rows)}`);
      assert.equal(sleeper.command, 'sleep 30');
      assert.ok((rows[0].memory ?? 0) > 1024 * 1024, 'the node process has its resident memory');
    } finally {
      spawn('pkill', ['-KILL', '-P', String(parent.pid)]).on('exit', () => parent.kill('SIGKILL'));
    }
  });
});
