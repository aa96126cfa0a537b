// How values travel between processes: V8's structured serialization, which keeps Map, Set,
// Date, BigInt, typed arrays, Buffers and Errors, and refuses functions, sockets and other live
// handles. Errors name the value that could not travel, since V8's own message does not.
import { inspect } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { checkSize } from '../channel/framing';
import { describeRef, findExport, loadExport, type ExportRef } from './targets';

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') {
    const kind = /^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
    return value.name ? `${kind} ${value.name}` : `anonymous ${kind}`;
  }
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  return ctor?.name ? `${ctor.name} object` : 'object';
}

interface Culprit { path: string; value: unknown }

/** An instance of a class of its own (a Socket, a Worker), as opposed to plain data. */
function isInstance(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto !== null && proto !== Object.prototype && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set);
}

/**
 * Finds the first part of `value` that V8 cannot serialize, as a path like `.socket` or `[2]`,
 * and the outermost class instance on that path (`within`), which is what the caller passed.
 */
function findUnserializable(value: unknown, path: string, seen: Set<unknown>, within?: Culprit): (Culprit & { within?: Culprit }) | undefined {
  if (typeof value === 'function' || typeof value === 'symbol') return { path, value, within };
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined;
  seen.add(value);
  within ??= isInstance(value) ? { path, value } : undefined;
  try {
    serialize(value);
    return undefined;
  } catch {
    // fall through to find which member is to blame
  }
  const entries: Array<[string, unknown]> = value instanceof Map
    ? [...value].flatMap(([k, v], i) => [[`<key ${i}>`, k], [`.get(${String(k)})`, v]] as Array<[string, unknown]>)
    : value instanceof Set
      ? [...value].map((v, i) => [`<item ${i}>`, v] as [string, unknown])
      : Object.entries(value).map(([k, v]) => [Array.isArray(value) ? `[${k}]` : `.${k}`, v] as [string, unknown]);
  for (const [key, member] of entries) {
    const found = findUnserializable(member, path + key, seen, within);
    if (found) return found;
  }
  return { path, value, within };
}

function article(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

export class SerializationError extends TypeError {
  override name = 'SerializationError';
}

/** Serializes `value`, or throws naming `label` and the part of it that cannot travel. */
export function dumps(value: unknown, label: string): Buffer {
  try {
    if (typeof value === 'function' || typeof value === 'symbol') throw new Error();
    return serialize(value);
  } catch {
    const bad: Culprit & { within?: Culprit } = findUnserializable(value, '', new Set()) ?? { path: '', value };
    // A Socket fails on some function deep inside it: name the Socket, and the part to blame.
    const whole = bad.within && bad.within.value !== bad.value ? bad.within : undefined;
    const inside = whole ? ` (its ${bad.path.slice(whole.path.length)} is ${article(typeName(bad.value))})` : '';
    throw new SerializationError(
      `${label}${(whole ?? bad).path} cannot be sent to another process: ${article(typeName((whole ?? bad).value))} cannot be serialized${inside} ` +
      '(values travel by structured clone: plain data, Map, Set, Date, BigInt, typed arrays, Buffer, Error).',
    );
  }
}

export function loads(data: Buffer | Uint8Array): unknown {
  return deserialize(data);
}

// --- Values as messages -------------------------------------------------------------------
// A message body starts with a tag byte. Numbers, strings, booleans, null and undefined have
// their own tags (ten times cheaper than V8's serializer for the small items queues carry);
// everything else goes through V8. Objects of the library that can be shared (queues, pipe
// ends, locks…) are replaced by a marker and rebuilt on the other side.

const enum Tag { Undefined, Null, True, False, Number, String, V8, V8Shared, Bytes, Tuple, View, Numbers }

/**
 * Implemented by library objects that can travel to another process and work there: Python's
 * `__reduce__`. It gives the object's kind and its state; the receiving process rebuilds it by
 * the rebuild function registered for that kind (registerKind), from that state alone.
 */
export const REDUCE = Symbol.for('multiproc.reduce');
export interface Reduced { kind: string; state: unknown }
export interface Shareable { [REDUCE](): Reduced }

/**
 * What a rebuild function passes to a shareable class's constructor in place of its usual
 * arguments: "attach to the object that `state` describes" instead of "make a new one". The
 * constructor overload that takes it is internal; classes derived from ours pass it through.
 */
export class Rebuild<S> {
  constructor(readonly state: S) {}
}

const MARK = '__multiproc_shared__';
const rebuilders = new Map<string, (state: unknown) => unknown>();

/** Declares how to rebuild a shareable kind in the receiving process. */
export function registerKind<S>(kind: string, rebuild: (state: S) => unknown): void {
  rebuilders.set(kind, rebuild as (state: unknown) => unknown);
}

function isShareable(value: object): value is Shareable {
  return typeof (value as Partial<Shareable>)[REDUCE] === 'function';
}

function isOpaque(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date || value instanceof RegExp || value instanceof Error;
}

/** Replaces shareable objects by markers; returns the same value when there is none. */
function reduceDeep(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value === 'function') {
    // A function exported by a module travels by reference, as pickle sends functions.
    const ref = findExport(value);
    return ref ? { [MARK]: { kind: 'function', state: ref } } : value;
  }
  if (typeof value !== 'object' || value === null || isOpaque(value)) return value;
  if (seen.has(value)) return seen.get(value);
  if (isShareable(value)) {
    const { kind, state } = value[REDUCE]();
    const reduced = { [MARK]: { kind, state: null as unknown } };
    seen.set(value, reduced);
    // The state may hold shareables of its own (a Condition's lock).
    reduced[MARK].state = reduceDeep(state, seen);
    return reduced;
  }
  seen.set(value, value);
  let copy: unknown = value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // Arrays of numbers and strings (a map's chunks) are common: skip the call for primitives.
      if (item === null || (typeof item !== 'object' && typeof item !== 'function')) continue;
      const r = reduceDeep(item, seen);
      if (r !== item) {
        if (copy === value) copy = value.slice();
        (copy as unknown[])[i] = r;
      }
    }
  } else if (value instanceof Map) {
    let changed = false;
    const entries: Array<[unknown, unknown]> = [];
    for (const [k, v] of value) {
      const rk = reduceDeep(k, seen);
      const rv = reduceDeep(v, seen);
      changed ||= rk !== k || rv !== v;
      entries.push([rk, rv]);
    }
    if (changed) copy = new Map(entries);
  } else if (value instanceof Set) {
    let changed = false;
    const items: unknown[] = [];
    for (const v of value) {
      const r = reduceDeep(v, seen);
      changed ||= r !== v;
      items.push(r);
    }
    if (changed) copy = new Set(items);
  } else {
    for (const [k, v] of Object.entries(value)) {
      const r = reduceDeep(v, seen);
      if (r !== v) {
        if (copy === value) copy = { ...value };
        (copy as Record<string, unknown>)[k] = r;
      }
    }
  }
  seen.set(value, copy);
  return copy;
}

/**
 * A shared object or function as it arrived, not rebuilt: it goes on as it came and is rebuilt
 * where it is used. For a process that holds values for others (a manager's server), which must
 * not open, connect to, listen at or import what a peer names.
 */
export class Relayed implements Shareable {
  constructor(readonly kind: string, readonly state: unknown) {}

  [REDUCE](): Reduced {
    return { kind: this.kind, state: this.state };
  }

  [inspect.custom](): string {
    return `<${this.kind} held for another process>`;
  }
}

function reviveDeep(value: unknown, seen: Set<object>, relay = false): unknown {
  if (typeof value !== 'object' || value === null || isOpaque(value) || seen.has(value)) return value;
  seen.add(value);
  if (MARK in value) {
    const { kind, state } = (value as Record<string, Reduced>)[MARK];
    // Its state goes on as it came; the process that rebuilds it rebuilds what the state holds.
    if (relay) return new Relayed(kind, state);
    const rebuild = rebuilders.get(kind);
    if (!rebuild) throw new TypeError(`cannot rebuild a shared ${kind}: this process does not know that kind`);
    return rebuild(kind === 'function' ? state : reviveDeep(state, seen));
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => { value[i] = reviveDeep(item, seen, relay); });
  } else if (value instanceof Map) {
    const entries = [...value].map(([k, v]) => [reviveDeep(k, seen, relay), reviveDeep(v, seen, relay)] as const);
    value.clear();
    for (const [k, v] of entries) value.set(k, v);
  } else if (value instanceof Set) {
    const items = [...value].map((v) => reviveDeep(v, seen, relay));
    value.clear();
    for (const v of items) value.add(v);
  } else {
    for (const [k, v] of Object.entries(value)) (value as Record<string, unknown>)[k] = reviveDeep(v, seen, relay);
  }
  return value;
}

const SINGLE: Buffer[] = [Tag.Undefined, Tag.Null, Tag.True, Tag.False].map((t) => Buffer.from([t]));

/**
 * Encodes a value as a message body, or throws naming `label` and what cannot travel. A Buffer
 * or typed array over the message limit is refused (as `what`) before it is copied.
 */
export function encode(value: unknown, label = 'the object', what = label): Buffer {
  switch (typeof value) {
    case 'undefined': return SINGLE[Tag.Undefined];
    case 'boolean': return SINGLE[value ? Tag.True : Tag.False];
    case 'number': {
      const b = Buffer.allocUnsafe(9);
      b[0] = Tag.Number;
      b.writeDoubleLE(value, 1);
      return b;
    }
    case 'function': {
      const reduced = reduceDeep(value, new Map());
      return Buffer.concat([Buffer.from([Tag.V8Shared]), dumps(reduced, label)]);
    }
    case 'string': {
      const b = Buffer.allocUnsafe(1 + Buffer.byteLength(value));
      b[0] = Tag.String;
      b.write(value, 1);
      return b;
    }
    default: {
      if (value === null) return SINGLE[Tag.Null];
      if (Array.isArray(value)) {
        const tuple = encodeTuple(value);
        if (tuple) return tuple;
      } else if (ArrayBuffer.isView(value)) {
        checkSize(VIEW_HEAD + value.byteLength, what);
        const view = encodeView(value);
        if (view) return view;
      }
      const reduced = reduceDeep(value, new Map());
      const body = dumps(reduced, label);
      return Buffer.concat([Buffer.from([reduced === value ? Tag.V8 : Tag.V8Shared]), body]);
    }
  }
}

// Short arrays of numbers, strings, booleans, null and undefined (a task's arguments, a queue's
// tuples) are written by hand: V8's serializer costs several times more for them.
const TUPLE_MAX_ITEMS = 64;
const TUPLE_MAX_BYTES = 4096;

function encodeTuple(value: unknown[]): Buffer | undefined {
  const n = value.length;
  if (n > TUPLE_MAX_ITEMS || Object.getPrototypeOf(value) !== Array.prototype) return undefined;
  let size = 2;
  for (let i = 0; i < n; i++) {
    const item = value[i];
    switch (typeof item) {
      case 'number': size += 9; break;
      case 'string': size += 5 + 3 * item.length; break;
      case 'boolean': size += 1; break;
      case 'undefined': size += 1; break;
      default: if (item !== null) return undefined; size += 1;
    }
  }
  // Holes and extra properties, which structured clone keeps, go the long way.
  if (size > TUPLE_MAX_BYTES || Object.keys(value).length !== n) return undefined;
  const b = Buffer.allocUnsafe(size);
  b[0] = Tag.Tuple;
  b[1] = n;
  let at = 2;
  for (let i = 0; i < n; i++) {
    const item = value[i];
    switch (typeof item) {
      case 'number': b[at] = Tag.Number; b.writeDoubleLE(item, at + 1); at += 9; break;
      case 'string': { b[at] = Tag.String; const len = b.write(item, at + 5); b.writeUInt32LE(len, at + 1); at += 5 + len; break; }
      case 'boolean': b[at++] = item ? Tag.True : Tag.False; break;
      default: b[at++] = item === null ? Tag.Null : Tag.Undefined;
    }
  }
  return b.subarray(0, at);
}

function decodeTuple(body: Buffer): unknown[] {
  const n = body[1];
  const out = new Array<unknown>(n);
  let at = 2;
  for (let i = 0; i < n; i++) {
    switch (body[at] as Tag) {
      case Tag.Number: out[i] = body.readDoubleLE(at + 1); at += 9; break;
      case Tag.String: { const len = body.readUInt32LE(at + 1); out[i] = body.toString('utf8', at + 5, at + 5 + len); at += 5 + len; break; }
      case Tag.True: out[i] = true; at++; break;
      case Tag.False: out[i] = false; at++; break;
      case Tag.Null: out[i] = null; at++; break;
      case Tag.Undefined: out[i] = undefined; at++; break;
      default: throw new TypeError(`tuple item with unknown tag ${body[at]}`);
    }
  }
  return out;
}

// A Buffer or typed array sent on its own (the large items) is copied once, behind an 8-byte
// head, and read back as a view of the message: V8's serializer would copy it as it grows its
// buffer, and the tag would cost one more copy.
const VIEW_TYPES = [
  Buffer, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
] as const;
const VIEW_HEAD = 8;

/** A body of `size` bytes after the 8-byte head that the View and Numbers forms share. */
function withHead(tag: Tag, type: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(VIEW_HEAD + size);
  b.fill(0, 0, VIEW_HEAD);
  b[0] = tag;
  b[1] = type;
  return b;
}

/** The bytes after the head, copied when a view of `width`-byte elements cannot start there, or when `own`. */
function afterHead(body: Buffer, width: number, own: boolean): Uint8Array {
  const bytes = body.subarray(VIEW_HEAD);
  return own || bytes.byteOffset % width !== 0 ? new Uint8Array(bytes) : bytes;
}

function encodeView(value: ArrayBufferView): Buffer | undefined {
  const type = VIEW_TYPES.findIndex((ctor) => Object.getPrototypeOf(value) === ctor.prototype);
  if (type < 0) return undefined; // a subclass: V8 keeps what it can of it
  const b = withHead(Tag.View, type, value.byteLength);
  b.set(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), VIEW_HEAD);
  return b;
}

function decodeView(body: Buffer): ArrayBufferView {
  const ctor = VIEW_TYPES[body[1]];
  if (!ctor) throw new TypeError(`message with unknown view type ${body[1]}`);
  const width = 'BYTES_PER_ELEMENT' in ctor ? ctor.BYTES_PER_ELEMENT : 1;
  // A small message may share its memory with others read at once: it gets memory of its own.
  // A large one arrived in a buffer of its own and is used in place.
  const bytes = afterHead(body, width, body.length - VIEW_HEAD <= 64 * 1024);
  if (ctor === Buffer) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new (ctor as unknown as new (b: ArrayBufferLike, o: number, n: number) => ArrayBufferView)(bytes.buffer, bytes.byteOffset, bytes.byteLength / width);
}

/**
 * Encodes an array the library made itself (a map's chunk, a chunk's results): one of numbers
 * only goes as packed float64s, several times cheaper both ways than V8's serializer. Not for
 * arrays from the caller: those may carry named properties, which only V8's serializer keeps.
 */
export function encodeOwnArray(items: unknown[], label: string): Buffer {
  const n = items.length;
  if (n < 16) return encode(items, label);
  const b = withHead(Tag.Numbers, 0, 8 * n);
  const numbers = new Float64Array(b.buffer, b.byteOffset + VIEW_HEAD, n);
  for (let i = 0; i < n; i++) {
    const x = items[i];
    if (typeof x !== 'number') return encode(items, label);
    numbers[i] = x;
  }
  return b;
}

function decodeNumbers(body: Buffer): number[] {
  const bytes = afterHead(body, 8, false);
  const n = bytes.byteLength / 8;
  const numbers = new Float64Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = numbers[i];
  return out;
}

/** A message body that carries raw bytes (sendBytes), decoded by `decode` as a Buffer. */
export function encodeBytes(bytes: Uint8Array): Buffer[] {
  return [Buffer.from([Tag.Bytes]), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)];
}

export function decode(body: Buffer): unknown {
  switch (body[0] as Tag) {
    case Tag.Undefined: return undefined;
    case Tag.Null: return null;
    case Tag.True: return true;
    case Tag.False: return false;
    case Tag.Number: return body.readDoubleLE(1);
    case Tag.String: return body.toString('utf8', 1);
    case Tag.V8: return loads(body.subarray(1));
    case Tag.V8Shared: return reviveDeep(loads(body.subarray(1)), new Set());
    case Tag.Bytes: return Buffer.from(body.subarray(1));
    case Tag.Tuple: return decodeTuple(body);
    case Tag.View: return decodeView(body);
    case Tag.Numbers: return decodeNumbers(body);
    default: throw new TypeError(`message with unknown tag ${body[0]}`);
  }
}

// Functions sent by reference are imported (asynchronously) before the value is rebuilt.
const loadedFunctions = new Map<string, unknown>();
registerKind('function', (state) => {
  const key = describeRef(state as ExportRef);
  if (!loadedFunctions.has(key)) throw new TypeError(`function ${key} was not loaded before use`);
  return loadedFunctions.get(key);
});

function functionRefs(value: unknown, found: ExportRef[], seen: Set<object>): ExportRef[] {
  if (typeof value !== 'object' || value === null || isOpaque(value) || seen.has(value)) return found;
  seen.add(value);
  if (MARK in value) {
    const reduced = (value as Record<string, Reduced>)[MARK];
    if (reduced.kind === 'function') found.push(reduced.state as ExportRef);
    else functionRefs(reduced.state, found, seen);
    return found;
  }
  const children = value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Object.values(value);
  for (const child of children) functionRefs(child, found, seen);
  return found;
}

/** Decodes a message body, first importing the modules of any function sent by reference. */
export async function decodeAsync(body: Buffer): Promise<unknown> {
  return decodeSoon(body);
}

/**
 * The value now, or a Promise of it when it holds functions that must be imported first. For
 * the hot paths (recv, get): an `await` of a value that is ready costs a round of microtasks.
 */
export function decodeSoon(body: Buffer): unknown {
  return body[0] === Tag.V8Shared ? decodeShared(body) : decode(body);
}

async function decodeShared(body: Buffer): Promise<unknown> {
  const raw = loads(body.subarray(1));
  const refs = functionRefs(raw, [], new Set()).filter((ref) => !loadedFunctions.has(describeRef(ref)));
  for (const ref of refs) loadedFunctions.set(describeRef(ref), await loadExport(ref));
  return reviveDeep(raw, new Set());
}

/** Decodes a message without rebuilding anything: its shared objects and functions become Relayed. */
export function decodeRelayed(body: Buffer): unknown {
  return body[0] === Tag.V8Shared ? reviveDeep(loads(body.subarray(1)), new Set(), true) : decode(body);
}

/** Whether an encoded message holds shared objects or functions (which its receiver rebuilds). */
export function holdsShared(body: Buffer): boolean {
  return body[0] === Tag.V8Shared;
}

/** The raw bytes of a message: for sendBytes messages, what was sent. */
export function decodeBytes(body: Buffer): Buffer {
  return body[0] === Tag.Bytes ? body.subarray(1) : body;
}
