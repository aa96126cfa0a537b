// A framed, bidirectional connection between two processes over a Unix socket, and the
// per-process server through which shared objects (queues, locks…) are reached by id.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { FrameReader, FrameWriter } from './framing';
import { hold, release } from './keepalive';

export type FrameHandler = (body: Buffer) => void;

const links = new Set<Link>();

export class Link {
  private readonly reader = new FrameReader();
  private readonly writer: FrameWriter;
  private onFrame: FrameHandler = () => {};
  private onClose: (error?: Error) => void = () => {};
  closed = false;

  constructor(readonly socket: Socket) {
    this.writer = new FrameWriter(socket);
    links.add(this);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.push(chunk, (body) => this.onFrame(body));
      } catch (error) {
        socket.destroy(error as Error);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      links.delete(this);
      this.onClose();
    });
  }

  /** Sets who receives frames and hears of the close; frames that arrived before are not kept. */
  handle(onFrame: FrameHandler, onClose: (error?: Error) => void = () => {}): void {
    this.onFrame = onFrame;
    this.onClose = onClose;
  }

  send(body: Buffer | Buffer[]): boolean {
    return this.writer.write(body);
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

// --- addresses ----------------------------------------------------------------------------

const dirs = new Map<string, string>();

/**
 * A directory only this user can enter, for this process's sockets (under the temp dir) or
 * shared-memory files (under /dev/shm where there is one); removed when the process exits.
 */
export function privateDir(kind: 'sockets' | 'memory' = 'sockets'): string {
  let dir = dirs.get(kind);
  if (!dir) {
    let user = 'user';
    try { user = String(userInfo().uid); } catch { /* no passwd entry */ }
    const root = kind === 'memory' && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const base = path.join(root, `multiproc-${user}`);
    mkdirSync(base, { recursive: true, mode: 0o700 });
    dir = path.join(base, `${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { mode: 0o700 });
    dirs.set(kind, dir);
    const made = dir;
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return dir;
}

let counter = 0;
export function newAddress(stem: string, kind: 'sockets' | 'memory' = 'sockets'): string {
  return path.join(privateDir(kind), `${stem}${counter++}`);
}

// --- the per-process server ---------------------------------------------------------------

export type Accept = (link: Link) => void;

let server: Server | undefined;
let address: string | undefined;
const objects = new Map<string, Accept>();

/**
 * Makes an object of this process reachable by `id` from others; returns the address to give
 * them. The first frame a client sends names the object it wants.
 */
export function serve(id: string, accept: Accept): string {
  objects.set(id, accept);
  if (!server) {
    address = newAddress('server.sock');
    server = createServer((socket) => {
      const link = new Link(socket);
      link.handle((first) => {
        const handler = objects.get(first.toString('utf8'));
        if (!handler) {
          link.close();
          return;
        }
        handler(link);
      });
    });
    server.listen(address);
    server.unref();
  }
  return address!;
}

export function unserve(id: string): void {
  objects.delete(id);
}

/** Connects to the object `id` served at `address`. Frames may be sent at once. */
export function reach(addr: string, id: string): Link {
  const link = new Link(connect(addr));
  link.send(Buffer.from(id, 'utf8'));
  return link;
}

export function newId(kind: string): string {
  return `${kind}-${process.pid}-${randomBytes(6).toString('hex')}`;
}
