// Calls on an object that lives in another process (its owner): locks, events, barriers and,
// later, manager proxies. The owner runs the calls in order, one link per calling process.
import * as errors from './errors';
import { hold, release } from './keepalive';
import { type Link, reach, serve } from './link';
import { decode, encode } from './reduction';

export interface Caller {
  pid: number;
  /** Present for calls from another process; gone when that process closes or dies. */
  link?: Link;
}

export interface RpcTarget {
  call(caller: Caller, method: string, args: unknown[]): unknown;
  /** A calling process went away (closed, exited or was killed). */
  gone?(caller: Caller): void;
}

/** Serves `target` to other processes; returns the address to reach it. */
export function serveRpc(id: string, target: RpcTarget): string {
  return serve(id, (link) => attachRpc(link, target));
}

/** Answers the calls that arrive on `link` by running them on `target`, in order. */
export function attachRpc(link: Link, target: RpcTarget): void {
  {
    const caller: Caller = { pid: 0, link };
    link.handle((body) => {
      const [seq, method, args] = decode(body) as [number, string, unknown[]];
      if (method === '__hello__') {
        caller.pid = args[0] as number;
        return;
      }
      let result: unknown;
      try {
        result = target.call(caller, method, args);
      } catch (error) {
        if (seq) link.send(encode([seq, false, describeError(error)]));
        return;
      }
      if (!seq) return;
      Promise.resolve(result).then(
        (value) => link.send(encode([seq, true, value])),
        (error: unknown) => link.send(encode([seq, false, describeError(error)])),
      );
    }, () => target.gone?.(caller));
  }
}

export interface ErrorInfo { name: string; message: string }

export function describeError(error: unknown): ErrorInfo {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}

/** Rebuilds an error thrown in the owner as the same class, when it is one of ours or a standard one. */
export function revive(info: ErrorInfo): Error {
  const classes = errors as unknown as Record<string, new (message: string) => Error>;
  const standard: Record<string, new (message: string) => Error> = { TypeError, RangeError };
  const Cls = classes[info.name] ?? standard[info.name] ?? Error;
  return new Cls(info.message);
}

export class RpcClient {
  private link: Link | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private gone: Error | undefined;

  /** `open` makes the link: to an object's owner by address and id, or an authenticated manager link. */
  constructor(private readonly open: () => Link, private readonly what: string) {}

  static to(address: string, id: string, what: string): RpcClient {
    return new RpcClient(() => reach(address, id), what);
  }

  private connection(): Link {
    if (this.gone) throw this.gone;
    if (!this.link) {
      const link = this.open();
      link.unref();
      link.send(encode([0, '__hello__', [process.pid]]));
      link.handle((body) => {
        const [seq, ok, value] = decode(body) as [number, boolean, unknown];
        const w = this.waiting.get(seq);
        if (!w) return;
        this.waiting.delete(seq);
        release();
        if (ok) w.resolve(value);
        else w.reject(revive(value as ErrorInfo));
      }, () => {
        this.link = undefined;
        this.gone = new Error(`the process that owns this ${this.what} has ended`);
        for (const w of this.waiting.values()) {
          release();
          w.reject(this.gone);
        }
        this.waiting.clear();
      });
      this.link = link;
    }
    return this.link;
  }

  call(method: string, ...args: unknown[]): Promise<unknown> {
    try {
      const link = this.connection();
      const seq = ++this.seq;
      hold();
      const p = new Promise<unknown>((resolve, reject) => this.waiting.set(seq, { resolve, reject }));
      link.send(encode([seq, method, args]));
      return p;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Ends the connection; calls still waiting fail. */
  close(): void {
    this.link?.close();
  }

  /** A call whose result nobody waits for. */
  notify(method: string, ...args: unknown[]): void {
    this.connection().send(encode([0, method, args]));
  }
}
