// Where this process's sockets and shared-memory files live: a directory of its own, inside the
// user's private directory (base/user-dirs.ts) under the temp dir or /dev/shm, removed when the
// process exits. What a process ended by a signal could not remove, its parent removes when it
// sees it exit, or the next multiproc process of the user when it starts (as Python's resource
// tracker does): a directory whose process is gone.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { userDir, userTempDir } from '../base/user-dirs';

const dirs = new Map<string, string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the directories of processes that are gone (killed before they could remove them). */
function sweep(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid && Number(pid) !== process.pid && !alive(Number(pid))) rmSync(path.join(base, name), { recursive: true, force: true });
  }
}

/**
 * A directory only this user can enter, for this process's sockets (under the temp dir) or
 * shared-memory files (under /dev/shm where there is one); removed when the process exits.
 */
export function privateDir(kind: 'sockets' | 'memory' = 'sockets'): string {
  let dir = dirs.get(kind);
  if (!dir) {
    dir = path.join(baseOf(kind), `${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { mode: 0o700 });
    dirs.set(kind, dir);
    const made = dir;
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
    if (!swept) {
      swept = true;
      // Off the start-up path: a leftover costs room, not correctness.
      setImmediate(removeLeftovers).unref();
    }
  }
  return dir;
}

let swept = false;

/**
 * Removes what processes of this user that are gone left behind. Also called when a child
 * exits: one ended by a signal (terminate(), kill()) could not remove its own directories.
 */
export function removeLeftovers(): void {
  for (const kind of ['sockets', 'memory'] as const) sweep(baseOf(kind));
}

function baseOf(kind: 'sockets' | 'memory'): string {
  return kind === 'memory' && existsSync('/dev/shm') ? userDir('/dev/shm', 'MULTIPROC_USER_SHM') : userTempDir();
}

let counter = 0;
export function newAddress(stem: string, kind: 'sockets' | 'memory' = 'sockets'): string {
  return path.join(privateDir(kind), `${stem}${counter++}`);
}

export function newId(kind: string): string {
  return `${kind}-${process.pid}-${randomBytes(6).toString('hex')}`;
}
