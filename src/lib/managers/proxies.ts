// Manager() and SyncManager.connect(): a connection to a manager's server (server.ts), and the
// proxies through which its objects are used; each method is a call to the server.
import { connect } from 'node:net';
import { inspect } from 'node:util';
import { Pipe } from '../connection';
import { context } from '../process/context';
import { Link } from '../channel/link';
import { Process } from '../process/process';
import { REDUCE, registerKind, type Reduced } from '../values/reduction';
import { RpcClient } from '../channel/rpc';
import { authenticate } from './handshake';
import { managerServer, type Address, type ManagerMethod } from './server';

function describeAddress(a: Address): string {
  return typeof a === 'string' ? a : `${a.host}:${a.port}`;
}


const clients = new Map<string, Promise<RpcClient<ManagerMethod>>>();

async function connectTo(address: Address, authkey: Buffer): Promise<RpcClient<ManagerMethod>> {
  // A plain socket, not Link.connect's: the handshake reads it before the link does.
  const socket = typeof address === 'string' ? connect({ path: address }) : connect({ port: address.port, host: address.host });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (e) => reject(new Error(`cannot reach the manager at ${describeAddress(address)}: ${e.message}`)));
  });
  socket.on('error', () => {});
  await authenticate(socket, authkey, 'client');
  const link = new Link(socket);
  socket.resume();
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
