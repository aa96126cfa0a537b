// Manager(): Python's SyncManager. A server process holds dicts, lists, namespaces, queues,
// locks and values; proxies call their methods over a connection. The server listens on a Unix
// socket by default, or at a TCP address for programs on other machines; every connection must
// prove it knows the authkey (HMAC challenge, both ways, as Python's) before anything is served.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { Pipe, type Connection } from './connection';
import { context } from './process/context';
import { AuthenticationError, ValueError } from './base/errors';
import { newAddress } from './channel/addresses';
import { Link } from './channel/link';
import { Process } from './process/process';
import { Queue } from './queue/queues';
import { REDUCE, registerKind, type Reduced } from './values/reduction';
import { RpcClient, attachRpc, type Caller, type RpcTarget } from './channel/rpc';
import { SharedMemory } from './channel/shared-memory';
import { makeCore } from './sync/owner';

export type Address = string | { host: string; port: number };

function describeAddress(a: Address): string {
  return typeof a === 'string' ? a : `${a.host}:${a.port}`;
}

// --- authentication -----------------------------------------------------------------------

/** The first byte of each handshake message; the bytes after it are a nonce or a digest. */
const enum Handshake {
  /** A nonce for the other side to sign. */
  Challenge = 1,
  /** The nonce's digest under the authkey. */
  Answer,
  /** The digest was right. */
  Welcome,
  /** The digest was wrong; the link is closed. */
  Failure,
}

function digest(authkey: Buffer, message: Buffer): Buffer {
  return createHmac('sha256', authkey).update(message).digest();
}

/** Reads frames from `link` one at a time during the handshake; `.rest()` returns what came after. */
function frames(link: Link): (() => Promise<Buffer>) & { rest(): Buffer[] } {
  const queue: Buffer[] = [];
  const waiting: Array<(b: Buffer | null) => void> = [];
  let closed = false;
  link.handle((body) => {
    const w = waiting.shift();
    if (w) w(body);
    else queue.push(body);
  }, () => {
    closed = true;
    for (const w of waiting.splice(0)) w(null);
  });
  const next = () => {
    const b = queue.shift();
    if (b) return Promise.resolve(b);
    if (closed) return Promise.reject(new AuthenticationError('connection closed during authentication'));
    return new Promise<Buffer>((resolve, reject) => waiting.push((x) => (x ? resolve(x) : reject(new AuthenticationError('connection closed during authentication')))));
  };
  return Object.assign(next, { rest: () => queue.splice(0) });
}

async function deliverChallenge(link: Link, next: () => Promise<Buffer>, authkey: Buffer): Promise<void> {
  const nonce = randomBytes(32);
  link.send([Buffer.from([Handshake.Challenge]), nonce]);
  const answer = await next();
  const expected = digest(authkey, nonce);
  const given = answer.subarray(1);
  if (answer[0] !== Handshake.Answer || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    link.send(Buffer.from([Handshake.Failure]));
    throw new AuthenticationError('digest received was wrong');
  }
  link.send(Buffer.from([Handshake.Welcome]));
}

async function answerChallenge(link: Link, next: () => Promise<Buffer>, authkey: Buffer): Promise<void> {
  const challenge = await next();
  if (challenge[0] !== Handshake.Challenge) throw new AuthenticationError('protocol error: expected a challenge');
  link.send([Buffer.from([Handshake.Answer]), digest(authkey, challenge.subarray(1))]);
  const verdict = await next();
  if (verdict[0] !== Handshake.Welcome) throw new AuthenticationError('digest sent was rejected');
}

// --- the server -----------------------------------------------------------------------------

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
    case 'extend': l.push(...(args[0] as unknown[])); return undefined;
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
    case 'get': if (!(name in ns)) throw new TypeError(`'Namespace' object has no attribute '${name}'`); return ns[name];
    case 'set': ns[name] = args[1]; return undefined;
    case 'delete': delete ns[name]; return undefined;
    case 'copy': return { ...ns };
  }
  throw new TypeError(`Namespace has no method ${method}`);
}

async function queueCall(q: Queue<unknown>, method: string, args: unknown[]): Promise<unknown> {
  switch (method) {
    case 'put': return q.put(args[0], args[1] as object);
    case 'get': return q.get(args[0] as object);
    case 'putNowait': return q.putNowait(args[0]);
    case 'getNowait': return q.getNowait();
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
}

/** What a manager's clients call on its server; a managed object's own methods go through 'call'. */
type ManagerMethod = 'create' | 'named' | 'call' | 'shutdown';

/** A manager's server in this process (Python's manager.get_server()). */
export class ManagerServer implements RpcTarget<ManagerMethod> {
  readonly #referents = new Map<string, Referent>();
  readonly #named = new Map<string, string>();
  readonly #server: Server;
  readonly #authkey: Buffer;
  readonly #register: Record<string, () => unknown>;
  #nextId = 1;
  readonly address: Address;
  readonly #closed: Promise<void>;
  #close!: () => void;

  private constructor(server: Server, address: Address, authkey: Buffer, register: Record<string, () => unknown>) {
    this.#server = server;
    this.address = address;
    this.#authkey = authkey;
    this.#register = register;
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
    return new this(server, address, authkey, options.register ?? {});
  }

  readonly #links = new Set<Link>();

  async #accept(socket: Socket): Promise<void> {
    const link = new Link(socket);
    // The listening socket is what keeps a serving process alive, not its clients.
    link.unref();
    this.#links.add(link);
    socket.on('close', () => this.#links.delete(link));
    const next = frames(link);
    try {
      await deliverChallenge(link, next, this.#authkey);
      await answerChallenge(link, next, this.#authkey);
    } catch {
      // Nothing is served to a peer that does not know the authkey.
      link.close();
      return;
    }
    // Calls may have arrived in the same read as the end of the handshake.
    const early = next.rest();
    attachRpc(link, this);
    for (const body of early) link.inject(body);
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
          const factory = this.#register[name];
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
      case 'Queue': obj = new Queue((init[0] as number) ?? 0); break;
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
      case 'Queue': return queueCall(ref.obj as Queue<unknown>, method, args);
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
    for (const link of this.#links) link.close();
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

// --- the client -----------------------------------------------------------------------------

const clients = new Map<string, Promise<RpcClient<ManagerMethod>>>();

async function connectTo(address: Address, authkey: Buffer): Promise<RpcClient<ManagerMethod>> {
  const link = Link.connect(address);
  await new Promise<void>((resolve, reject) => {
    link.socket.once('connect', resolve);
    link.socket.once('error', (e) => reject(new Error(`cannot reach the manager at ${describeAddress(address)}: ${e.message}`)));
  });
  const next = frames(link);
  try {
    await answerChallenge(link, next, authkey);
    await deliverChallenge(link, next, authkey);
  } catch (error) {
    link.close();
    throw error;
  }
  link.unref();
  return new RpcClient<ManagerMethod>(() => link, 'managed object');
}

function clientKey(address: Address, authkey: Buffer): string {
  return `${describeAddress(address)}\0${authkey.toString('hex')}`;
}

function client(address: Address, authkey: Buffer): Promise<RpcClient<ManagerMethod>> {
  const key = clientKey(address, authkey);
  let c = clients.get(key);
  if (!c) {
    c = connectTo(address, authkey);
    c.catch(() => clients.delete(key));
    clients.set(key, c);
  }
  return c;
}

interface ProxyRef { address: Address; id: string; typeid: string }

/** A handle on an object held by a manager; every method is a call to the manager. */
export class BaseProxy {
  readonly #ref: ProxyRef;
  readonly #authkey: Buffer;

  /** @internal */
  constructor(ref: ProxyRef, authkey: Buffer) {
    this.#ref = ref;
    this.#authkey = authkey;
  }

  get typeid(): string {
    return this.#ref.typeid;
  }

  /** Calls `method` on the managed object (Python's _callmethod). */
  async callMethod(method: string, ...args: unknown[]): Promise<unknown> {
    const c = await client(this.#ref.address, this.#authkey);
    return c.call('call', this.#ref.id, method, args);
  }

  [REDUCE](): Reduced {
    // The receiving process authenticates with its own authkey, inherited from this program's main process.
    return { kind: 'ManagerProxy', state: this.#ref };
  }

  [inspect.custom](): string {
    return `<${this.#ref.typeid}Proxy ${this.#ref.id} at ${describeAddress(this.#ref.address)}>`;
  }
}

export class DictProxy<K = unknown, V = unknown> extends BaseProxy {
  get(key: K, fallback?: V): Promise<V | undefined> { return this.callMethod('get', key, fallback) as Promise<V | undefined>; }
  /** Python's d[key]: a RangeError (KeyError) when missing. */
  getItem(key: K): Promise<V> { return this.callMethod('getItem', key) as Promise<V>; }
  set(key: K, value: V): Promise<void> { return this.callMethod('set', key, value) as Promise<void>; }
  delete(key: K): Promise<void> { return this.callMethod('delete', key) as Promise<void>; }
  has(key: K): Promise<boolean> { return this.callMethod('has', key) as Promise<boolean>; }
  keys(): Promise<K[]> { return this.callMethod('keys') as Promise<K[]>; }
  values(): Promise<V[]> { return this.callMethod('values') as Promise<V[]>; }
  items(): Promise<Array<[K, V]>> { return this.callMethod('items') as Promise<Array<[K, V]>>; }
  len(): Promise<number> { return this.callMethod('len') as Promise<number>; }
  pop(key: K, ...fallback: [V?]): Promise<V> { return this.callMethod('pop', key, ...fallback) as Promise<V>; }
  setdefault(key: K, value: V): Promise<V> { return this.callMethod('setdefault', key, value) as Promise<V>; }
  update(entries: Map<K, V> | Record<string, V>): Promise<void> { return this.callMethod('update', entries) as Promise<void>; }
  clear(): Promise<void> { return this.callMethod('clear') as Promise<void>; }
  copy(): Promise<Map<K, V>> { return this.callMethod('copy') as Promise<Map<K, V>>; }
}

export class ListProxy<T = unknown> extends BaseProxy {
  get(index: number): Promise<T> { return this.callMethod('get', index) as Promise<T>; }
  set(index: number, value: T): Promise<void> { return this.callMethod('set', index, value) as Promise<void>; }
  append(value: T): Promise<void> { return this.callMethod('append', value) as Promise<void>; }
  extend(values: T[]): Promise<void> { return this.callMethod('extend', values) as Promise<void>; }
  insert(index: number, value: T): Promise<void> { return this.callMethod('insert', index, value) as Promise<void>; }
  pop(index?: number): Promise<T> { return (index === undefined ? this.callMethod('pop') : this.callMethod('pop', index)) as Promise<T>; }
  remove(value: T): Promise<void> { return this.callMethod('remove', value) as Promise<void>; }
  index(value: T): Promise<number> { return this.callMethod('index', value) as Promise<number>; }
  count(value: T): Promise<number> { return this.callMethod('count', value) as Promise<number>; }
  len(): Promise<number> { return this.callMethod('len') as Promise<number>; }
  slice(start?: number, end?: number): Promise<T[]> { return this.callMethod('slice', start, end) as Promise<T[]>; }
  sort(): Promise<void> { return this.callMethod('sort') as Promise<void>; }
  reverse(): Promise<void> { return this.callMethod('reverse') as Promise<void>; }
  clear(): Promise<void> { return this.callMethod('clear') as Promise<void>; }
  copy(): Promise<T[]> { return this.callMethod('copy') as Promise<T[]>; }
}

/** Attributes read with `await ns.get('x')` (or `await ns.x`) and written with `ns.set('x', v)` (or `ns.x = v`). */
export class NamespaceProxy extends BaseProxy {
  get(name: string): Promise<unknown> { return this.callMethod('get', name); }
  set(name: string, value: unknown): Promise<void> { return this.callMethod('set', name, value) as Promise<void>; }
  delete(name: string): Promise<void> { return this.callMethod('delete', name) as Promise<void>; }
  copy(): Promise<Record<string, unknown>> { return this.callMethod('copy') as Promise<Record<string, unknown>>; }
}

function namespaceView(proxy: NamespaceProxy): NamespaceProxy & Record<string, unknown> {
  // Attribute syntax as in Python: writes are sent in order on the one connection, so a later read sees them.
  return new Proxy(proxy, {
    get(target, key) {
      // `then` must stay undefined, or awaiting the proxy would call the manager.
      if (key === 'then') return undefined;
      if (typeof key === 'symbol' || key in target) {
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      }
      return target.get(key);
    },
    set(target, key, value) {
      if (typeof key === 'symbol') return false;
      void target.set(key, value);
      return true;
    },
  }) as NamespaceProxy & Record<string, unknown>;
}

export class QueueProxy<T = unknown> extends BaseProxy {
  put(obj: T, options: { block?: boolean; timeout?: number | null } = {}): Promise<void> { return this.callMethod('put', obj, options) as Promise<void>; }
  get(options: { block?: boolean; timeout?: number | null } = {}): Promise<T> { return this.callMethod('get', options) as Promise<T>; }
  putNowait(obj: T): Promise<void> { return this.callMethod('putNowait', obj) as Promise<void>; }
  getNowait(): Promise<T> { return this.callMethod('getNowait') as Promise<T>; }
  qsize(): Promise<number> { return this.callMethod('qsize') as Promise<number>; }
  empty(): Promise<boolean> { return this.callMethod('empty') as Promise<boolean>; }
  full(): Promise<boolean> { return this.callMethod('full') as Promise<boolean>; }
}

export class AcquirerProxy extends BaseProxy {
  acquire(block = true, timeout: number | null = null): Promise<boolean> {
    return this.callMethod('acquire', block, timeout === null ? undefined : timeout * 1000) as Promise<boolean>;
  }
  release(): Promise<void> { return this.callMethod('release') as Promise<void>; }
  async withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }
}

export class EventProxy extends BaseProxy {
  set(): Promise<void> { return this.callMethod('set') as Promise<void>; }
  clear(): Promise<void> { return this.callMethod('clear') as Promise<void>; }
  async isSet(): Promise<boolean> { return (await this.callMethod('wait', 0)) as boolean; }
  wait(timeout: number | null = null): Promise<boolean> { return this.callMethod('wait', timeout === null ? undefined : timeout * 1000) as Promise<boolean>; }
}

export class ValueProxy<T = unknown> extends BaseProxy {
  get(): Promise<T> { return this.callMethod('get') as Promise<T>; }
  set(value: T): Promise<void> { return this.callMethod('set', value) as Promise<void>; }
  /** `await v.value` reads; `v.value = x` writes (in order with this process's other calls). */
  get value(): Promise<T> { return this.get(); }
  set value(v: T | Promise<T>) { void this.set(v as T); }
}

function proxyFor(ref: ProxyRef, authkey: Buffer): BaseProxy {
  switch (ref.typeid) {
    case 'dict': return new DictProxy(ref, authkey);
    case 'list': return new ListProxy(ref, authkey);
    case 'Namespace': return namespaceView(new NamespaceProxy(ref, authkey));
    case 'Queue': return new QueueProxy(ref, authkey);
    case 'Value': return new ValueProxy(ref, authkey);
    case 'Event': return new EventProxy(ref, authkey);
    default: return new AcquirerProxy(ref, authkey);
  }
}

registerKind('ManagerProxy', (state) => proxyFor(state as ProxyRef, context.authkey));

export interface ManagerOptions {
  /** Where the server listens: a Unix socket path (the default, private to this user) or a TCP host and port. */
  address?: Address;
  /** The key clients must know; this program's authkey by default. */
  authkey?: Buffer | string;
}

/** A connection to a manager's server, started by Manager() or reached with SyncManager.connect(). */
export class SyncManager {
  readonly #authkey: Buffer;
  readonly #process: Process | null;

  private constructor(readonly address: Address, authkey: Buffer, process: Process | null) {
    this.#authkey = authkey;
    this.#process = process;
  }

  /** Starts a manager server process (Python's Manager() / manager.start()). */
  static async start(options: ManagerOptions = {}): Promise<SyncManager> {
    const authkey = Buffer.from(options.authkey ?? context.authkey);
    const [ready, tell] = Pipe(false);
    const p = new Process({ target: managerServer, args: [{ address: options.address, authkey }, tell], daemon: true });
    p.name = p.name.replace(/^Process/, 'SyncManager');
    p.start();
    let address: Address;
    try {
      address = await ready.recv<Address>();
    } catch {
      await p.join();
      throw new Error(`the manager process could not start (exit code ${p.exitCode})`);
    }
    const manager = new this(address, authkey, p);
    await client(address, authkey);
    return manager;
  }

  /** Connects to a manager served elsewhere (Python's manager.connect()); AuthenticationError on a wrong authkey. */
  static async connect(options: { address: Address; authkey?: Buffer | string }): Promise<SyncManager> {
    const authkey = Buffer.from(options.authkey ?? context.authkey);
    await client(options.address, authkey);
    return new this(options.address, authkey, null);
  }

  async #make<P extends BaseProxy>(typeid: string, ...init: unknown[]): Promise<P> {
    const c = await client(this.address, this.#authkey);
    const { id } = (await c.call('create', typeid, init)) as { id: string };
    return proxyFor({ address: this.address, id, typeid }, this.#authkey) as P;
  }

  dict<K = unknown, V = unknown>(init?: Map<K, V> | Record<string, V>): Promise<DictProxy<K, V>> { return this.#make('dict', init); }
  list<T = unknown>(init?: Iterable<T>): Promise<ListProxy<T>> { return this.#make('list', init ? [...init] : []); }
  Namespace(init?: Record<string, unknown>): Promise<NamespaceProxy & Record<string, unknown>> { return this.#make('Namespace', init); }
  Queue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> { return this.#make('Queue', maxsize); }
  Lock(): Promise<AcquirerProxy> { return this.#make('Lock'); }
  RLock(): Promise<AcquirerProxy> { return this.#make('RLock'); }
  Semaphore(value = 1): Promise<AcquirerProxy> { return this.#make('Semaphore', value); }
  BoundedSemaphore(value = 1): Promise<AcquirerProxy> { return this.#make('BoundedSemaphore', value); }
  Event(): Promise<EventProxy> { return this.#make('Event'); }
  Value<T = unknown>(typecode: string, value: T): Promise<ValueProxy<T>> { return this.#make('Value', typecode, value); }

  /** An object the server registered under `name` (ServeOptions.register), the same one for every client. */
  async get<P extends BaseProxy = BaseProxy>(name: string): Promise<P> {
    const c = await client(this.address, this.#authkey);
    const { id, typeid } = (await c.call('named', name)) as { id: string; typeid: string };
    return proxyFor({ address: this.address, id, typeid }, this.#authkey) as P;
  }

  /** Stops the server; its objects are gone. */
  async shutdown(): Promise<void> {
    const c = await client(this.address, this.#authkey);
    await c.call('shutdown');
    c.close();
    clients.delete(clientKey(this.address, this.#authkey));
    if (this.#process) await this.#process.join(5);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}

/** Python's multiprocessing.Manager(): starts a manager server process and connects to it. */
export function Manager(options: ManagerOptions = {}): Promise<SyncManager> {
  return SyncManager.start(options);
}

/** Serves a manager in this process, e.g. for programs on other machines (Python's get_server()). */
export function serveManager(options: ServeOptions = {}): Promise<ManagerServer> {
  return ManagerServer.start(options);
}
