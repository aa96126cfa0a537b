// How values travel between processes: V8's structured serialization, which keeps Map, Set,
// Date, BigInt, typed arrays, Buffers and Errors, and refuses functions, sockets and other live
// handles. Errors name the value that could not travel, since V8's own message does not.
import { deserialize, serialize } from 'node:v8';

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

/** Finds the first part of `value` that V8 cannot serialize, as a path like `.socket` or `[2]`. */
function findUnserializable(value: unknown, path: string, seen: Set<unknown>): { path: string; value: unknown } | undefined {
  if (typeof value === 'function' || typeof value === 'symbol') return { path, value };
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined;
  seen.add(value);
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
    const found = findUnserializable(member, path + key, seen);
    if (found) return found;
  }
  return { path, value };
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
    const bad = findUnserializable(value, '', new Set()) ?? { path: '', value };
    throw new SerializationError(
      `${label}${bad.path} cannot be sent to another process: ${article(typeName(bad.value))} cannot be serialized ` +
      '(values travel by structured clone: plain data, Map, Set, Date, BigInt, typed arrays, Buffer, Error).',
    );
  }
}

export function loads(data: Buffer | Uint8Array): unknown {
  return deserialize(data);
}
