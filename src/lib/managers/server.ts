// A manager's server (Python's managers.Server): it holds dicts, lists, namespaces, queues,
// locks and values for its clients, which call their methods over a connection each.
//
// Security model. Who may connect: anyone who can reach the address (a Unix socket in this
// user's private directory, or a TCP port), but nothing is served until the peer has proved it
// knows the authkey and the server has proved it too (HMAC challenges both ways, handshake.ts);
// until then a peer's messages are read only as long as a handshake message can be, and one
// that does not complete the handshake in time is dropped. What an authenticated peer may do:
// make objects, call their methods, store and read any values, use the server's memory and
// time as any client can, and shut the server down (as in Python). What it may not: act as
// the server's user on the server's machine. Values it sends are kept as data; the shared
// objects and functions among them (a pipe end, a queue, a lock, an exported function) are
// held as they came (Relayed) and go back out unchanged, so the server never listens at,
// connects to, opens or imports a path, address or module a peer names, and never puts them
// into the server program's own queues, where they would be rebuilt. Error messages name only
// what the peer sent. A process that reads such a value from the manager rebuilds it, so it
// trusts the manager's other clients as Python's unpickling does.
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import type { Connection } from '../connection';
import { context } from '../process/context';
import { ValueError } from '../base/errors';
import { newAddress } from '../channel/addresses';
import { Link } from '../channel/link';
import { Queue } from '../queue/queues';
import { decodeRelayed, encode, holdsShared } from '../values/reduction';
import { attachRpc, type Caller, type RpcTarget } from '../channel/rpc';
import { SharedMemory } from '../channel/shared-memory';
import { makeCore } from '../sync/owner';
import { HANDSHAKE_TIMEOUT, authenticate } from './handshake';

export type Address = string | { host: string; port: number };

type Referent = { typeid: string; obj: unknown };

function dictCall(d: Map<unknown, unknown>, method: string, args: unknown[]): unknown {
  switch (method) {
    case 'get': return d.has(args[0]) ? d.get(args[0]) : args[1];
    case 'getItem': if (!d.has(args[0])) throw new RangeError(`KeyError: ${inspect(args[0])}`); return d.get(args[0]);
    case 'set': d.set(args[0], args[1]); return undefined;
    case 'delete': if (!d.delete(args[0])) throw new RangeError(`KeyError: ${inspect(args[0])}`); return undefined;
    case 'has': return d.has(args[0]);
    case 'keys': return [...d.keys()];
    case 'values': return [...d.values()];
    case 'items': return [...d.entries()];
    case 'len': return d.size;
    case 'pop': {
      if (d.has(args[0])) { const v = d.get(args[0]); d.delete(args[0]); return v; }
      if (args.length > 1) return args[1];
      throw new RangeError(`KeyError: ${inspect(args[0])}`);
    }
    case 'setdefault': if (!d.has(args[0])) d.set(args[0], args[1]); return d.get(args[0]);
    case 'update': for (const [k, v] of args[0] instanceof Map ? args[0] : Object.entries(args[0] as object)) d.set(k, v); return undefined;
    case 'clear': d.clear(); return undefined;
    case 'copy': return new Map(d);
  }
  throw new TypeError(`dict has no method ${method}`);
}

function listCall(l: unknown[], method: string, args: unknown[]): unknown {
  const index = (i: unknown) => {
    const n = i as number;
    const k = n < 0 ? l.length + n : n;
    if (!Number.isInteger(n) || k < 0 || k >= l.length) throw new RangeError('list index out of range');
    return k;
  };
  switch (method) {
    case 'get': return l[index(args[0])];
    case 'set': l[index(args[0])] = args[1]; return undefined;
    case 'append': l.push(args[0]); return undefined;
    // One at a time: spreading a long list into push's arguments overflows the stack.
    case 'extend': for (const x of args[0] as Iterable<unknown>) l.push(x); return undefined;
    case 'insert': l.splice(args[0] as number, 0, args[1]); return undefined;
    case 'pop': { if (!l.length) throw new RangeError('pop from empty list'); return l.splice(args.length ? index(args[0]) : l.length - 1, 1)[0]; }
    case 'remove': { const i = l.indexOf(args[0]); if (i < 0) throw new ValueError('list.remove(x): x not in list'); l.splice(i, 1); return undefined; }
    case 'index': { const i = l.indexOf(args[0]); if (i < 0) throw new ValueError(`${inspect(args[0])} is not in list`); return i; }
    case 'count': return l.filter((x) => x === args[0]).length;
    case 'len': return l.length;
    case 'slice': return l.slice(args[0] as number, args[1] as number | undefined);
    case 'sort': l.sort(args[0] === 'reverse' ? (a, b) => ((a as number) < (b as number) ? 1 : -1) : undefined); return undefined;
    case 'reverse': l.reverse(); return undefined;
    case 'clear': l.length = 0; return undefined;
    case 'copy': return [...l];
  }
  throw new TypeError(`list has no method ${method}`);
}

function namespaceCall(ns: Record<string, unknown>, method: string, args: unknown[]): unknown {
  const name = args[0] as string;
  switch (method) {
    // Own properties only: a peer reads no inherited member and sets no prototype.
    case 'get': if (!Object.hasOwn(ns, name)) throw new TypeError(`'Namespace' object has no attribute '${name}'`); return ns[name];
    case 'set': Object.defineProperty(ns, name, { value: args[1], writable: true, enumerable: true, configurable: true }); return undefined;
    case 'delete': delete ns[name]; return undefined;
    case 'copy': return { ...ns };
  }
  throw new TypeError(`Namespace has no method ${method}`);
}

/**
 * `held`: a queue the manager made for its clients (Python's queue.Queue in the server), which
 * keeps its items encoded, so that what it hands out is what was put. Anything else is the
 * server program's own queue, whose items it rebuilds: a peer's shared objects stay out of it.
 */
async function queueCall(q: Queue<unknown>, held: boolean, method: string, args: unknown[]): Promise<unknown> {
  const item = (value: unknown) => {
    if (held) return encode(value, 'the item');
    if (holdsShared(encode(value, 'the item'))) {
      throw new TypeError("a manager's client cannot put shared objects or functions into the server program's own Queue");
    }
    return value;
  };
  const taken = (value: unknown) => (held ? decodeRelayed(value as Buffer) : value);
  switch (method) {
    case 'put': return q.put(item(args[0]), args[1] as object);
    case 'get': return taken(await q.get(args[0] as object));
    case 'putNowait': return q.putNowait(item(args[0]));
    case 'getNowait': return taken(q.getNowait());
    case 'qsize': return q.qsize();
    case 'empty': return q.empty();
    case 'full': return q.full();
  }
  throw new TypeError(`Queue has no method ${method}`);
}

function valueCall(v: { value: unknown }, method: string, args: unknown[]): unknown {
  if (method === 'get') return v.value;
  if (method === 'set') { v.value = args[0]; return undefined; }
  throw new TypeError(`Value has no method ${method}`);
}

export interface ServeOptions {
  address?: Address;
  authkey?: Buffer | string;
  /** Named objects that clients can ask for with `manager.get(name)`. */
  register?: Record<string, () => unknown>;
  /** Seconds a connection has to complete the handshake before it is dropped (10 by default). */
  handshakeTimeout?: number;
}

/** What a manager's clients call on its server; a managed object's own methods go through 'call'. */
export type ManagerMethod = 'create' | 'named' | 'call' | 'shutdown';

/** A manager's server in this process (Python's manager.get_server()). */
export class ManagerServer implements RpcTarget<ManagerMethod> {
  readonly #referents = new Map<string, Referent>();
  readonly #named = new Map<string, string>();
  readonly #server: Server;
  readonly #authkey: Buffer;
  readonly #register: Record<string, () => unknown>;
  readonly #handshakeTimeout: number;
  /** The queues this server made for its clients, as opposed to the server program's own. */
  readonly #held = new WeakSet<Queue<unknown>>();
  #nextId = 1;
  readonly address: Address;
  readonly #closed: Promise<void>;
  #close!: () => void;

  private constructor(server: Server, address: Address, authkey: Buffer, options: ServeOptions) {
    this.#server = server;
    this.address = address;
    this.#authkey = authkey;
    this.#register = options.register ?? {};
    this.#handshakeTimeout = options.handshakeTimeout ?? HANDSHAKE_TIMEOUT;
    this.#closed = new Promise((resolve) => { this.#close = resolve; });
    server.on('connection', (socket: Socket) => void this.#accept(socket));
  }

  static async start(options: ServeOptions = {}): Promise<ManagerServer> {
    const authkey = Buffer.from(options.authkey ?? context.authkey);
    const wanted = options.address ?? newAddress('manager.sock');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (typeof wanted === 'string') server.listen(wanted, resolve);
      else server.listen(wanted.port, wanted.host, resolve);
    });
    const bound = server.address();
    const address = typeof wanted === 'string' || !bound || typeof bound === 'string' ? wanted : { host: wanted.host, port: bound.port };
    return new this(server, address, authkey, options);
  }

  readonly #sockets = new Set<Socket>();

  async #accept(socket: Socket): Promise<void> {
    // The listening socket is what keeps a serving process alive, not its clients.
    socket.unref();
    socket.on('error', () => {});
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    try {
      await authenticate(socket, this.#authkey, 'server', this.#handshakeTimeout);
    } catch {
      // Nothing is served to a peer that does not know the authkey.
      return;
    }
    const link = new Link(socket);
    attachRpc(link, this, decodeRelayed);
    // Calls may have arrived with the end of the handshake: they are still in the socket.
    socket.resume();
  }

  call(caller: Caller, method: ManagerMethod, args: unknown[]): unknown {
    switch (method) {
      case 'create': {
        const [typeid, init] = args as [string, unknown[]];
        return this.#create(typeid, init);
      }
      case 'named': {
        const name = args[0] as string;
        let id = this.#named.get(name);
        if (!id) {
          const factory = Object.hasOwn(this.#register, name) ? this.#register[name] : undefined;
          if (!factory) throw new ValueError(`the manager has no registered object named ${inspect(name)}`);
          const obj = factory();
          id = this.#add(obj instanceof Queue ? 'Queue' : obj instanceof Map ? 'dict' : Array.isArray(obj) ? 'list' : 'Namespace', obj);
          this.#named.set(name, id);
        }
        return { id, typeid: this.#referents.get(id)!.typeid };
      }
      case 'call': {
        const [id, name, callArgs] = args as [string, string, unknown[]];
        const ref = this.#referents.get(id);
        if (!ref) throw new ValueError(`the manager holds no object ${id}`);
        return this.#dispatch(ref, name, callArgs, caller);
      }
      case 'shutdown':
        setImmediate(() => void this.close());
        return undefined;
    }
    throw new TypeError(`no manager method ${String(method)}`);
  }

  #add(typeid: string, obj: unknown): string {
    const id = `${typeid}-${this.#nextId++}`;
    this.#referents.set(id, { typeid, obj });
    return id;
  }

  #create(typeid: string, init: unknown[]): { id: string; typeid: string } {
    let obj: unknown;
    switch (typeid) {
      case 'dict': obj = init[0] instanceof Map ? new Map(init[0]) : new Map(Object.entries((init[0] as object) ?? {})); break;
      case 'list': obj = [...((init[0] as unknown[]) ?? [])]; break;
      case 'Namespace': obj = { ...((init[0] as object) ?? {}) }; break;
      case 'Queue': obj = new Queue((init[0] as number) ?? 0); this.#held.add(obj as Queue<unknown>); break;
      case 'Value': obj = { value: init[1] }; break;
      case 'Lock': case 'RLock': case 'Semaphore': case 'BoundedSemaphore': case 'Event':
        obj = makeCore(typeid, init, SharedMemory.create('manager-lock', 16));
        break;
      default: throw new TypeError(`a manager cannot make a ${typeid}`);
    }
    return { id: this.#add(typeid, obj), typeid };
  }

  #dispatch(ref: Referent, method: string, args: unknown[], caller: Caller): unknown {
    switch (ref.typeid) {
      case 'dict': return dictCall(ref.obj as Map<unknown, unknown>, method, args);
      case 'list': return listCall(ref.obj as unknown[], method, args);
      case 'Namespace': return namespaceCall(ref.obj as Record<string, unknown>, method, args);
      case 'Queue': return queueCall(ref.obj as Queue<unknown>, this.#held.has(ref.obj as Queue<unknown>), method, args);
      case 'Value': return valueCall(ref.obj as { value: unknown }, method, args);
      default: return (ref.obj as RpcTarget).call(caller, method, args);
    }
  }

  gone(caller: Caller): void {
    for (const ref of this.#referents.values()) {
      if (typeof (ref.obj as RpcTarget).gone === 'function') (ref.obj as RpcTarget).gone!(caller);
    }
  }

  /** Serves until shutdown() is called (by this process or a client). */
  serveForever(): Promise<void> {
    return this.#closed;
  }

  async close(): Promise<void> {
    this.#server.close();
    for (const socket of this.#sockets) socket.end();
    if (typeof this.address === 'string') rmSync(this.address, { force: true });
    this.#close();
  }
}

/** The target of a manager's server process. */
export async function managerServer(options: { address?: Address; authkey: Buffer }, ready: Connection): Promise<void> {
  const server = await ManagerServer.start(options);
  ready.send(server.address);
  await server.serveForever();
}

/** Serves a manager in this process, e.g. for programs on other machines (Python's get_server()). */
export function serveManager(options: ServeOptions = {}): Promise<ManagerServer> {
  return ManagerServer.start(options);
}
