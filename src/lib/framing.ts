// Length-prefixed frames over a byte stream: a 4-byte big-endian length, then the body. Used by
// every connection between processes (pipes, queues, locks, managers).
import type { Socket } from 'node:net';

/** The largest message any connection carries; larger ones are refused before a byte is sent. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export class MessageTooLarge extends RangeError {
  override name = 'MessageTooLarge';
}

export function checkSize(bytes: number, what = 'message'): void {
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new MessageTooLarge(
      `${what} of ${(bytes / 2 ** 20).toFixed(1)} MiB exceeds the limit of ${MAX_MESSAGE_BYTES / 2 ** 20} MiB per message; nothing was sent`,
    );
  }
}

/** Reassembles frames from chunks without copying small frames twice or big frames more than once. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  /** A frame being filled: its buffer and how much of it has arrived. */
  private big: { body: Buffer; filled: number } | null = null;

  constructor(private readonly limit = MAX_MESSAGE_BYTES + 64) {}

  /** Calls `onFrame` for each complete frame in order. Throws on a length over the limit. */
  push(chunk: Buffer, onFrame: (body: Buffer) => void): void {
    if (this.big) {
      const { body } = this.big;
      const take = Math.min(chunk.length, body.length - this.big.filled);
      chunk.copy(body, this.big.filled, 0, take);
      this.big.filled += take;
      if (this.big.filled < body.length) return;
      this.big = null;
      onFrame(body);
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return;
    }
    if (this.size > 0) {
      this.chunks.push(chunk);
      chunk = Buffer.concat(this.chunks, this.size + chunk.length);
      this.chunks = [];
      this.size = 0;
    }
    let offset = 0;
    while (chunk.length - offset >= 4) {
      const length = chunk.readUInt32BE(offset);
      if (length > this.limit) throw new MessageTooLarge(`incoming frame of ${length} bytes exceeds the limit`);
      const end = offset + 4 + length;
      if (end <= chunk.length) {
        onFrame(chunk.subarray(offset + 4, end));
        offset = end;
        continue;
      }
      if (length > 64 * 1024) {
        const body = Buffer.allocUnsafe(length);
        const filled = chunk.copy(body, 0, offset + 4);
        this.big = { body, filled };
        return;
      }
      break;
    }
    if (offset < chunk.length) {
      const rest = chunk.subarray(offset);
      this.chunks.push(rest);
      this.size = rest.length;
    }
  }
}

/**
 * Writes frames to a socket, batching the frames of one tick into one write: a burst of small
 * messages then costs one system call and one buffer, not one each. Large bodies are passed
 * through without copying.
 */
export class FrameWriter {
  private pending: Buffer[] = [];
  private scheduled = false;

  constructor(private readonly socket: Socket) {}

  private static head(parts: Buffer[]): Buffer {
    let length = 0;
    for (const p of parts) length += p.length;
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(length, 0);
    return head;
  }

  /** Writes one frame straight to the OS (after what is already pending), for data that must not wait. */
  writeNow(body: Buffer | Buffer[]): boolean {
    const parts = Array.isArray(body) ? body : [body];
    this.pending.push(FrameWriter.head(parts), ...parts);
    return this.flush();
  }

  write(body: Buffer | Buffer[]): boolean {
    const parts = Array.isArray(body) ? body : [body];
    this.pending.push(FrameWriter.head(parts), ...parts);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => this.flush());
    }
    return this.socket.writableLength < this.socket.writableHighWaterMark;
  }

  /** Hands everything pending to the socket now. */
  flush(): boolean {
    this.scheduled = false;
    const parts = this.pending;
    if (!parts.length) return true;
    this.pending = [];
    let ok = true;
    let small: Buffer[] = [];
    let smallBytes = 0;
    const flushSmall = () => {
      if (!small.length) return;
      ok = this.socket.write(small.length === 1 ? small[0] : Buffer.concat(small, smallBytes));
      small = [];
      smallBytes = 0;
    };
    for (const p of parts) {
      if (p.length >= 16 * 1024) {
        flushSmall();
        ok = this.socket.write(p);
      } else {
        small.push(p);
        smallBytes += p.length;
      }
    }
    flushSmall();
    return ok;
  }
}
