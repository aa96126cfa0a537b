// Length-prefixed frames over a byte stream: a 4-byte big-endian length, then the body. The one
// framing of every connection: between the library's processes, and from them to an observer.

export class FrameError extends Error {
  override name = 'FrameError';
}

/** The 4-byte head of a frame whose body is `length` bytes long. */
export function frameHead(length: number): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(length, 0);
  return head;
}

/**
 * Handles a frame's body where it lies, `chunk[start, end)`, before it is copied; true if it
 * did (the chunk may be reused after the call, so what is kept of it must be copied).
 */
export type RawHandler = (chunk: Buffer, start: number, end: number) => boolean;

/** Reassembles frames from chunks without copying small frames twice or big frames more than once. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  /** A frame being filled: its buffer and how much of it has arrived. */
  private big: { body: Buffer; filled: number } | null = null;
  /** Offered each frame that arrived whole in one chunk, before a Buffer is made of it. */
  raw: RawHandler | undefined;

  /** `limit`: the longest body accepted; a longer length is a FrameError (the connection is then dropped). */
  constructor(private readonly limit: number) {}

  /**
   * Calls `onFrame` for each complete frame in order. Throws FrameError on a length over the limit. A
   * `transient` chunk is memory that is reused after this call (a socket's read buffer): what
   * is kept of it, frames included, is copied.
   */
  push(chunk: Buffer, onFrame: (body: Buffer) => void, transient = false): void {
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
      transient = false;
    }
    let offset = 0;
    while (chunk.length - offset >= 4) {
      const length = chunk.readUInt32BE(offset);
      if (length > this.limit) throw new FrameError(`frame length ${length} exceeds ${this.limit}`);
      const end = offset + 4 + length;
      if (end <= chunk.length) {
        if (!this.raw?.(chunk, offset + 4, end)) {
          const body = chunk.subarray(offset + 4, end);
          onFrame(transient ? Buffer.from(body) : body);
        }
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
      const rest = transient ? Buffer.from(chunk.subarray(offset)) : chunk.subarray(offset);
      this.chunks.push(rest);
      this.size = rest.length;
    }
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pending(): number {
    return this.size + (this.big ? 4 + this.big.filled : 0);
  }
}
