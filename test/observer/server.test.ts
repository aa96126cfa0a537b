// The observer server over a real Unix socket: authenticated peers are heard, everything else is
// dropped and logged, and nothing a peer sends reaches the host as an exception.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ObserverServer } from '../../src/observer/server.ts';
import { ENV_OBSERVER, ENV_OBSERVER_SECRET, MAX_FRAME_BYTES, WIRE_VERSION, encodeFrame, type Report } from '../../src/wire/wire.ts';
import { ROOT, runProgram, waitFor } from '../lib/helpers.ts';

async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  assert.ok(await waitFor(check, timeoutMs), `timed out waiting for ${what}`);
}

interface Heard {
  server: ObserverServer;
  reports: Array<{ report: Report; pid: number }>;
  peers: number[];
  logs: string[];
}

const servers: ObserverServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function listen(helloTimeoutMs?: number): Promise<Heard> {
  const heard: Omit<Heard, 'server'> = { reports: [], peers: [], logs: [] };
  const server = await ObserverServer.start({
    onReport: (report, pid) => heard.reports.push({ report, pid }),
    onPeer: (pid) => heard.peers.push(pid),
    onLog: (m) => heard.logs.push(m),
    helloTimeoutMs,
  });
  servers.push(server);
  return { server, ...heard };
}

function open(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(address, () => resolve(s));
    s.on('error', reject);
  });
}

/** Resolves when the server has closed the connection. */
const closedByServer = (s: Socket) => new Promise<void>((resolve) => { s.on('close', () => resolve()); s.on('error', () => undefined); });

const startFrame: Report = { t: 'start', pid: 7, ppid: 6, name: 'Process-1', ident: '1', daemon: false, time: 1 };

describe('observer server', () => {
  test('the socket lives in a directory only its user can enter', async () => {
    const { server } = await listen();
    if (process.platform === 'win32') return;
    const mode = statSync(path.dirname(server.address)).mode & 0o777;
    assert.equal(mode, 0o700);
    assert.equal(server.env()[ENV_OBSERVER], server.address);
    assert.equal(server.env()[ENV_OBSERVER_SECRET], server.secret);
    assert.ok(server.secret.length >= 32);
  });

  test('a peer with the secret is heard, one frame at a time or split across writes', async () => {
    const h = await listen();
    const s = await open(h.server.address);
    const bytes = Buffer.concat([encodeFrame({ t: 'hello', v: WIRE_VERSION, secret: h.server.secret, pid: 42 }), encodeFrame(startFrame)]);
    for (let i = 0; i < bytes.length; i += 7) s.write(bytes.subarray(i, i + 7));
    await until('the start report', () => h.reports.length === 1);
    assert.deepEqual(h.peers, [42]);
    assert.deepEqual(h.reports[0], { report: startFrame, pid: 42 });
    assert.deepEqual(h.logs, []);
    s.destroy();
  });

  test('a foreign connection (wrong secret, or no hello first) is refused and logged', async () => {
    const h = await listen();
    const wrong = await open(h.server.address);
    const wrongClosed = closedByServer(wrong);
    wrong.write(encodeFrame({ t: 'hello', v: WIRE_VERSION, secret: 'not-the-secret', pid: 1 }));
    wrong.write(encodeFrame(startFrame));
    await wrongClosed;
    const rude = await open(h.server.address);
    const rudeClosed = closedByServer(rude);
    rude.write(encodeFrame(startFrame));
    await rudeClosed;
    assert.deepEqual(h.reports, []);
    assert.equal(h.server.dropped, 2);
    assert.ok(h.logs.some((l) => /wrong secret/.test(l)), h.logs.join('\n'));
    assert.ok(h.logs.some((l) => /not hello/.test(l)), h.logs.join('\n'));
  });

  test('a silent connection is dropped after the hello timeout', async () => {
    const h = await listen(200);
    const s = await open(h.server.address);
    await closedByServer(s);
    assert.ok(h.logs.some((l) => /no hello/.test(l)));
  });

  test('garbage, oversized and malformed frames are dropped; the server keeps serving', async () => {
    const h = await listen();
    const hello = encodeFrame({ t: 'hello', v: WIRE_VERSION, secret: h.server.secret, pid: 9 });

    // not JSON: the connection goes
    const a = await open(h.server.address);
    const aClosed = closedByServer(a);
    const junk = Buffer.from('not json at all');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(junk.length);
    a.write(Buffer.concat([hello, head, junk]));
    await aClosed;

    // an oversized length: dropped before the body is buffered
    const b = await open(h.server.address);
    const bClosed = closedByServer(b);
    const big = Buffer.alloc(4);
    big.writeUInt32BE(MAX_FRAME_BYTES + 1);
    b.write(Buffer.concat([hello, big]));
    await bClosed;

    // a well-formed frame with bad fields or an unknown type: that frame is dropped, the peer stays
    const c = await open(h.server.address);
    c.write(Buffer.concat([
      hello,
      encodeFrame({ t: 'start', pid: 'x' } as unknown as Report),
      encodeFrame({ t: 'bogus' } as unknown as Report),
      encodeFrame(startFrame),
    ]));
    await until('the start report', () => h.reports.length === 1);
    assert.deepEqual(h.reports.map((r) => r.report), [startFrame]);
    assert.ok(!c.destroyed);
    assert.ok(h.logs.some((l) => /not JSON/.test(l)), h.logs.join('\n'));
    assert.ok(h.logs.some((l) => /exceeds/.test(l)), h.logs.join('\n'));
    assert.ok(h.logs.some((l) => /bad pid/.test(l)), h.logs.join('\n'));
    assert.ok(h.logs.some((l) => /unknown report type/.test(l)), h.logs.join('\n'));
    c.destroy();
  });

  test('a throwing report handler is logged, not thrown into the host', async () => {
    const logs: string[] = [];
    const server = await ObserverServer.start({ onReport: () => { throw new Error('boom'); }, onLog: (m) => logs.push(m) });
    servers.push(server);
    const s = await open(server.address);
    s.write(Buffer.concat([encodeFrame({ t: 'hello', v: WIRE_VERSION, secret: server.secret, pid: 3 }), encodeFrame(startFrame)]));
    await until('the handler failure logged', () => logs.some((l) => /boom/.test(l)));
    s.destroy();
  });

  test('a real program reports its children through the server; close removes the socket directory', async () => {
    const h = await listen();
    const r = await runProgram(path.join(ROOT, 'examples/process-join.ts'), [], { env: h.server.env() });
    assert.equal(r.code, 0, r.stderr);
    await until('two exit reports', () => h.reports.filter((x) => x.report.t === 'exit').length === 2);
    const starts = h.reports.filter((x) => x.report.t === 'start').map((x) => x.report as Extract<Report, { t: 'start' }>);
    assert.equal(starts.length, 2);
    assert.deepEqual(h.logs, []);
    const dir = path.dirname(h.server.address);
    await h.server.close();
    assert.throws(() => statSync(dir));
  });
});
