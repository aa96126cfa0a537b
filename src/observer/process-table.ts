// The OS process table below a run's main process, for the extension and `multiproc run --watch`:
// ps-tree finds the descendants (also those the library did not start), then CPU and memory come
// from /proc on Linux (CPU as the share of one core since the previous sample) or from `ps`
// elsewhere. The model takes these samples from its host, so the library needs none of this.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import psTree from 'ps-tree';
import type { OsProcess } from './model';

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux the extension runs on
const PAGE_BYTES = 4096;

function children(pid: number): Promise<Array<{ PID: string; PPID: string; COMMAND?: string; COMM?: string }>> {
  return new Promise((resolve) => {
    psTree(pid, (error, rows) => resolve(error ? [] : (rows as never)));
  });
}

/** CPU ticks, memory and command line of a live process; undefined once it has ended (gone, exiting or a zombie). */
async function procStat(pid: number): Promise<{ ticks: number; rss: number; command: string } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // the command name in parentheses may itself hold spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rss = Number(fields[21]) * PAGE_BYTES;
    // An empty command line means the process is exiting (its memory is already gone) but is not
    // yet a zombie: it can no longer tell a warm spare being ended from a program's process.
    const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean).join(' ');
    if (!command) return undefined;
    return { ticks, rss, command };
  } catch {
    return undefined;
  }
}

/** Parses `ps -o pid=,ppid=,pcpu=,rss=,args=` output (rss in KiB) into OS rows. */
export function parsePs(text: string): OsProcess[] {
  const rows: OsProcess[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s?(.*)$/.exec(line);
    if (!m) continue;
    rows.push({ pid: Number(m[1]), ppid: Number(m[2]), cpu: Number(m[3]), memory: Number(m[4]) * 1024, command: m[5] || undefined });
  }
  return rows;
}

function psStats(pids: number[]): Promise<OsProcess[]> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'pid=,ppid=,pcpu=,rss=,args=', '-p', pids.join(',')], (error, stdout) => {
      resolve(!error || stdout ? parsePs(String(stdout)) : []);
    });
  });
}

export class OsSampler {
  private last = new Map<number, { ticks: number; at: number }>();

  constructor(private readonly rootPid: number) {}

  async sample(): Promise<OsProcess[]> {
    const rows = await children(this.rootPid);
    const tree: OsProcess[] = [{ pid: this.rootPid, ppid: process.pid }];
    for (const r of rows) tree.push({ pid: Number(r.PID), ppid: Number(r.PPID), command: r.COMMAND ?? r.COMM });
    if (process.platform === 'linux') {
      const now = Date.now();
      const next = new Map<number, { ticks: number; at: number }>();
      const ended = new Set<OsProcess>();
      await Promise.all(tree.map(async (row) => {
        const s = await procStat(row.pid);
        if (!s) {
          ended.add(row);
          return;
        }
        const before = this.last.get(row.pid);
        // CPU is a rate: a process seen for the first time has none until the next sample
        if (before && now > before.at) row.cpu = Math.max(0, ((s.ticks - before.ticks) / CLOCK_TICKS) / ((now - before.at) / 1000) * 100);
        row.memory = s.rss;
        row.command = s.command ?? row.command;
        next.set(row.pid, { ticks: s.ticks, at: now });
      }));
      this.last = next;
      // A descendant that ended between `ps` and /proc (or is exiting or a zombie: its cmdline
      // is empty) has only its short name left, which cannot tell the library's esbuild service
      // or warm spare from a process the program started: leave it out rather than show a stray.
      return tree.filter((row, i) => i === 0 || !ended.has(row));
    }
    const stats = new Map((await psStats(tree.map((r) => r.pid))).map((r) => [r.pid, r]));
    for (const row of tree) {
      const s = stats.get(row.pid);
      if (s) Object.assign(row, { cpu: s.cpu, memory: s.memory, command: s.command ?? row.command });
    }
    return tree;
  }
}
