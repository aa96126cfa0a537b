// Shared by the library tests: temporary files and running whole programs as a user would.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Process } from 'multiproc';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/lib/cli.js');

const dir = mkdtempSync(path.join(tmpdir(), 'multiproc-test-'));
let counter = 0;

export function tempFile(stem = 'out'): string {
  return path.join(dir, `${stem}-${counter++}`);
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** Runs `multiproc run <program>` (or node with other arguments) and collects its output. */
export function runProgram(program: string, args: string[] = [], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onSpawn?: (pid: number) => void; nodeArgs?: string[]; node?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? [CLI, 'run']), program, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} did not finish within ${options.timeoutMs ?? 30000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30000);
    child.on('error', reject);
    options.onSpawn?.(child.pid!);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid! });
    });
  });
}

/** A Node newer than the machine's: the test host's Node 24 (npm test installs it before the library tests). */
export const NODE_24 = path.join(ROOT, '.test-host/node24/bin/node');

/** True while a process with this pid exists (zombies included). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while the process runs: a zombie has ended (only its exit status waits to be collected,
 * by init once its parent is gone, which a loaded machine may take a while to do).
 */
export function running(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(check: () => boolean, timeoutMs: number, everyMs = 25): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await sleepMs(everyMs);
  }
  return check();
}

/** Starts a Process on `target` with `args` and returns it. */
export function startProcess(target: (...args: never[]) => unknown, ...args: unknown[]): Process {
  const p = new Process({ target: target as (...a: unknown[]) => unknown, args });
  p.start();
  return p;
}
