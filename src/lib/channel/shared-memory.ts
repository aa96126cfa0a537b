// Memory that several processes read and write: a file in /dev/shm. Node has no cross-process
// shared memory; a tmpfs file is the same pages for every process that opens it. Where the
// library's native addon loads (platform/native.ts), the file is mapped into the process and an
// access is a load or a store; elsewhere (no compiler at build time, Electron, MULTIPROC_MMAP=0)
// each access is a pread or a pwrite, about a microsecond or two. Both see the same pages, so
// processes of either kind share one memory.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { OSError } from '../base/errors';
import { native, type Native } from '../platform/native';
import { newAddress } from './addresses';

/** What a file is grown to when it is made, so that it can be mapped whole. */
const MAPPED_BYTES = 4096;

let mapper: Native | null | undefined;

function loadMapper(): Native | null {
  // Electron forbids memory from outside its heap in an ArrayBuffer; the extension host never maps.
  // A process that maps stores numbers in the machine's byte order, one that does not in little-endian.
  if (mapper === undefined) mapper = process.env.MULTIPROC_MMAP === '0' || process.versions.electron || endianness() !== 'LE' ? null : native();
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
    const addon = loadMapper();
    if (create) {
      const length = addon ? Math.max(size, MAPPED_BYTES) : size;
      ftruncateSync(this.fd, length);
      // tmpfs files are sparse: a store to a page that a full /dev/shm cannot supply would end the
      // process with SIGBUS, so the pages are allocated now, where no room is an error.
      if (addon && length > 0) this.reserve(addon, length);
    }
    if (!addon) return;
    const fileSize = fstatSync(this.fd).size;
    const length = fileSize - (fileSize % 8);
    if (length <= 0) return;
    const memory = addon.map(this.fd, length);
    this.bytes = Buffer.from(memory);
    this.floats = new Float64Array(memory);
  }

  private reserve(addon: Native, length: number): void {
    try {
      addon.reserve(this.fd, length);
    } catch (error) {
      closeSync(this.fd);
      rmSync(this.path, { force: true });
      const code = (error as { code?: string }).code ?? 'EIO';
      throw new OSError(
        `[${code}] cannot allocate ${length} bytes of shared memory in ${this.path}: ${(error as Error).message}` +
        (code === 'ENOSPC' ? ' (the file system is full or too small: make room in /dev/shm, or enlarge it, e.g. docker run --shm-size)' : ''),
        code,
      );
    }
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
