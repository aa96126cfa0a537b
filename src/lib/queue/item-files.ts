// Big queue items travel as files in the owner's shared-memory directory (tmpfs under /dev/shm),
// and only their names go over the sockets. A socket would copy an item four times through two
// kernels on its way from one child to another through the owner; a file is written once and
// read once, the owner relays a name, and the consumer reads the item only when it hands it out.
// A file outlives the producer that wrote it (it may exit before anyone reads), a consumer killed
// with names it had read ahead leaves the files for the next consumer, and the whole directory
// goes when the owner exits.
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ValueError } from '../base/errors';

/** Items of this many bytes or more go through a file. */
export const FILE_THRESHOLD = 80 * 1024;

/** Or'ed into a frame's op code: its body is a file's length and name, not the item. */
export const FILE_FLAG = 0x80;

/** An item that waits in a file; `length` is the item's size, as a Buffer's is. */
export class ItemFile {
  constructor(readonly name: string, readonly length: number) {}

  /** The frame body after the op code. */
  encode(): Buffer {
    const name = Buffer.from(this.name, 'latin1');
    const body = Buffer.allocUnsafe(4 + name.length);
    body.writeUInt32LE(this.length, 0);
    name.copy(body, 4);
    return body;
  }

  static decode(body: Buffer): ItemFile {
    return new this(body.toString('latin1', 4), body.readUInt32LE(0));
  }
}

export type QueuedItem = Buffer | ItemFile;

const writer = `${process.pid}-${randomBytes(3).toString('hex')}`;
let counter = 0;

/** Writes an item of the queue `queueId` to a new file in `dir`. */
export function writeItem(dir: string, queueId: string, item: Buffer): ItemFile {
  const name = `item-${queueId}-${writer}-${counter++}`;
  const file = path.join(dir, name);
  const fd = openSync(file, 'wx', 0o600);
  try {
    for (let at = 0; at < item.length;) at += writeSync(fd, item, at, item.length - at, at);
  } catch (error) {
    // No room (ENOSPC: a small /dev/shm, as in a container): what was written is freed at once.
    unlinkSync(file);
    throw error;
  } finally {
    closeSync(fd);
  }
  return new ItemFile(name, item.length);
}

/** Reads an item back; `whose` names the queue in the error when the file is gone. */
export function readItem(dir: string, file: ItemFile, whose: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path.join(dir, file.name), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new ValueError(`an item of ${whose} is gone: its file ${file.name} was removed from ${dir}`);
  }
  try {
    const item = Buffer.allocUnsafe(file.length);
    for (let at = 0; at < item.length;) {
      const n = readSync(fd, item, at, item.length - at, at);
      if (n === 0) throw new ValueError(`an item of ${whose} is cut short: its file ${file.name} holds ${at} of ${file.length} bytes`);
      at += n;
    }
    return item;
  } finally {
    closeSync(fd);
  }
}

export function removeItem(dir: string, file: ItemFile): void {
  try {
    unlinkSync(path.join(dir, file.name));
  } catch { /* already gone: nothing to free */ }
}

/** The item itself: read from its file (which is then removed), or as it is. */
export function materialize(dir: string, item: QueuedItem, whose: string): Buffer {
  if (!(item instanceof ItemFile)) return item;
  try {
    return readItem(dir, item, whose);
  } finally {
    removeItem(dir, item);
  }
}
