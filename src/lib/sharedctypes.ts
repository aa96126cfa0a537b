// Value and Array: numbers in memory that every process of the program sees, as Python's
// multiprocessing.Value and Array. The memory is a file in /dev/shm mapped into every process
// (see shared-memory.ts): reading or writing an element is a load or a store (a system call of a
// microsecond or two where the native addon is not built), and always sees the latest write of
// any process. `counter.value += 1` is a read and a write: hold getLock() around it when several
// processes update the same value.
import { inspect } from 'node:util';
import { ValueError } from './base/errors';
import { REDUCE, Rebuild, registerKind, type Reduced } from './values/reduction';
import { SharedMemory } from './channel/shared-memory';
import { RLock, Lock } from './sync/synchronize';

type Scalar = number | bigint | boolean | string;

interface Codec {
  size: number;
  read(b: Buffer, offset: number): Scalar;
  write(b: Buffer, offset: number, v: Scalar): void;
  zero: Scalar;
}

const num = (size: number, read: (b: Buffer, o: number) => number, write: (b: Buffer, v: number, o: number) => void): Codec => ({
  size,
  read,
  write: (b, o, v) => {
    if (typeof v !== 'number') throw new TypeError(`expected a number, not ${typeof v}`);
    write(b, v, o);
  },
  zero: 0,
});
const int = (size: number, signed: boolean): Codec => num(size, (b, o) => (signed ? b.readIntLE(o, size) : b.readUIntLE(o, size)), (b, v, o) => {
  if (!Number.isInteger(v)) throw new TypeError(`expected an integer, not ${v}`);
  const bits = size * 8;
  // Wrap around as C integers do, as Python's ctypes does.
  let wrapped = ((v % 2 ** bits) + 2 ** bits) % 2 ** bits;
  if (signed && wrapped >= 2 ** (bits - 1)) wrapped -= 2 ** bits;
  if (signed) b.writeIntLE(wrapped, o, size);
  else b.writeUIntLE(wrapped, o, size);
});
const big = (signed: boolean): Codec => ({
  size: 8,
  read: (b, o) => (signed ? b.readBigInt64LE(o) : b.readBigUInt64LE(o)),
  write: (b, o, v) => {
    const x = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
    if (x === undefined) throw new TypeError(`expected a bigint or an integer, not ${String(v)}`);
    if (signed) b.writeBigInt64LE(BigInt.asIntN(64, x), o);
    else b.writeBigUInt64LE(BigInt.asUintN(64, x), o);
  },
  zero: 0n,
});

const CODECS: Record<string, Codec> = {
  b: int(1, true), B: int(1, false), h: int(2, true), H: int(2, false), i: int(4, true), I: int(4, false),
  l: big(true), L: big(false), q: big(true), Q: big(false),
  f: num(4, (b, o) => b.readFloatLE(o), (b, v, o) => b.writeFloatLE(v, o)),
  d: num(8, (b, o) => b.readDoubleLE(o), (b, v, o) => b.writeDoubleLE(v, o)),
  '?': { size: 1, read: (b, o) => b[o] !== 0, write: (b, o, v) => { b[o] = v ? 1 : 0; }, zero: false },
  c: {
    size: 1,
    read: (b, o) => String.fromCharCode(b[o]),
    write: (b, o, v) => {
      if (typeof v !== 'string' || v.length !== 1 || v.charCodeAt(0) > 255) throw new TypeError('expected a one-character string');
      b[o] = v.charCodeAt(0);
    },
    zero: '\0',
  },
};

/** ctypes names, as Python accepts them beside type codes. */
const ALIASES: Record<string, string> = {
  c_byte: 'b', c_ubyte: 'B', c_short: 'h', c_ushort: 'H', c_int: 'i', c_uint: 'I', c_long: 'l', c_ulong: 'L',
  c_longlong: 'q', c_ulonglong: 'Q', c_float: 'f', c_double: 'd', c_bool: '?', c_char: 'c', int: 'i', double: 'd',
};

function codecFor(typecode: string): { code: string; codec: Codec } {
  const code = ALIASES[typecode] ?? typecode;
  const codec = CODECS[code];
  if (!codec) throw new ValueError(`bad typecode ${inspect(typecode)} (must be one of ${Object.keys(CODECS).join(' ')} or a ctypes name such as 'c_int')`);
  return { code, codec };
}

export interface SharedOptions {
  /** true (the default) for a new RLock, false for none, or a Lock/RLock to use. */
  lock?: boolean | Lock | RLock;
}

function lockFrom(option: SharedOptions['lock']): Lock | RLock | null {
  if (option === undefined || option === true) return new RLock();
  if (option === false) return null;
  if (option instanceof Lock || option instanceof RLock) return option;
  throw new TypeError("lock must be true, false, a Lock or an RLock");
}

/** What a Value or an Array sent to another process carries. */
interface SharedRef { path: string; typecode: string; length: number; lock: Lock | RLock | null }

/** The shared memory behind a Value or an Array: `length` elements of one type code. */
class Cells {
  readonly codec: Codec;
  readonly #scratch: Buffer;

  private constructor(readonly ref: SharedRef, readonly memory: SharedMemory) {
    this.codec = CODECS[ref.typecode];
    this.#scratch = Buffer.alloc(this.codec.size);
  }

  static create(typecode: string, length: number, lock: SharedOptions['lock'], stem: string): Cells {
    const { code, codec } = codecFor(typecode);
    const memory = SharedMemory.create(stem, Math.max(1, length * codec.size));
    return new this({ path: memory.path, typecode: code, length, lock: lockFrom(lock) }, memory);
  }

  /** The cells of a Value or Array received from another process. */
  static attach(ref: SharedRef): Cells {
    return new this(ref, SharedMemory.open(ref.path));
  }

  get(i: number): Scalar {
    this.memory.read(this.#scratch, i * this.codec.size);
    return this.codec.read(this.#scratch, 0);
  }

  set(i: number, value: Scalar): void {
    this.codec.write(this.#scratch, 0, value);
    this.memory.write(this.#scratch, i * this.codec.size);
  }

  /** Reads every element at once. */
  getAll(): Scalar[] {
    const size = this.codec.size;
    const all = Buffer.alloc(this.ref.length * size);
    this.memory.read(all, 0);
    return Array.from({ length: this.ref.length }, (_, i) => this.codec.read(all, i * size));
  }

  /** Writes every element at once. */
  setAll(values: Scalar[]): void {
    const size = this.codec.size;
    const all = Buffer.alloc(values.length * size);
    values.forEach((v, i) => this.codec.write(all, i * size, v));
    this.memory.write(all, 0);
  }

  lock(what: string): Lock | RLock {
    if (!this.ref.lock) throw new ValueError(`this ${what} was made with lock: false and has no lock`);
    return this.ref.lock;
  }
}

export class Value<T extends Scalar = number> {
  readonly #cells: Cells;

  constructor(typecode: string, init?: NoInfer<T>, options?: SharedOptions);
  /** @internal */
  constructor(rebuild: Rebuild<SharedRef>);
  constructor(typecode: string | Rebuild<SharedRef>, init?: NoInfer<T>, options: SharedOptions = {}) {
    if (typecode instanceof Rebuild) {
      this.#cells = Cells.attach(typecode.state);
      return;
    }
    this.#cells = Cells.create(typecode, 1, options.lock, 'value');
    this.value = (init ?? this.#cells.codec.zero) as T;
  }

  get value(): T {
    return this.#cells.get(0) as T;
  }

  set value(v: T) {
    this.#cells.set(0, v);
  }

  get typecode(): string {
    return this.#cells.ref.typecode;
  }

  /** The lock that guards the value (an RLock unless another was given); an error when made with `lock: false`. */
  getLock(): Lock | RLock {
    return this.#cells.lock('Value');
  }

  getObj(): this {
    return this;
  }

  [REDUCE](): Reduced {
    return { kind: 'Value', state: this.#cells.ref };
  }

  [inspect.custom](): string {
    return `<Value('${this.typecode}', ${String(this.value)})>`;
  }
}

/** A fixed-length array of numbers shared by every process; index it as `arr[i]` or with get/set. */
export class SharedArray<T extends Scalar = number> {
  readonly #cells: Cells;
  [index: number]: T;

  constructor(typecode: string, sizeOrInit: number | Iterable<NoInfer<T>>, options?: SharedOptions);
  /** @internal */
  constructor(rebuild: Rebuild<SharedRef>);
  constructor(typecode: string | Rebuild<SharedRef>, sizeOrInit?: number | Iterable<NoInfer<T>>, options: SharedOptions = {}) {
    if (typecode instanceof Rebuild) {
      this.#cells = Cells.attach(typecode.state);
    } else {
      const init = typeof sizeOrInit === 'number' ? null : [...sizeOrInit!];
      const length = init ? init.length : sizeOrInit as number;
      if (!Number.isInteger(length) || length < 0) throw new ValueError(`array size must be a non-negative integer, not ${inspect(sizeOrInit)}`);
      this.#cells = Cells.create(typecode, length, options.lock, 'array');
      if (init) this.setAll(init);
    }
    // Indexing (`arr[i]`) goes through the shared memory.
    return new Proxy(this, {
      // Accessors and methods run on the target itself, whose private fields the proxy lacks.
      get: (target, key) => {
        if (typeof key === 'string' && /^\d+$/.test(key)) return target.get(Number(key));
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
      set: (target, key, value) => {
        if (typeof key === 'string' && /^\d+$/.test(key)) {
          target.set(Number(key), value as T);
          return true;
        }
        return Reflect.set(target, key, value);
      },
    });
  }

  get length(): number {
    return this.#cells.ref.length;
  }

  get typecode(): string {
    return this.#cells.ref.typecode;
  }

  #check(index: number): number {
    if (!Number.isInteger(index)) throw new TypeError(`array index must be an integer, not ${inspect(index)}`);
    const i = index < 0 ? this.length + index : index;
    if (i < 0 || i >= this.length) throw new RangeError(`array index ${index} out of range (length ${this.length})`);
    return i;
  }

  get(index: number): T {
    return this.#cells.get(this.#check(index)) as T;
  }

  set(index: number, value: T): void {
    this.#cells.set(this.#check(index), value);
  }

  /** Reads every element at once. */
  toArray(): T[] {
    return this.#cells.getAll() as T[];
  }

  /** Writes every element at once. */
  setAll(values: Iterable<T>): void {
    const list = [...values];
    if (list.length !== this.length) throw new ValueError(`expected ${this.length} values, got ${list.length}`);
    this.#cells.setAll(list);
  }

  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }

  getLock(): Lock | RLock {
    return this.#cells.lock('Array');
  }

  getObj(): this {
    return this;
  }

  [REDUCE](): Reduced {
    return { kind: 'Array', state: this.#cells.ref };
  }

  [inspect.custom](): string {
    return `<Array('${this.typecode}', [${this.toArray().map(String).join(', ')}])>`;
  }
}

registerKind<SharedRef>('Value', (ref) => new Value(new Rebuild(ref)));
registerKind<SharedRef>('Array', (ref) => new SharedArray(new Rebuild(ref)));

/** Python's RawValue: a Value with no lock. */
export function RawValue<T extends Scalar = number>(typecode: string, init?: T): Value<T> {
  return new Value<T>(typecode, init, { lock: false });
}

/** Python's RawArray: an Array with no lock. */
export function RawArray<T extends Scalar = number>(typecode: string, sizeOrInit: number | Iterable<T>): SharedArray<T> {
  return new SharedArray<T>(typecode, sizeOrInit, { lock: false });
}
