// The observer wire format: what every process of a program reports to an observer (the VS Code
// extension or `multiproc run --watch`). Versioned, so that an extension can read programs built
// against an older or newer library.
//
// A frame (frames.ts) is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON. The first
// frame on a connection is `hello` carrying the run's secret; the observer drops a connection
// whose first frame is anything else or carries the wrong secret.

import { FrameError, FrameReader, frameHead } from './frames';

export { FrameError };

export const WIRE_VERSION = 1;
/** Frames above this are refused by both ends: reports are small, so a big frame is garbage. */
export const MAX_FRAME_BYTES = 1 << 20;

/** Environment variables through which an observer makes itself known to a program. */
export const ENV_OBSERVER = 'MULTIPROC_OBSERVER';
export const ENV_OBSERVER_SECRET = 'MULTIPROC_OBSERVER_SECRET';

export interface Hello { t: 'hello'; v: number; secret: string; pid: number }

export interface ProcessStarted {
  t: 'start';
  pid: number;
  ppid: number;
  name: string;
  /** Python's `_identity`, joined by ':'; '' for the main process. */
  ident: string;
  daemon: boolean;
  /** `module#export` of the target, or of the Process subclass whose run() was overridden. */
  target?: string;
  argv?: string[];
  time: number;
}

export interface ProcessExited {
  t: 'exit';
  pid: number;
  /** Python's exitcode: the exit status, or −N when signal N ended the process. */
  code: number;
  signal?: string;
  time: number;
}

/** The state of a queue or pipe, from the process that owns it; sent at most ~10 times a second. */
export interface QueueState {
  t: 'queue';
  id: string;
  /** The process that created (and serves) the queue. */
  pid: number;
  kind: string;
  /** Items waiting, including those read ahead by consumers but not yet handed out. */
  depth: number;
  bytes: number;
  /** Blocked get() and put() calls, in every process. */
  getters: number;
  putters: number;
  /** 0 for unbounded. */
  maxsize: number;
  closed?: boolean;
  time: number;
}

/** The state of a Pool, from the process that owns it; sent at most ~10 times a second. */
export interface PoolState {
  t: 'pool';
  id: string;
  pid: number;
  size: number;
  state: 'RUN' | 'CLOSE' | 'TERMINATE';
  workers: Array<{ pid: number; name: string; busy: boolean; task?: string }>;
  queued: number;
  done: number;
  failed: number;
  /** The task a worker was running when it died, most recent last. */
  lost: Array<{ pid: number; name: string; task: string; code: number; signal?: string }>;
  time: number;
}

export type Report = ProcessStarted | ProcessExited | QueueState | PoolState;
export type Frame = Hello | Report;

export function encodeFrame(frame: Frame): Buffer {
  const body = Buffer.from(JSON.stringify(frame), 'utf8');
  if (body.length > MAX_FRAME_BYTES) throw new RangeError(`observer frame of ${body.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  return Buffer.concat([frameHead(body.length), body]);
}

function parseFrame(body: Buffer): Frame {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new FrameError('frame body is not JSON');
  }
  if (typeof value !== 'object' || value === null || typeof (value as { t?: unknown }).t !== 'string') {
    throw new FrameError('frame is not a report object');
  }
  return value as Frame;
}

/**
 * Splits a byte stream into frames. Throws FrameError on an oversized length or a body that is
 * not a JSON object with a string `t`; the caller then drops the connection.
 */
export class FrameDecoder {
  private readonly reader = new FrameReader(MAX_FRAME_BYTES);

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    this.reader.push(chunk, (body) => frames.push(parseFrame(body)));
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pending(): number {
    return this.reader.pending;
  }
}
