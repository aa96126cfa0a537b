// Memory that several processes read and write: a file in /dev/shm, accessed with pread and
// pwrite. Node has no cross-process shared memory; a tmpfs file is the same pages for every
// process that opens it, and each access is one system call (about a microsecond).
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { newAddress } from './link';

export class SharedMemory {
  private readonly fd: number;
  private readonly scratch = Buffer.alloc(8);
  private closed = false;

  private constructor(readonly path: string, create: boolean, size: number) {
    this.fd = openSync(path, create ? 'w+' : 'r+', 0o600);
    if (create && size > 0) writeSync(this.fd, Buffer.alloc(size), 0, size, 0);
  }

  static create(stem: string, size: number): SharedMemory {
    return new this(newAddress(stem, 'memory'), true, size);
  }

  static open(path: string): SharedMemory {
    return new this(path, false, 0);
  }

  read(target: Buffer, offset: number): void {
    const n = readSync(this.fd, target, 0, target.length, offset);
    if (n < target.length) target.fill(0, n);
  }

  write(source: Buffer, offset: number): void {
    writeSync(this.fd, source, 0, source.length, offset);
  }

  getFloat64(index: number): number {
    this.read(this.scratch, index * 8);
    return this.scratch.readDoubleLE(0);
  }

  setFloat64(index: number, value: number): void {
    this.scratch.writeDoubleLE(value, 0);
    this.write(this.scratch, index * 8);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  /** Closes it and removes the file (for memory nobody else can still be using). */
  destroy(): void {
    this.close();
    rmSync(this.path, { force: true });
  }
}
