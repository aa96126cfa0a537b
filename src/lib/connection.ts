// Pipe() and its Connection ends: Python's multiprocessing.connection over a Unix socket.
//
// A pipe has an address. The first end listens there, in whichever process holds it by then, so
// it can be passed to a child (or through a queue) before use, not after. The second end connects
// from every process it is sent to, so several can hold it, and use it, at once, as an inherited
// pipe in Python. Messages sent before the other end is there wait in the sender.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { inspect } from 'node:util';
import { BufferTooShort, EOFError, ValueError } from './base/errors';
import { checkSize } from './channel/framing';
import { toMs } from './base/timeout';
import { wait, type Waiter } from './base/waiters';
import { newAddress } from './channel/addresses';
import { Link, trackPending } from './channel/link';
import { createLinkServer } from './channel/server';
import { reportSoon } from './reporter';
import { REDUCE, decodeBytes, decodeSoon, encode, encodeBytes, registerKind, type Reduced } from './values/reduction';

interface EndRef {
  address: string; listen: boolean; readable: boolean; writable: boolean;
  /** A copy of the second end that the first end counts among its holders until it connects. */
  counted?: boolean;
  /** The first end's count of copies of the second end on their way, which moves with it. */
  expected?: number;
}

/**
 * Frames from a holder of the second end to the first, never a message (no message starts with
 * these tags): the first end ends in EOF only once every holder has connected and gone, so it
 * counts the copies of the second end on their way to a process.
 */
const ARRIVED = Buffer.from([0xf0]);
const ANOTHER = Buffer.from([0xf1]);

/** A waiting recv() or poll(): given the next message, null at EOF, or 'timeout'. */
type Receiver = Waiter<Buffer | null | 'timeout'>;

export class Connection {
  readonly #ref: EndRef;
  /** Open connections to the other end: one, or several when that end is shared by several processes. */
  #links: Link[] = [];
  #server: Server | undefined;
  #connecting = false;
  readonly #outbox: Array<Buffer | Buffer[]> = [];
  readonly #inbox: Buffer[] = [];
  readonly #receivers: Receiver[] = [];
  #eof = false;
  /** At the first end: copies of the second end sent to a process that have not connected yet. */
  #expected = 0;
  #closed = false;
  #sent = false;
  #delivered: (() => void) | undefined;
  /** The other end while both are in this process and neither was sent away. */
  #peer: Connection | undefined;

  /** @internal Made by Pipe() or rebuilt from another process. */
  constructor(ref: EndRef) {
    this.#ref = ref;
  }

  static pair(duplex: boolean): [Connection, Connection] {
    const address = newAddress(`pipe-${randomBytes(3).toString('hex')}-`);
    // `new this`, not `new Connection`: a class that names itself inside its body is bundled
    // under another name (see scripts/build.mjs).
    const a = new this({ address, listen: true, readable: true, writable: duplex });
    const b = new this({ address, listen: false, readable: duplex, writable: true });
    a.#peer = b;
    b.#peer = a;
    a.#listen();
    return [a, b];
  }

  /** @internal Rebuilds an end received from another process. */
  static rebuild(ref: EndRef): Connection {
    const end = new this(ref);
    // The second end connects at once, so that the first counts this process among its holders
    // until it closes its copy or ends, as a pipe's kernel does with descriptors.
    end.#expected = ref.expected ?? 0;
    if (ref.listen) end.#listen();
    else end.#open();
    return end;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get readable(): boolean {
    return this.#ref.readable;
  }

  get writable(): boolean {
    return this.#ref.writable;
  }

  /** Whether the other end, still in this process, was closed here. */
  #peerClosed(): boolean {
    const peer = this.#peer;
    return !!peer && !peer.#sent && peer.#closed;
  }

  #checkClosed(): void {
    if (this.#closed) throw new ValueError('handle is closed');
  }

  #checkReadable(): void {
    this.#checkClosed();
    if (!this.#ref.readable) throw new ValueError('connection is write-only');
  }

  #checkWritable(): void {
    this.#checkClosed();
    if (!this.#ref.writable) throw new ValueError('connection is read-only');
  }

  /**
   * The first end listens as soon as it exists in a process, so that the other end's holders can
   * deliver (and exit) before this end is used, as with the kernel buffer of Python's pipe.
   */
  #listen(): void {
    if (this.#server || this.#closed) return;
    rmSync(this.#ref.address, { force: true });
    // Several processes may hold (and use) the other end, as with an inherited pipe in Python.
    const server = createLinkServer((link) => this.#attach(link));
    server.on('error', (error) => process.emitWarning(`multiproc: a pipe end could not listen: ${error.message}`));
    server.listen(this.#ref.address);
    server.unref();
    this.#server = server;
  }

  /** Connects the second end the first time it is used here. */
  #open(): void {
    if (this.#peer && this.#peer.#sent) this.#peer = undefined;
    if (this.#ref.listen) {
      this.#listen();
      return;
    }
    if (this.#links.length || this.#connecting) return;
    this.#connecting = true;
    let delay = 1;
    const attempt = () => {
      if (this.#closed && !this.#outbox.length) return;
      const link = Link.connect(this.#ref.address);
      const socket = link.socket;
      socket.unref();
      socket.once('connect', () => {
        socket.removeListener('error', retry);
        this.#connecting = false;
        this.#attach(link);
      });
      const retry = () => {
        // The listening end is not there yet (still on its way to its process).
        socket.destroy();
        setTimeout(attempt, delay).unref();
        delay = Math.min(50, delay * 2);
      };
      socket.once('error', retry);
    };
    attempt();
  }

  #attach(link: Link): void {
    this.#links.push(link);
    this.#eof = false;
    link.unref();
    link.handle((body) => this.#deliver(body), () => this.#detach(link));
    if (this.#ref.counted) link.send(ARRIVED);
    for (const body of this.#outbox.splice(0)) link.send(body);
    this.#delivered?.();
    this.#delivered = undefined;
    if (this.#closed) link.close();
  }

  #deliver(body: Buffer): void {
    if (body[0] >= 0xf0 && body.length === 1) {
      this.#expected += body[0] === ARRIVED[0] ? -1 : 1;
      return;
    }
    const receiver = this.#receivers.shift();
    if (receiver) receiver.resolve(body);
    else this.#inbox.push(body);
    this.#changed();
  }

  /** Reports what waits at this receiving end to an observer, at most ten times a second. */
  #changed(): void {
    reportSoon(this, () => {
      let bytes = 0;
      for (const b of this.#inbox) bytes += b.length;
      return {
        t: 'queue', id: `Pipe ${this.#ref.address}${this.#ref.listen ? '' : ' (2)'}`, pid: process.pid, kind: 'Pipe',
        depth: this.#inbox.length, bytes, getters: this.#receivers.length, putters: 0, maxsize: 0,
        ...(this.#closed ? { closed: true } : {}), time: Date.now(),
      };
    });
  }

  #detach(link: Link): void {
    this.#links = this.#links.filter((l) => l !== link);
    if (this.#links.length === 0 && this.#expected <= 0) this.#end();
  }

  /** Every holder of the other end has closed it: what is left can be read, then EOF. */
  #end(): void {
    this.#eof = true;
    for (const r of this.#receivers.splice(0)) r.resolve(null);
  }

  #send(body: Buffer | Buffer[]): void {
    if (this.#peerClosed()) throw new ValueError('the other end of the pipe is closed');
    this.#open();
    if (this.#links.length) {
      this.#links[0].send(body);
      return;
    }
    // Until the other end is there, what is sent waits here, and the process may not exit before it is delivered.
    if (this.#outbox.length === 0) trackPending(new Promise((resolve) => { this.#delivered = resolve; }));
    this.#outbox.push(body);
  }

  /** Sends an object (structured clone); it is refused before anything is sent if it cannot travel or is too large. */
  send(obj: unknown): void {
    this.#checkWritable();
    const body = encode(obj, 'the object', 'message');
    checkSize(body.length);
    this.#send(body);
  }

  /** Sends bytes (a Buffer, typed array or DataView), or `size` bytes of it from `offset`. */
  sendBytes(buf: ArrayBufferView, offset = 0, size?: number): void {
    this.#checkWritable();
    if (!ArrayBuffer.isView(buf)) throw new TypeError(`sendBytes needs a Buffer or typed array, not ${inspect(buf, { depth: 0 })}`);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (offset < 0 || offset > bytes.length) throw new ValueError('offset is negative or beyond the buffer');
    const end = size === undefined ? bytes.length : offset + size;
    if (size !== undefined && (size < 0 || end > bytes.length)) throw new ValueError('size is negative or beyond the buffer');
    checkSize(end - offset);
    this.#send(encodeBytes(bytes.subarray(offset, end)));
  }

  #next(timeoutMs: number | undefined): Promise<Buffer | null | 'timeout'> {
    const ready = this.#inbox.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#eof) return Promise.resolve(null);
    this.#open();
    // A waiting recv() or poll() keeps the process alive, as a blocked call would.
    const next = wait(this.#receivers, timeoutMs, () => 'timeout' as const, { keepAlive: true });
    this.#changed();
    return next;
  }

  async #recvBody(): Promise<Buffer> {
    this.#checkReadable();
    if (this.#peerClosed() && !this.#inbox.length) throw new EOFError('the other end of the pipe is closed');
    const body = await this.#next(undefined);
    if (!body || body === 'timeout') throw new EOFError('the other end of the pipe is closed and nothing is left to read');
    return body;
  }

  /** Receives the next object; EOFError when the other end is closed and nothing is left. */
  async recv<T = unknown>(): Promise<T> {
    this.#checkReadable();
    // A message already here is taken without the extra await of #recvBody.
    const body = this.#inbox.shift() ?? await this.#recvBody();
    const value = decodeSoon(body);
    return (value instanceof Promise ? await value : value) as T;
  }

  /** Receives the next message as bytes. A message longer than `maxlength` is an error, and the connection is closed. */
  async recvBytes(maxlength?: number): Promise<Buffer> {
    if (maxlength !== undefined && maxlength < 0) throw new ValueError('negative maxlength');
    const bytes = decodeBytes(await this.#recvBody());
    if (maxlength !== undefined && bytes.length > maxlength) {
      this.close();
      throw new ValueError(`bad message length: ${bytes.length} bytes is more than maxlength ${maxlength}`);
    }
    return bytes;
  }

  /** Receives bytes into `buf` at `offset`; returns how many. BufferTooShort (holding the message) if it does not fit. */
  async recvBytesInto(buf: ArrayBufferView, offset = 0): Promise<number> {
    const bytes = decodeBytes(await this.#recvBody());
    const target = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (offset < 0 || offset > target.length) throw new ValueError('offset out of bounds');
    if (bytes.length > target.length - offset) {
      const error = new BufferTooShort(`message of ${bytes.length} bytes does not fit in ${target.length - offset} bytes`);
      (error as BufferTooShort & { message_: Buffer }).message_ = bytes;
      throw error;
    }
    target.set(bytes, offset);
    return bytes.length;
  }

  /**
   * Whether there is something to read, waiting at most `timeout` seconds (0 by default, as in
   * Python; null waits as long as it takes).
   */
  async poll(timeout: number | null = 0): Promise<boolean> {
    this.#checkReadable();
    if (this.#inbox.length || this.#eof) return true;
    if (this.#peerClosed()) return true;
    if (timeout !== null && (typeof timeout !== 'number' || Number.isNaN(timeout))) throw new TypeError('timeout must be a number of seconds or null');
    const body = await this.#next(toMs(timeout));
    if (body === 'timeout') return false;
    if (body) this.#inbox.unshift(body);
    return true;
  }

  /** Closes this end. Messages already sent are still delivered; the other end then gets EOFError. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#links) link.close();
    if (this.#sent) return;
    this.#server?.close();
    if (this.#server) rmSync(this.#ref.address, { force: true });
    for (const r of this.#receivers.splice(0)) r.resolve(null);
    if (this.#peer && !this.#peer.#sent) this.#peer.#end();
  }

  [REDUCE](): Reduced {
    this.#checkClosed();
    if (!this.#ref.listen) return { kind: 'Connection', state: this.#copy() };
    // Only one process can listen at the address: the first end moves to where it is sent.
    if (this.#links.length || this.#receivers.length) {
      throw new ValueError("the first end of a Pipe() that has been used in this process cannot be sent to another one (the second end can); send it before using it");
    }
    if (this.#server) {
      // The process that receives this end listens from now on.
      this.#server.close();
      this.#server = undefined;
      rmSync(this.#ref.address, { force: true });
    }
    this.#sent = true;
    return { kind: 'Connection', state: { ...this.#ref, expected: this.#expected } };
  }

  /** What a copy of the second end carries: counted by the first end when that can be told before it arrives. */
  #copy(): EndRef {
    const first = this.#peer;
    let counted = true;
    if (first && !first.#sent) first.#expected++;
    else if (this.#links.length || this.#connecting) this.#send(ANOTHER);
    // A copy sent from the process that made the pipe, after the first end left it, before this
    // one was used: nothing here talks to the first end yet, and this copy does not hold it open.
    else counted = false;
    this.#sent = true;
    return { ...this.#ref, counted };
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [inspect.custom](): string {
    const mode = this.#ref.readable && this.#ref.writable ? 'duplex' : this.#ref.readable ? 'read-only' : 'write-only';
    return `<Connection ${mode}${this.#closed ? ' closed' : ''}>`;
  }
}

registerKind('Connection', (state) => Connection.rebuild(state as EndRef));

/**
 * Python's Pipe(): two connected ends. With `duplex = false` the first end only receives and
 * the second only sends.
 */
export function Pipe(duplex = true): [Connection, Connection] {
  return Connection.pair(duplex);
}
