// Calls on an object that lives in another process (its owner): locks, events, barriers and,
// later, manager proxies. The owner runs the calls in order, one link per calling process.
import { hold, release } from '../base/keepalive';
import { type Link, reach, serve } from './link';
import { decode, encode } from '../values/reduction';
import { describeError, reviveError, type RemoteError } from '../values/remote-error';

/** A call's error without its stack: the caller's own stack says where it was made. */
function brief(error: unknown): RemoteError {
  const { name, message } = describeError(error);
  return { name, message };
}

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
        if (seq) link.send(encode([seq, false, brief(error)]));
        return;
      }
      if (!seq) return;
      Promise.resolve(result).then(
        (value) => link.send(encode([seq, true, value])),
        (error: unknown) => link.send(encode([seq, false, brief(error)])),
      );
    }, () => target.gone?.(caller));
  }
}

export class RpcClient {
  private link: Link | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private gone: Error | undefined;

  /** `open` makes the link: to an object's owner by address and id, or an authenticated manager link. */
  constructor(private readonly open: () => Link, private readonly what: string) {}

  static to(address: string, id: string, what: string): RpcClient {
    return new this(() => reach(address, id), what);
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
        else w.reject(reviveError(value as RemoteError));
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
