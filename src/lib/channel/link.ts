// A framed, bidirectional connection between two processes over a Unix socket (or TCP, for a
// manager served to other machines).
import { Socket, connect, type SocketConstructorOpts } from 'node:net';
import { FrameReader, FrameWriter, MAX_MESSAGE_BYTES, type RawHandler } from './framing';
import { hold, release } from '../base/keepalive';

export type FrameHandler = (body: Buffer) => void;

const links = new Set<Link>();

/**
 * The memory every link this process connects reads into (Node's `onread`): a read then costs
 * no allocation and no stream machinery, about 2 µs less per message. One buffer serves all of
 * them, since each read is handled, and what is kept of it copied, before the next.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

export type Target = string | { port: number; host: string };

type WriteDone = (error?: Error | null) => void;

/**
 * A write to a peer that has closed its end fails (EPIPE, or ECONNRESET when it left replies
 * unread), and Node then destroys the socket, with whatever the peer sent before it closed still
 * unread: a producer's last puts, when a queue's owner grants room to a producer that has just
 * exited. So such a write counts as done (its bytes had nowhere to go) and the link keeps reading
 * until the end of the stream, which follows, and closes then. The peer need not wait for replies
 * before it exits, and a process killed after its frames reached the OS loses none of them.
 */
function readPastPeerGone(socket: Socket): void {
  const done = (callback: WriteDone): WriteDone => (error) => {
    const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
    callback(code === 'EPIPE' || code === 'ECONNRESET' ? null : error);
  };
  const write = socket._write.bind(socket);
  const writev = socket._writev!.bind(socket);
  socket._write = (chunk: unknown, encoding: BufferEncoding, callback: WriteDone) => write(chunk, encoding, done(callback));
  socket._writev = (chunks: Array<{ chunk: unknown; encoding: BufferEncoding }>, callback: WriteDone) => writev(chunks, done(callback));
}

export class Link {
  private readonly reader = new FrameReader(MAX_MESSAGE_BYTES + 64);
  private readonly writer: FrameWriter;
  private onFrame: FrameHandler = () => {};
  private onClose: (error?: Error) => void = () => {};
  private readonly frame = (body: Buffer) => this.onFrame(body);
  closed = false;

  /** A link over `socket`; a socket made by Link.connect has its reads delivered by that, not as 'data'. */
  constructor(readonly socket: Socket, streamed = true) {
    this.writer = new FrameWriter(socket);
    readPastPeerGone(socket);
    links.add(this);
    if (streamed) socket.on('data', (chunk: Buffer) => this.received(chunk, false));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      links.delete(this);
      this.onClose();
    });
  }

  /** Connects to a Unix socket path or a TCP address; frames may be sent at once. */
  static connect(target: Target): Link {
    const onread = { buffer: readBuffer, callback: (n: number) => link.received(readBuffer.subarray(0, n), true) };
    const socket = typeof target === 'string' ? connect({ path: target, onread }) : connect({ port: target.port, host: target.host, onread });
    const link: Link = new this(socket, false);
    return link;
  }

  /**
   * A link over a socket a server accepted. Node's servers take no `onread`, so the socket comes
   * paused (createLinkServer) and its handle goes to a socket made with one, as child_process
   * does to pass handles between processes. A Node where that is not possible keeps the socket.
   */
  static adopt(socket: Socket): Link {
    const handle = (socket as unknown as { _handle?: object })._handle;
    if (handle) {
      const onread = { buffer: readBuffer, callback: (n: number) => link.received(readBuffer.subarray(0, n), true) };
      const wrapped = new Socket({ handle, onread } as SocketConstructorOpts);
      const link: Link = new this(wrapped, false);
      if ((wrapped as unknown as { _handle?: object })._handle === handle) return link;
    }
    socket.resume();
    return new this(socket);
  }

  /** Handles bytes read; true, so that an `onread` socket keeps reading. */
  private received(chunk: Buffer, transient: boolean): boolean {
    try {
      this.reader.push(chunk, this.frame, transient);
    } catch (error) {
      this.socket.destroy(error as Error);
    }
    return true;
  }

  /** Sets who receives frames and hears of the close; frames that arrived before are not kept. */
  handle(onFrame: FrameHandler, onClose: (error?: Error) => void = () => {}): void {
    this.onFrame = onFrame;
    this.onClose = onClose;
  }

  send(body: Buffer | Buffer[]): boolean {
    return this.writer.write(body);
  }

  /** Sends a frame of a one-byte code and `source[start, end)` (copied at once). */
  sendCoded(code: number, source: Buffer, start: number, end: number): boolean {
    return this.writer.writeCoded(code, source, start, end);
  }

  /** Offers each frame to `raw` where it lies in what was read, before it is copied into a Buffer of its own. */
  handleRaw(raw: RawHandler): void {
    this.reader.raw = raw;
  }

  /** Runs `fn` each time, before frames sent on this link go to the OS. */
  beforeFlush(fn: () => void): void {
    this.writer.beforeFlush = fn;
  }

  /** Handles `body` as if it had just arrived (frames read before the handler was set). */
  inject(body: Buffer): void {
    this.onFrame(body);
  }

  /** Sends at once instead of with the rest of this tick's frames. */
  sendNow(body: Buffer | Buffer[]): boolean {
    return this.writer.writeNow(body);
  }

  /** Resolves once every frame sent so far has been handed to the OS (or the socket is gone). */
  flushed(): Promise<void> {
    const s = this.socket;
    if (s.destroyed) return Promise.resolve();
    if (!s.writableEnded) this.writer.flush();
    if (s.writableLength === 0 && !s.connecting) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        s.off('drain', check);
        s.off('finish', done);
        s.off('close', done);
        resolve();
      };
      const check = () => { if (s.writableLength === 0) done(); };
      s.on('drain', check);
      s.on('close', done);
      // An ended socket (close() was called) is flushed when it finishes; one still open, when it drains.
      if (s.writableEnded) s.on('finish', done);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Frames still batched for this tick go out before the end of the stream.
    this.writer.flush();
    this.socket.end();
  }

  /** Lets the process end while this link is open (it is ref'd only while something waits on it). */
  unref(): void {
    this.socket.unref();
  }

  ref(): void {
    this.socket.ref();
  }
}

const pending = new Set<Promise<void>>();

/** Counts `sending` among what must be done before the process may exit (a connection still being made). */
export function trackPending(sending: Promise<void>): void {
  pending.add(sending);
  // The delivery keeps the process alive, as a blocked send would.
  hold();
  void sending.finally(() => {
    pending.delete(sending);
    release();
  });
}

/** Waits until every open link has handed its frames to the OS, so nothing sent is lost at exit. */
export async function flushLinks(timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([...pending]).then(() => Promise.all([...links].map((l) => l.flushed()))),
    new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); timer.unref(); }),
  ]);
  clearTimeout(timer);
}
