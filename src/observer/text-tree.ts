// The run as an indented text tree, for `multiproc run --watch`.
import { abnormal, type ProcessInfo, type RunModel } from './model';
import { describePool, describeProcess, describeQueue, formatDuration } from './format';

export interface TreeTextOptions {
  now?: number;
  /** ANSI colours: exited processes dim, abnormal exits red. */
  color?: boolean;
  /** Lines are cut to this many columns. */
  width?: number;
}

/** The run as an indented text tree: the run's line, then processes with their queues and pools. */
export function renderTree(model: RunModel, options: TreeTextOptions = {}): string[] {
  const now = options.now ?? Date.now();
  const paint = (text: string, code: string) => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const cut = (text: string) => (options.width && text.length > options.width ? `${text.slice(0, options.width - 1)}…` : text);
  const out: string[] = [];
  const elapsed = formatDuration((model.endTime ?? now) - model.startTime);
  const failedCount = model.allProcesses().filter(abnormal).length;
  out.push(cut([`${model.script.split(/[\\/]/).pop()}`, model.state, model.live ? `${model.liveProcesses().length} live` : '',
    failedCount ? `${failedCount} failed` : '', elapsed].filter(Boolean).join(' · ')));
  if (model.failure) out.push(paint(cut(`  ${model.failure}`), '31'));
  const visit = (p: ProcessInfo, prefix: string, last: boolean, depth: number) => {
    const branch = depth === 0 ? '' : last ? '└─ ' : '├─ ';
    const mark = p.state === 'exited' ? (abnormal(p) ? '✗' : '✓') : p.state === 'starting' ? '…' : '●';
    const text = cut(`${prefix}${branch}${mark} ${p.name}  ${describeProcess(p, now)}`);
    out.push(p.state !== 'exited' ? text : paint(text, abnormal(p) ? '31' : '2'));
    const inner = depth === 0 ? prefix : prefix + (last ? '   ' : '│  ');
    // each entry draws itself given whether it is the last one under this process
    const entries: Array<(isLast: boolean) => void> = [];
    for (const q of model.queuesOf(p.pid)) {
      entries.push((isLast) => out.push(cut(`${inner}${isLast ? '└─ ' : '├─ '}▤ ${q.kind}  ${describeQueue(q)}`)));
    }
    for (const pool of model.poolsOf(p.pid)) {
      entries.push((isLast) => {
        out.push(cut(`${inner}${isLast ? '└─ ' : '├─ '}▦ Pool  ${describePool(pool)}`));
        const workers = model.poolWorkers(pool.id);
        workers.forEach((w, j) => visit(w, inner + (isLast ? '   ' : '│  '), j === workers.length - 1, depth + 1));
      });
    }
    for (const k of model.childrenOf(p.pid)) entries.push((isLast) => visit(k, inner, isLast, depth + 1));
    entries.forEach((draw, i) => draw(i === entries.length - 1));
  };
  for (const root of model.roots()) visit(root, '  ', true, 0);
  return out;
}
