// The library's native addon (native/multiproc.c, built into dist/lib/multiproc.node), loaded at
// most once. Everything it offers has a fallback, so a process without it (no C compiler at build
// time, another platform, MULTIPROC_NATIVE=0) works, only slower or less protected.
import path from 'node:path';

export interface Native {
  /** The first `length` bytes of the open file `fd`, mapped shared. */
  map(fd: number, length: number): ArrayBuffer;
  /** Allocates the file's first `length` bytes; throws with code ENOSPC when there is no room. */
  reserve(fd: number, length: number): void;
  /** Linux: the kernel sends `signal` to this process when its parent dies; false where it cannot. */
  dieWithParent(signal: number, parentPid: number): boolean;
}

let loaded: Native | null | undefined;

export function native(): Native | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  // A bundle of the library that left the addon behind has no __dirname to find it by.
  if (process.env.MULTIPROC_NATIVE === '0' || typeof __dirname !== 'string') return loaded;
  try {
    const addon = { exports: {} as Partial<Native> };
    process.dlopen(addon, path.join(__dirname, 'multiproc.node'));
    const { map, reserve, dieWithParent } = addon.exports;
    if (map && reserve && dieWithParent) loaded = { map, reserve, dieWithParent };
  } catch { /* not built here */ }
  return loaded;
}
