// A run: one program started by "Run with multiproc", its observer channel, its model
// (src/observer), its output channel and its OS sampling. Everything about processes lives in the
// model; this file is only about starting node from VS Code and wiring the pieces together.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vscode from 'vscode';
import { formatDuration } from '../observer/format';
import { RunModel } from '../observer/model';
import { ObserverServer } from '../observer/server';
import { OsSampler } from '../observer/process-table';

interface RunSettings {
  nodePath: string;
  nodeArgs: string[];
  programArgs: string[];
  env: Record<string, string>;
  prefixOutput: boolean;
}

function settingsFor(file: vscode.Uri): RunSettings {
  const c = vscode.workspace.getConfiguration('multiproc', file);
  return {
    nodePath: c.get<string>('nodePath') || 'node',
    nodeArgs: c.get<string[]>('nodeArgs') ?? [],
    programArgs: c.get<string[]>('programArgs') ?? [],
    env: c.get<Record<string, string>>('env') ?? {},
    prefixOutput: c.get<boolean>('prefixOutput') ?? true,
  };
}

/**
 * Where a failure points: the first `file:line[:col]` of the program's error output, preferring
 * the program's own files over the library's and node_modules' frames.
 */
function errorLocation(stderr: string, program?: string): { file: string; line: number; column?: number } | undefined {
  const found: Array<{ file: string; line: number; column?: number }> = [];
  for (const m of stderr.matchAll(/((?:file:\/\/)?(?:[A-Za-z]:)?[^\s:()'"]+\.(?:[mc]?[jt]s)):(\d+)(?::(\d+))?/g)) {
    const file = m[1].startsWith('file://') ? vscode.Uri.parse(m[1]).fsPath : m[1];
    found.push({ file, line: Number(m[2]), column: m[3] ? Number(m[3]) : undefined });
  }
  return found.find((f) => f.file === program)
    ?? found.find((f) => !/node_modules|[\\/]dist[\\/]lib[\\/]|^node:/.test(f.file));
}

/** The error line of the program's error output: esbuild's "ERROR: …", "SyntaxError: …", "Error [ERR_…]: …". */
function errorMessage(stderr: string): string | undefined {
  const compile = /^\S+:\d+:\d+: ERROR: (.*)$/m.exec(stderr);
  if (compile) return `syntax error: ${compile[1]}`;
  return /^\s*\w*Error(?: \[\w+\])?:.*$/m.exec(stderr)?.[0].trim();
}

export class Run implements vscode.Disposable {
  readonly model: RunModel;
  readonly output: vscode.OutputChannel;
  private server: ObserverServer | undefined;
  private sampler: OsSampler | undefined;
  private sampleTimer: ReturnType<typeof setInterval> | undefined;
  private sampling = false;
  private stderrHead = '';
  /** The last 64 KB of the run's output, as its output channel shows it (for tests and summaries). */
  outputTail = '';
  /** Where the program failed and why, when its error output points into a file of its own. */
  failedAt: { file: string; line: number; column?: number; message: string } | undefined;
  private stopping = false;
  private readonly exited: Promise<void>;
  private resolveExited!: () => void;
  readonly label: string;

  constructor(
    readonly seq: number,
    readonly file: vscode.Uri,
    private readonly extensionPath: string,
    private readonly log: (message: string) => void,
    /** Told of each report as it arrives (for the view's latency figures). */
    private readonly onReport: () => void = () => undefined,
  ) {
    this.label = path.basename(file.fsPath);
    this.model = new RunModel({ id: String(seq), script: file.fsPath });
    this.output = vscode.window.createOutputChannel(`multiproc: ${this.label} #${seq}`);
    this.exited = new Promise((r) => { this.resolveExited = r; });
  }

  get live(): boolean {
    return this.model.live;
  }

  get address(): string | undefined {
    return this.server?.address;
  }

  /** Starts the program. Never throws: a failure to start is shown and marks the run failed. */
  async start(): Promise<void> {
    const file = this.file.fsPath;
    const settings = settingsFor(this.file);
    const notAProgram = whyNotAFile(file);
    if (notAProgram) {
      this.failToStart(`cannot run ${file}: ${notAProgram}`);
      return;
    }
    try {
      this.server = await ObserverServer.start({
        onReport: (r) => {
          this.onReport();
          this.model.apply(r);
        },
        onPeer: (pid) => this.model.peer(pid),
        onLog: (m) => this.log(`run #${this.seq}: ${m}`),
      });
    } catch (e) {
      this.failToStart(`cannot open the observer channel: ${(e as Error).message}`);
      return;
    }
    const lib = path.join(this.extensionPath, 'dist', 'lib');
    const preloads = ['--import', pathToFileURL(path.join(lib, 'register.js')).href];
    if (settings.prefixOutput) preloads.push('--import', pathToFileURL(path.join(this.extensionPath, 'dist', 'extension', 'output-prefix.js')).href);
    const args = [...settings.nodeArgs, ...preloads, file, ...settings.programArgs];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...settings.env,
      MULTIPROC_LIBRARY: path.join(lib, 'index.js'),
      ...this.server.env(),
      // an Electron extension host passes this on; the program's node must not run as Electron
      ELECTRON_RUN_AS_NODE: undefined,
    };
    // Desktop VS Code with no `node` on PATH and no setting: VS Code's own Electron runs the
    // program as Node (children inherit both its executable and the variable), said in the output.
    if (settings.nodePath === 'node' && process.versions.electron && !onPath('node')) {
      settings.nodePath = process.execPath;
      env.ELECTRON_RUN_AS_NODE = '1';
      this.append(`[multiproc] no \`node\` on PATH: running with VS Code's own runtime (Node ${process.versions.node}); set multiproc.nodePath to choose a Node.js\n`);
    }
    this.append(`$ ${settings.nodePath} ${[file, ...settings.programArgs].join(' ')}\n`);
    let child: ChildProcess;
    try {
      child = spawn(settings.nodePath, args, { cwd: vscode.workspace.getWorkspaceFolder(this.file)?.uri.fsPath ?? path.dirname(file), env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      this.failToStart(`cannot start ${settings.nodePath}: ${(e as Error).message}`);
      return;
    }
    child.stdout?.on('data', (d: Buffer) => this.append(d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => {
      if (this.stderrHead.length < 64 * 1024) this.stderrHead += d.toString('utf8');
      this.append(d.toString('utf8'));
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      // the setting is named either way: it is what the user has to change
      const why = e.code === 'ENOENT'
        ? `cannot start the program: "${settings.nodePath}" was not found (set multiproc.nodePath to a Node.js executable)`
        : `cannot start the program: "${settings.nodePath}" cannot be run, ${e.code ?? e.message} (set multiproc.nodePath to a Node.js executable)`;
      this.failToStart(why);
    });
    if (child.pid === undefined) return; // 'error' follows
    this.model.mainStarted(child.pid, [settings.nodePath, ...args].join(' '));
    this.sampler = new OsSampler(child.pid);
    this.sampleTimer = setInterval(() => void this.sample(), 1000);
    child.once('exit', (code, signal) => void this.onExit(code, signal));
  }

  private append(text: string): void {
    this.output.append(text);
    this.outputTail = (this.outputTail + text).slice(-64 * 1024);
  }

  private async sample(): Promise<void> {
    // on a loaded machine a sample (ps, then /proc per process) can outlast the second between
    // two; starting more of them would only add to the load
    if (!this.sampler || !this.model.live || this.sampling) return;
    this.sampling = true;
    try {
      this.model.applySample(await this.sampler.sample());
    } catch (e) {
      this.log(`run #${this.seq}: OS sample failed: ${(e as Error).message}`);
    } finally {
      this.sampling = false;
    }
  }

  private async onExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    // the last reports of the program's processes may still be on their way
    await new Promise((r) => setTimeout(r, 300));
    this.model.mainExited(code, signal);
    const elapsed = formatDuration((this.model.endTime ?? Date.now()) - this.model.startTime);
    this.append(`\n[multiproc] ${this.label} ended: ${signal ? `signal ${signal}` : `exit code ${code}`} after ${elapsed}\n`);
    // a signal is someone ending the program (shown as its exit code), not the program failing
    if (code !== null && code !== 0 && !this.stopping) {
      const message = errorMessage(this.stderrHead);
      const where = errorLocation(this.stderrHead, this.file.fsPath);
      this.model.fail(message ? `${message}${where ? ` (${path.basename(where.file)}:${where.line})` : ''}` : `exit code ${code}`);
      if (message && where) this.failedAt = { ...where, message };
      if (message) void this.showFailure(`${this.label} failed: ${message}`, where);
    }
    this.model.flush();
    await this.server?.close();
    this.resolveExited();
  }

  private failToStart(why: string): void {
    this.append(`[multiproc] ${why}\n`);
    this.model.fail(why);
    this.model.flush();
    void this.server?.close();
    this.resolveExited();
    void this.showFailure(`multiproc: ${why}`);
  }

  private async showFailure(message: string, where?: { file: string; line: number; column?: number }): Promise<void> {
    const actions = where ? ['Open', 'Show Output'] : ['Show Output'];
    const pick = await vscode.window.showErrorMessage(message, ...actions);
    if (pick === 'Show Output') this.output.show(true);
    if (pick === 'Open' && where) {
      const pos = new vscode.Position(Math.max(0, where.line - 1), Math.max(0, (where.column ?? 1) - 1));
      await vscode.window.showTextDocument(vscode.Uri.file(where.file), { selection: new vscode.Range(pos, pos) });
    }
  }

  /** Ends the program: SIGTERM to every live process of it, SIGKILL to those left after 3 s. */
  async stop(): Promise<void> {
    if (!this.live) return;
    this.stopping = true;
    const pids = () => this.model.liveProcesses().map((p) => p.pid).filter((pid) => pid !== process.pid);
    for (const pid of pids()) signal(pid, 'SIGTERM');
    const timer = setTimeout(() => { for (const pid of pids()) signal(pid, 'SIGKILL'); }, 3000);
    await this.exited;
    clearTimeout(timer);
  }

  whenExited(): Promise<void> {
    return this.exited;
  }

  dispose(): void {
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    if (this.live) void this.stop();
    void this.server?.close();
    this.model.dispose();
    this.output.dispose();
  }
}

/** Why a path cannot be run as a program file, or undefined when it is a file. */
function whyNotAFile(file: string): string | undefined {
  if (!existsSync(file)) return 'no such file';
  const stat = statSync(file);
  if (stat.isDirectory()) return 'it is a directory, not a program file';
  return stat.isFile() ? undefined : 'not a regular file';
}

/** True when an executable of this name is in a directory of PATH. */
function onPath(name: string): boolean {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE').split(';') : [''];
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && exts.some((ext) => existsSync(path.join(dir, name + ext))));
}

/** Sends a signal; false when the process is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
