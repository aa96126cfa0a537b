// How the observer's views say things: one wording for the extension's tree, its tooltips and
// the CLI, so that a process reads the same everywhere.
import type { ExitRow, PoolInfo, ProcessInfo, QueueInfo } from './model';

/** "exit 0", "exit 1", "exit −15 SIGTERM", or "exited" when the code is unknown. */
export function formatExit(p: Pick<ProcessInfo, 'exitCode' | 'signal'>): string {
  if (p.exitCode === undefined) return p.signal ? `exit ${p.signal}` : 'exited';
  const code = p.exitCode < 0 ? `\u2212${-p.exitCode}` : String(p.exitCode);
  return p.signal ? `exit ${code} ${p.signal}` : `exit ${code}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} m ${Math.round(s - m * 60)} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** A one-line state of a process: "running · 3.1% CPU · 42.0 MB · 2.0 s · pid 7" or "exit −15 SIGTERM · 1.2 s · pid 7". */
export function describeProcess(p: ProcessInfo, now = Date.now()): string {
  const parts: string[] = [];
  if (p.state === 'exited') {
    parts.push(formatExit(p));
    if (p.endTime !== undefined) parts.push(formatDuration(p.endTime - p.startTime));
  } else {
    parts.push(p.state);
    if (p.cpu !== undefined) parts.push(`${p.cpu.toFixed(1)}% CPU`);
    if (p.memory !== undefined) parts.push(formatBytes(p.memory));
    parts.push(formatDuration(now - p.startTime));
  }
  parts.push(`pid ${p.pid}`);
  if (p.daemon) parts.push('daemon');
  if (p.origin === 'os') parts.push('OS process');
  return parts.join(' · ');
}

/** "depth 3/5 · peak 5 · 1 getter blocked · 2 putters blocked"; "last seen depth …" once its owner ended. */
export function describeQueue(q: QueueInfo): string {
  const parts = [`${q.final ? 'last seen ' : ''}depth ${q.depth}${q.maxsize ? `/${q.maxsize}` : ''}`];
  if (q.peak > q.depth) parts.push(`peak ${q.peak}`);
  // nothing waits on a queue whose owner ended, whatever its last report said
  if (q.getters && !q.final) parts.push(`${q.getters} getter${q.getters === 1 ? '' : 's'} blocked`);
  if (q.putters && !q.final) parts.push(`${q.putters} putter${q.putters === 1 ? '' : 's'} blocked`);
  if (q.closed) parts.push('closed');
  if (q.final) parts.push('owner ended');
  return parts.join(' · ');
}

export function describePool(pool: PoolInfo): string {
  const busy = pool.workers.filter((w) => w.busy).length;
  return `${pool.state} · ${busy}/${pool.size} busy · ${pool.queued} queued · ${pool.done} done${pool.failed ? ` · ${pool.failed} failed` : ''}`;
}

/** The exit codes of every process of a run, as an aligned plain-text table. */
export function formatExitTable(rows: readonly ExitRow[]): string[] {
  const header = ['name', 'pid', 'parent', 'exit code', 'signal', 'start', 'duration'];
  const time = (t: number) => {
    const d = new Date(t);
    const two = (n: number) => String(n).padStart(2, '0');
    return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  };
  const body = rows.map((r) => [
    r.name, String(r.pid), r.parent ? `${r.parent} (${r.ppid})` : String(r.ppid),
    r.exitCode === undefined ? (r.state === 'exited' ? '?' : r.state) : String(r.exitCode),
    r.signal ?? '', time(r.start), r.durationMs === undefined ? '' : formatDuration(r.durationMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}
