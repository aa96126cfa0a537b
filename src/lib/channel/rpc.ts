// Calls on an object that lives in another process (its owner): locks, events, barriers and
// manager proxies. The owner runs the calls in order, one link per calling process.
import { hold, release } from '../base/keepalive';
import { type Link } from './link';
import { reach, serve } from './server';
import { decode, decodeRelayed, decodeSoon, encode } from '../values/reduction';
import { describeError, reviveError, type RemoteError } from '../values/remote-error';

/**
 * What a message is, its first item. Each is a flat tuple of numbers, strings and booleans
 * when the arguments are, which encode() writes by hand: a lock's acquire is one such message
 * each way.
 */
const enum RpcOp {
  /** Caller → owner, first on a link: the caller's pid (which process holds an RLock). */
  Hello,
  /** Caller → owner: a call, answered by a Result or a Failure with the same number. */
  Call,
  /** Owner → caller: what a call returned. */
  Result,
  /** Owner → caller: what a call threw. */
  Failure,
}

type Request<M extends string> = [op: RpcOp.Hello, pid: number] | [op: RpcOp.Call, seq: number, method: M, ...args: unknown[]];
type Answer = [op: RpcOp.Result, seq: number, value: unknown] | [op: RpcOp.Failure, seq: number, error: RemoteError];

function send<M extends string>(link: Link, message: Request<M> | Answer): void {
  link.send(encode(message));
}

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

/** An object served to other processes; `M` names the methods it answers. */
export interface RpcTarget<M extends string = string> {
  call(caller: Caller, method: M, args: unknown[]): unknown;
  /** A calling process went away (closed, exited or was killed). */
  gone?(caller: Caller): void;
}

/** Serves `target` to other processes; returns the address to reach it. */
export function serveRpc<M extends string>(id: string, target: RpcTarget<M>): string {
  return serve(id, (link) => attachRpc(link, target));
}

/**
 * Answers the calls that arrive on `link` by running them on `target`, in order. `decodeCall`
 * is how their arguments are read: a manager's server keeps a peer's shared objects as they came.
 */
export function attachRpc<M extends string>(link: Link, target: RpcTarget<M>, decodeCall: (body: Buffer) => unknown = decode): void {
  const caller: Caller = { pid: 0, link };
  const answer = (seq: number, value: unknown) => {
    try {
      send(link, [RpcOp.Result, seq, value]);
    } catch (error) {
      // A value that cannot travel fails its call, not the link (nor the owner, as a rejection nobody handles).
      send(link, [RpcOp.Failure, seq, brief(error)]);
    }
  };
  link.handle((body) => {
    const message = decodeCall(body) as Request<M>;
    if (message[0] === RpcOp.Hello) {
      caller.pid = message[1];
      return;
    }
    const [, seq, method, ...args] = message;
    let result: unknown;
    try {
      result = target.call(caller, method, args);
    } catch (error) {
      send(link, [RpcOp.Failure, seq, brief(error)]);
      return;
    }
    Promise.resolve(result).then(
      (value) => answer(seq, value),
      (error: unknown) => send(link, [RpcOp.Failure, seq, brief(error)]),
    );
  }, () => target.gone?.(caller));
}

/** Calls the methods `M` of an object in another process. */
export class RpcClient<M extends string = string> {
  private link: Link | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private gone: Error | undefined;

  /** `open` makes the link: to an object's owner by address and id, or an authenticated manager link. */
  constructor(private readonly open: () => Link, private readonly what: string) {}

  static to<M extends string>(address: string, id: string, what: string): RpcClient<M> {
    return new this(() => reach(address, id), what);
  }

  private connection(): Link {
    if (this.gone) throw this.gone;
    if (!this.link) {
      const link = this.open();
      link.unref();
      send(link, [RpcOp.Hello, process.pid]);
      link.handle((body) => this.answered(body), () => {
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

  /** Answers whose functions are still being imported: the answers after them wait, to settle in order. */
  private settling: Promise<void> | undefined;

  private answered(body: Buffer): void {
    let answer: unknown;
    try {
      answer = decodeSoon(body);
    } catch (error) {
      answer = Promise.reject(error as Error);
    }
    if (!this.settling && !(answer instanceof Promise)) {
      this.settle(answer as Answer);
      return;
    }
    const settled = Promise.all([this.settling, answer]).then(
      ([, a]) => this.settle(a as Answer),
      (error: unknown) => this.failed(body, error),
    );
    this.settling = settled;
    void settled.then(() => {
      if (this.settling === settled) this.settling = undefined;
    });
  }

  /** A value that cannot be rebuilt here (its module does not load) fails its own call only. */
  private failed(body: Buffer, error: unknown): void {
    let seq: number;
    try {
      seq = (decodeRelayed(body) as Answer)[1];
    } catch {
      this.link?.socket.destroy();
      return;
    }
    this.settle([RpcOp.Failure, seq, brief(error)]);
  }

  private settle([op, seq, value]: Answer): void {
    const w = this.waiting.get(seq);
    if (!w) return;
    this.waiting.delete(seq);
    release();
    if (op === RpcOp.Result) w.resolve(value);
    else w.reject(reviveError(value as RemoteError));
  }

  call(method: M, ...args: unknown[]): Promise<unknown> {
    try {
      const link = this.connection();
      const seq = ++this.seq;
      hold();
      const p = new Promise<unknown>((resolve, reject) => this.waiting.set(seq, { resolve, reject }));
      send(link, [RpcOp.Call, seq, method, ...args]);
      return p;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Ends the connection; calls still waiting fail. */
  close(): void {
    this.link?.close();
  }
}
