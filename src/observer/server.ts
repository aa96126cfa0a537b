// The observer end of the channel: what the VS Code extension and `multiproc run --watch` listen
// on. One server per run: a Unix socket inside a fresh 0700 directory (a named pipe on Windows),
// and a random secret that only the run's environment carries, so that another local user (or a
// stray program of the same user) cannot inject reports. Nothing a peer sends may throw into the
// host: bad peers are dropped and described through `onLog`.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ENV_OBSERVER, ENV_OBSERVER_SECRET, FrameDecoder, WIRE_VERSION, type Frame, type Report } from '../wire/wire';

export interface ObserverServerOptions {
  /** A valid report from an authenticated peer. */
  onReport(report: Report, peerPid: number): void;
  /** A peer said hello with the right secret (its pid is running). */
  onPeer?(pid: number): void;
  /** Why a connection or a frame was dropped; never called for well-behaved peers. */
  onLog?(message: string): void;
  /** A peer that does not say hello within this time is dropped (ms; default 30 s). */
  helloTimeoutMs?: number;
}

const REPORT_FIELDS: Record<string, Record<string, 'number' | 'string' | 'boolean' | 'object'>> = {
  start: { pid: 'number', ppid: 'number', name: 'string', ident: 'string', daemon: 'boolean', time: 'number' },
  exit: { pid: 'number', code: 'number', time: 'number' },
  queue: { id: 'string', pid: 'number', kind: 'string', depth: 'number', getters: 'number', putters: 'number', maxsize: 'number', time: 'number' },
  pool: { id: 'string', pid: 'number', size: 'number', state: 'string', workers: 'object', time: 'number' },
};

/** Why a frame is not a report this observer understands, or undefined when it is one. */
export function reportProblem(frame: Frame): string | undefined {
  const fields = REPORT_FIELDS[frame.t];
  if (!fields) return `unknown report type ${JSON.stringify(frame.t).slice(0, 40)}`;
  const record = frame as unknown as Record<string, unknown>;
  for (const [key, type] of Object.entries(fields)) {
    const value = record[key];
    if (typeof value !== type || value === null || (type === 'number' && !Number.isFinite(value))) {
      return `${frame.t} report with a bad ${key}`;
    }
  }
  if (frame.t === 'pool' && !Array.isArray(frame.workers)) return 'pool report with a bad workers';
  return undefined;
}

export class ObserverServer {
  readonly secret = randomBytes(24).toString('hex');
  readonly address: string;
  private readonly dir: string | undefined;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private closed = false;
  /** Connections refused or dropped so far (for tests and diagnostics). */
  dropped = 0;

  private constructor(private readonly options: ObserverServerOptions) {
    if (process.platform === 'win32') {
      this.address = `\\\\.\\pipe\\multiproc-${randomBytes(12).toString('hex')}`;
    } else {
      // mkdtemp creates the directory 0700: only this user can reach the socket inside it.
      // Unix socket paths are limited to ~104 bytes, so the directory stays short.
      this.dir = mkdtempSync(path.join(tmpdir(), 'mp-obs-'));
      this.address = path.join(this.dir, 's');
    }
    this.server = createServer((socket) => this.accept(socket));
    this.server.on('error', (e) => this.log(`observer socket: ${e.message}`));
  }

  /** Starts listening; the returned server's env() goes into the observed program's environment. */
  static async start(options: ObserverServerOptions): Promise<ObserverServer> {
    const s = new this(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(s.address, () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    return s;
  }

  env(): Record<string, string> {
    return { [ENV_OBSERVER]: this.address, [ENV_OBSERVER_SECRET]: this.secret };
  }

  get connections(): number {
    return this.sockets.size;
  }

  private log(message: string): void {
    try {
      this.options.onLog?.(message);
    } catch {
      // a failing logger must not take the server down
    }
  }

  private drop(socket: Socket, why: string): void {
    this.dropped += 1;
    this.log(`observer: dropped a connection: ${why}`);
    socket.destroy();
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    const decoder = new FrameDecoder();
    let peerPid = 0;
    // A good peer can be late: it writes its hello only when its event loop next turns, which on
    // a loaded machine (200 processes starting on 2 cores) took more than 5 s. The limit only
    // bounds what a silent connection holds, so it is generous; and the drop waits for the poll
    // phase, so that after a stall of this process a hello already received is read first.
    const helloTimer = setTimeout(() => setImmediate(() => {
      if (!peerPid && !socket.destroyed) this.drop(socket, 'no hello');
    }), this.options.helloTimeoutMs ?? 30_000);
    helloTimer.unref();
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.sockets.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch (e) {
        // a stream cannot be resynchronised after a bad length or body
        this.drop(socket, (e as Error).message);
        return;
      }
      for (const frame of frames) {
        if (socket.destroyed) return;
        if (!peerPid) {
          const problem = this.checkHello(frame);
          if (problem) {
            this.drop(socket, problem);
            return;
          }
          clearTimeout(helloTimer);
          peerPid = (frame as { pid: number }).pid;
          this.safely(() => this.options.onPeer?.(peerPid));
          continue;
        }
        const problem = reportProblem(frame);
        if (problem) {
          this.log(`observer: dropped a frame from pid ${peerPid}: ${problem}`);
          continue;
        }
        this.safely(() => this.options.onReport(frame as Report, peerPid));
      }
    });
  }

  private checkHello(frame: Frame): string | undefined {
    if (frame.t !== 'hello') return `first frame is "${String(frame.t).slice(0, 20)}", not hello`;
    if (typeof frame.secret !== 'string') return 'hello without a secret';
    const given = Buffer.from(frame.secret);
    const expected = Buffer.from(this.secret);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'wrong secret';
    if (frame.v !== WIRE_VERSION) return `wire version ${String(frame.v)}, this observer reads ${WIRE_VERSION}`;
    if (typeof frame.pid !== 'number' || !Number.isInteger(frame.pid) || frame.pid <= 0) return 'hello with a bad pid';
    return undefined;
  }

  private safely(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.log(`observer: a report handler failed: ${(e as Error).message}`);
    }
  }

  /** Stops listening, ends every connection and removes the socket's directory. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => {
      this.server.close(() => {
        if (this.dir) rmSync(this.dir, { recursive: true, force: true });
        resolve();
      });
    });
  }
}
