// Memory that several processes read and write: a file in /dev/shm. Node has no cross-process
// shared memory; a tmpfs file is the same pages for every process that opens it. Where the
// library's small native addon (native/shm.c, built into dist/lib/shm.node) loads, the file is
// mapped into the process and an access is a load or a store; elsewhere (no compiler at build
// time, Electron, MULTIPROC_MMAP=0) each access is a pread or a pwrite, about a microsecond or
// two. Both see the same pages, so processes of either kind share one memory.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import { newAddress } from './link';

/** What a file is grown to when it is made, so that it can be mapped whole (tmpfs allocates only the pages touched). */
const MAPPED_BYTES = 4096;

type Map = (fd: number, length: number) => ArrayBuffer;
let mapper: Map | null | undefined;

function loadMapper(): Map | null {
  if (mapper !== undefined) return mapper;
  mapper = null;
  // Electron forbids memory from outside its heap in an ArrayBuffer; the extension host never maps.
  // A process that maps stores numbers in the machine's byte order, one that does not in little-endian.
  if (process.env.MULTIPROC_MMAP === '0' || process.versions.electron || endianness() !== 'LE' || typeof __dirname !== 'string') return mapper;
  try {
    const addon = { exports: {} as { map?: Map } };
    process.dlopen(addon, path.join(__dirname, 'shm.node'));
    mapper = addon.exports.map ?? null;
  } catch { /* not built here: pread and pwrite */ }
  return mapper;
}

export class SharedMemory {
  private readonly fd: number;
  private readonly scratch = Buffer.alloc(8);
  /** The mapped start of the file, when mapped; the rest (if it grew) is read and written with system calls. */
  private bytes: Buffer | undefined;
  private floats: Float64Array | undefined;
  private closed = false;

  private constructor(readonly path: string, create: boolean, size: number) {
    this.fd = openSync(path, create ? 'w+' : 'r+', 0o600);
    const map = loadMapper();
    if (create) ftruncateSync(this.fd, map ? Math.max(size, MAPPED_BYTES) : size);
    if (!map) return;
    const fileSize = fstatSync(this.fd).size;
    const length = fileSize - (fileSize % 8);
    if (length <= 0) return;
    const memory = map(this.fd, length);
    this.bytes = Buffer.from(memory);
    this.floats = new Float64Array(memory);
  }

  static create(stem: string, size: number): SharedMemory {
    return new this(newAddress(stem, 'memory'), true, size);
  }

  static open(path: string): SharedMemory {
    return new this(path, false, 0);
  }

  read(target: Buffer, offset: number): void {
    const bytes = this.bytes;
    if (bytes && offset + target.length <= bytes.length) {
      bytes.copy(target, 0, offset, offset + target.length);
      return;
    }
    const n = readSync(this.fd, target, 0, target.length, offset);
    if (n < target.length) target.fill(0, n);
  }

  write(source: Buffer, offset: number): void {
    const bytes = this.bytes;
    if (bytes && offset + source.length <= bytes.length) {
      source.copy(bytes, offset);
      return;
    }
    writeSync(this.fd, source, 0, source.length, offset);
  }

  getFloat64(index: number): number {
    const floats = this.floats;
    if (floats && index < floats.length) return floats[index];
    this.read(this.scratch, index * 8);
    return this.scratch.readDoubleLE(0);
  }

  setFloat64(index: number, value: number): void {
    const floats = this.floats;
    if (floats && index < floats.length) {
      floats[index] = value;
      return;
    }
    this.scratch.writeDoubleLE(value, 0);
    this.write(this.scratch, index * 8);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Unmapped when collected; from now on an access fails on the closed descriptor, as before.
    this.bytes = undefined;
    this.floats = undefined;
    closeSync(this.fd);
  }

  /** Closes it and removes the file (for memory nobody else can still be using). */
  destroy(): void {
    this.close();
    rmSync(this.path, { force: true });
  }
}
