// The observer channel takes bytes from any local process: garbage must be rejected, never crash.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { test } from 'node:test';
import { ObserverServer } from '../../src/observer/server.ts';
import { FrameDecoder, FrameError, MAX_FRAME_BYTES, WIRE_VERSION, encodeFrame, type Report } from '../../src/wire/wire.ts';
import { waitFor } from '../lib/helpers.ts';

function randomFrame(): Buffer {
  switch (randomInt(6)) {
    case 0: return randomBytes(randomInt(1, 64)); // noise
    case 1: { // a length prefix with a random body
      const body = randomBytes(randomInt(0, 256));
      const head = Buffer.alloc(4);
      head.writeUInt32BE(body.length);
      return Buffer.concat([head, body]);
    }
    case 2: { // oversized length
      const head = Buffer.alloc(4);
      head.writeUInt32BE(MAX_FRAME_BYTES + randomInt(1, 1 << 20));
      return head;
    }
    case 3: { // JSON that is not a report
      const body = Buffer.from(JSON.stringify(randomInt(2) ? [1, 2] : { x: randomInt(100) }));
      const head = Buffer.alloc(4);
      head.writeUInt32BE(body.length);
      return Buffer.concat([head, body]);
    }
    case 4: { // a valid frame, truncated
      const good = encodeFrame({ t: 'exit', pid: randomInt(1000), code: 0, time: 1 });
      return good.subarray(0, randomInt(1, good.length));
    }
    default: return encodeFrame({ t: 'exit', pid: randomInt(1000), code: randomInt(-15, 2), time: Date.now() });
  }
}

test('100,000 random frames: the decoder returns reports or throws FrameError, nothing else', () => {
  let frames = 0;
  let rejected = 0;
  let decoder = new FrameDecoder();
  for (let i = 0; i < 100_000; i++) {
    try {
      for (const f of decoder.push(randomFrame())) {
        assert.equal(typeof f.t, 'string');
        frames++;
      }
    } catch (error) {
      assert.ok(error instanceof FrameError, `unexpected ${String(error)}`);
      rejected++;
      decoder = new FrameDecoder(); // the server drops such a connection and starts afresh with the next
    }
  }
  assert.ok(frames > 0 && rejected > 0, `${frames} frames, ${rejected} rejected`);
});

test('valid frames split at random points decode to the same reports', () => {
  const reports: Report[] = Array.from({ length: 500 }, (_, i) => ({ t: 'exit', pid: i, code: i % 3, time: i }));
  const bytes = Buffer.concat(reports.map((r) => encodeFrame(r)));
  const decoder = new FrameDecoder();
  const out: unknown[] = [];
  for (let at = 0; at < bytes.length;) {
    const next = Math.min(bytes.length, at + randomInt(1, 40));
    out.push(...decoder.push(bytes.subarray(at, next)));
    at = next;
  }
  assert.deepEqual(out, reports);
  assert.equal(decoder.pending, 0);
});

test('the server survives 300 connections of garbage and still hears a good peer', async () => {
  const heard: Report[] = [];
  const server = await ObserverServer.start({ onReport: (r) => heard.push(r), onLog: () => {} });
  try {
    for (let c = 0; c < 300; c++) {
      const s = connect(server.address);
      s.on('error', () => {});
      if (c % 2) s.write(encodeFrame({ t: 'hello', v: WIRE_VERSION, secret: server.secret, pid: 10_000 + c }));
      for (let i = 0; i < 20; i++) s.write(randomFrame());
      s.end();
    }
    const good = connect(server.address);
    good.write(encodeFrame({ t: 'hello', v: WIRE_VERSION, secret: server.secret, pid: 42 }));
    good.write(encodeFrame({ t: 'exit', pid: 99_999, code: 0, time: 1 }));
    assert.equal(await waitFor(() => heard.some((r) => r.t === 'exit' && r.pid === 99_999), 10_000), true);
    good.end();
    assert.ok(server.dropped > 0, 'garbage connections were dropped');
  } finally {
    await server.close();
  }
});
