// The per-user directories every multiproc process of a user shares: the compile cache, and the
// parents of each process's socket and shared-memory directories. Their names are predictable
// (`multiproc-<uid>` under the temp dir or /dev/shm), so another local user could make one first
// and plant files in it: compiled code that the next run executes, or sockets that impersonate
// an owner. A directory is used only when it is a real directory of this user that nobody else
// may write or enter; otherwise a fresh one with a random name takes its place, and children are
// told where it is through the environment (they must share it with their parent).
import { lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

function uid(): string {
  try {
    return String(userInfo().uid);
  } catch {
    return 'user'; // no passwd entry
  }
}

/** Why `dir` is not safe to use, or undefined when it is this user's, closed to others. */
export function unsafeBecause(dir: string): string | undefined {
  const s = lstatSync(dir);
  if (!s.isDirectory()) return `${dir} is not a directory${s.isSymbolicLink() ? ' (a symbolic link)' : ''}`;
  const me = process.getuid?.();
  if (me !== undefined && s.uid !== me) return `${dir} belongs to uid ${s.uid}, not to this user (uid ${me})`;
  if (process.platform !== 'win32' && (s.mode & 0o077) !== 0) return `${dir} may be entered by other users (mode ${(s.mode & 0o777).toString(8)})`;
  return undefined;
}

const made = new Map<string, string>();

/**
 * `<root>/multiproc-<uid>`, made with mode 0700 when missing, or a fresh private directory
 * beside it (once per process, with a warning) when the existing one is not safe. `envName`
 * names the variable through which a process and its children share the choice.
 */
export function userDir(root: string, envName: string): string {
  const inherited = process.env[envName];
  if (inherited) return inherited;
  const key = `${root}\0${envName}`;
  const known = made.get(key);
  if (known) return known;
  const wanted = path.join(root, `multiproc-${uid()}`);
  mkdirSync(wanted, { recursive: true, mode: 0o700 });
  const why = unsafeBecause(wanted);
  let dir = wanted;
  if (why) {
    dir = mkdtempSync(`${wanted}-`);
    process.emitWarning(`${why}; using ${dir} instead. Remove ${wanted} (or set TMPDIR) to share one directory again.`, 'MultiprocWarning');
    // Children find it here; a directory chosen without a warning needs no such hint.
    process.env[envName] = dir;
  }
  made.set(key, dir);
  return dir;
}

/** The per-user directory for temporary files (the compile cache, sockets). */
export function userTempDir(): string {
  return userDir(tmpdir(), 'MULTIPROC_USER_TMP');
}
