// Value and Array: numbers in memory that every process of the program sees, as Python's
// multiprocessing.Value and Array. The memory is a file in /dev/shm mapped into every process
// (see shared-memory.ts): reading or writing an element is a load or a store (a system call of a
// microsecond or two where the native addon is not built), and always sees the latest write of
// any process. `counter.value += 1` is a read and a write: hold getLock() around it when several
// processes update the same value.
import { constants } from 'node:buffer';
import { inspect } from 'node:util';
import { ValueError } from './base/errors';
import { REDUCE, Rebuild, registerKind, type Reduced } from './values/reduction';
import { SharedMemory } from './channel/shared-memory';
import { RLock, Lock } from './sync/synchronize';

type Scalar = number | bigint | boolean | string;

const MAX_LENGTH = constants.MAX_LENGTH;

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

const TYPECODES = `${Object.keys(CODECS).slice(0, -1).join(', ')} or ${Object.keys(CODECS).at(-1)}`;

function codecFor(typecode: string): { code: string; codec: Codec } {
  const code = Object.hasOwn(ALIASES, typecode) ? ALIASES[typecode] : typecode;
  // Python's ctypes finds no size for an unknown type: a TypeError, not a ValueError.
  if (!Object.hasOwn(CODECS, code)) throw new TypeError(`bad typecode ${inspect(typecode)} (must be ${TYPECODES}, or a ctypes name such as 'c_int')`);
  return { code, codec: CODECS[code] };
}

export interface SharedOptions {
  /** true (the default) for a new RLock, false for none, or a Lock/RLock to use. */
  lock?: boolean | Lock | RLock;
}

function lockFrom(option: SharedOptions['lock'] = true): Lock | RLock | null {
  if (option === true) return new RLock();
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

  static create(typecode: string, length: number, lock: Lock | RLock | null, stem: string): Cells {
    const { code, codec } = codecFor(typecode);
    // A process maps the memory as one Buffer, and getAll() reads it into one.
    const most = Math.floor(MAX_LENGTH / codec.size);
    if (length > most) throw new ValueError(`array size ${length} is too large: at most ${most} elements of typecode '${code}' (${MAX_LENGTH} bytes, Node's largest Buffer)`);
    const memory = SharedMemory.create(stem, Math.max(1, length * codec.size));
    return new this({ path: memory.path, typecode: code, length, lock }, memory);
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
}

/** The lock of a Value or an Array, for getLock(): raw ones have no getLock() to read it with. */
let lockOf: (shared: UnlockedValue<Scalar> | UnlockedArray<Scalar>) => Lock | RLock;

/** Whether a shared object made or received here has a lock: only those are synchronized (Python's Synchronized wrapper). */
function lockIn(from: string | Rebuild<SharedRef>, options: SharedOptions): Lock | RLock | null {
  return from instanceof Rebuild ? from.state.lock : lockFrom(options.lock);
}

/** A Value with no lock: what RawValue() and `new Value(…, { lock: false })` make, as Python's raw ctypes objects, with no getLock() or getObj(). */
class UnlockedValue<T extends Scalar = number> {
  readonly #cells: Cells;

  static {
    lockOf = (shared) => (#cells in shared ? shared.#cells : arrayCells(shared)).ref.lock!;
  }

  /** @internal */
  constructor(from: string | Rebuild<SharedRef>, init: T | undefined, lock: Lock | RLock | null) {
    if (from instanceof Rebuild) {
      this.#cells = Cells.attach(from.state);
      return;
    }
    this.#cells = Cells.create(from, 1, lock, 'value');
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

  [REDUCE](): Reduced {
    return { kind: 'Value', state: this.#cells.ref };
  }

  [inspect.custom](): string {
    return `<Value('${this.typecode}', ${String(this.value)})>`;
  }
}

export type RawValue<T extends Scalar = number> = UnlockedValue<T>;

export class Value<T extends Scalar = number> extends UnlockedValue<T> {
  constructor(typecode: string, init?: NoInfer<T>, options?: SharedOptions);
  /** @internal */
  constructor(rebuild: Rebuild<SharedRef>);
  constructor(typecode: string | Rebuild<SharedRef>, init?: NoInfer<T>, options: SharedOptions = {}) {
    const lock = lockIn(typecode, options);
    super(typecode, init, lock);
    if (!lock) Object.setPrototypeOf(this, UnlockedValue.prototype);
  }

  /** The lock that guards the value (an RLock unless another was given). */
  getLock(): Lock | RLock {
    return lockOf(this);
  }

  getObj(): this {
    return this;
  }
}

let arrayCells: (array: UnlockedArray<Scalar>) => Cells;
/** What `arr` is to its user: methods run on the object behind it, which getObj() must not hand out. */
let indexed: <A extends UnlockedArray<Scalar>>(array: A) => A;

/** An Array with no lock: what RawArray() and `new Array(…, { lock: false })` make, with no getLock() or getObj(). */
class UnlockedArray<T extends Scalar = number> {
  readonly #cells: Cells;
  readonly #indexed: this;
  [index: number]: T;

  static {
    arrayCells = (array) => array.#cells;
    indexed = (array) => array.#indexed;
  }

  /** @internal */
  constructor(typecode: string | Rebuild<SharedRef>, sizeOrInit: number | Iterable<T> | undefined, lock: Lock | RLock | null) {
    if (typecode instanceof Rebuild) {
      this.#cells = Cells.attach(typecode.state);
    } else {
      const init = typeof sizeOrInit === 'number' ? null : [...sizeOrInit!];
      const length = init ? init.length : sizeOrInit as number;
      if (!Number.isInteger(length) || length < 0) throw new ValueError(`array size must be a non-negative integer, not ${inspect(sizeOrInit)}`);
      this.#cells = Cells.create(typecode, length, lock, 'array');
      if (init) this.setAll(init);
    }
    // Indexing (`arr[i]`) goes through the shared memory.
    this.#indexed = new Proxy(this, {
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
    return this.#indexed;
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

  [REDUCE](): Reduced {
    return { kind: 'Array', state: this.#cells.ref };
  }

  [inspect.custom](): string {
    return `<Array('${this.typecode}', [${this.toArray().map(String).join(', ')}])>`;
  }
}

export type RawArray<T extends Scalar = number> = UnlockedArray<T>;

/** A fixed-length array of numbers shared by every process; index it as `arr[i]` or with get/set. */
export class SharedArray<T extends Scalar = number> extends UnlockedArray<T> {
  constructor(typecode: string, sizeOrInit: number | Iterable<NoInfer<T>>, options?: SharedOptions);
  /** @internal */
  constructor(rebuild: Rebuild<SharedRef>);
  constructor(typecode: string | Rebuild<SharedRef>, sizeOrInit?: number | Iterable<NoInfer<T>>, options: SharedOptions = {}) {
    const lock = lockIn(typecode, options);
    super(typecode, sizeOrInit, lock);
    if (!lock) Object.setPrototypeOf(this, UnlockedArray.prototype);
  }

  /** The lock that guards the elements (an RLock unless another was given). */
  getLock(): Lock | RLock {
    return lockOf(this);
  }

  getObj(): this {
    return indexed(this);
  }
}

registerKind<SharedRef>('Value', (ref) => new Value(new Rebuild(ref)));
registerKind<SharedRef>('Array', (ref) => new SharedArray(new Rebuild(ref)));

/** Python's RawValue: a Value with no lock. */
export function RawValue<T extends Scalar = number>(typecode: string, init?: T): UnlockedValue<T> {
  return new UnlockedValue<T>(typecode, init, null);
}

/** Python's RawArray: an Array with no lock. */
export function RawArray<T extends Scalar = number>(typecode: string, sizeOrInit: number | Iterable<T>): UnlockedArray<T> {
  return new UnlockedArray<T>(typecode, sizeOrInit, null);
}
