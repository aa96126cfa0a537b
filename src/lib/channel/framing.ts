// Length-prefixed frames over a byte stream, the library's side: writing them in batches, and the
// limit on a message. Used by every connection between processes (pipes, queues, locks, pools,
// managers); they read frames with the wire's FrameReader, as the observer does.
import type { Socket } from 'node:net';
import { FrameReader, frameHead, type RawHandler } from '../../wire/frames';

export { FrameReader, type RawHandler };

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

/** Bodies this large are written as they are, not copied into a batch. */
const BIG = 16 * 1024;
/** A batch this large is written at once, without waiting for the end of the tick. */
const FLUSH_AT = 64 * 1024;

/**
 * Writes frames to a socket, batching the frames of one tick into one write: a burst of small
 * messages then costs one system call and one buffer, not one each. Large bodies are passed
 * through without copying.
 */
export class FrameWriter {
  /** Small frames are copied, header and all, into this tick's batch; large bodies wait beside it. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private batch: Buffer | undefined;
  private used = 0;
  private nextSize = 2048;
  private scheduled = false;

  constructor(private readonly socket: Socket) {}

  private add(body: Buffer | Buffer[]): void {
    const parts = Array.isArray(body) ? body : [body];
    let length = 0;
    for (const p of parts) length += p.length;
    if (length >= BIG) {
      this.copy(frameHead(length));
      for (const p of parts) {
        if (p.length >= BIG) {
          this.cut();
          this.pending.push(p);
          this.pendingBytes += p.length;
        } else {
          this.copy(p);
        }
      }
      this.cut();
      return;
    }
    this.reserve(4 + length);
    this.batch!.writeUInt32BE(length, this.used);
    this.used += 4;
    for (const p of parts) this.copy(p);
  }

  /** Makes room for `n` more bytes in the batch, closing a full one. */
  private reserve(n: number): void {
    if (this.batch && this.used + n <= this.batch.length) return;
    // A flush's first batch is small (from Node's pool); each next one before the flush twice
    // as large, up to 64 KiB, so a burst makes a few allocations, not one per frame.
    if (this.batch) this.nextSize = Math.min(FLUSH_AT, this.batch.length * 2);
    this.cut();
    this.batch = Buffer.allocUnsafe(Math.max(n, this.nextSize));
  }

  private copy(p: Buffer): void {
    this.reserve(p.length);
    this.used += p.copy(this.batch!, this.used);
  }

  /** Ends the batch: what it holds joins the pending writes. */
  private cut(): void {
    if (this.batch && this.used > 0) {
      this.pending.push(this.batch.subarray(0, this.used));
      this.pendingBytes += this.used;
    }
    this.batch = undefined;
    this.used = 0;
  }

  /** Writes one frame straight to the OS (after what is already pending), for data that must not wait. */
  writeNow(body: Buffer | Buffer[]): boolean {
    this.add(body);
    return this.flush();
  }

  write(body: Buffer | Buffer[]): boolean {
    this.add(body);
    return this.added();
  }

  /** Writes a frame of a one-byte code and `source[start, end)`, copied now (the source may be reused). */
  writeCoded(code: number, source: Buffer, start: number, end: number): boolean {
    const length = 1 + end - start;
    if (length >= BIG) return this.write([Buffer.from([code]), Buffer.from(source.subarray(start, end))]);
    this.reserve(4 + length);
    const batch = this.batch!;
    batch.writeUInt32BE(length, this.used);
    batch[this.used + 4] = code;
    this.used += 5 + source.copy(batch, this.used + 5, start, end);
    return this.added();
  }

  /** After a frame was added: sends the batch now if it is large, or at the end of the tick. */
  private added(): boolean {
    // A loop that awaits each send runs in one long chain of microtasks, which the end-of-tick
    // flush would wait out: past 64 KiB the batch goes now, so memory stays bounded and the
    // reader is not kept waiting.
    if (this.used + this.pendingBytes >= FLUSH_AT) return this.flush();
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => this.flush());
    }
    return this.socket.writableLength < this.socket.writableHighWaterMark;
  }

  /** Called before each flush hands frames to the OS (to publish what they must not overtake). */
  beforeFlush: (() => void) | undefined;

  /** Hands everything pending to the socket now. */
  flush(): boolean {
    this.scheduled = false;
    this.beforeFlush?.();
    this.cut();
    this.nextSize = 2048;
    const parts = this.pending;
    if (!parts.length) return true;
    this.pending = [];
    this.pendingBytes = 0;
    if (parts.length === 1) return this.socket.write(parts[0]);
    // Corked, the socket hands all of them to the OS in one writev.
    let ok = true;
    this.socket.cork();
    for (const p of parts) ok = this.socket.write(p);
    this.socket.uncork();
    return ok;
  }
}
