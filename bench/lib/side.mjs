// Helpers for the JavaScript/TypeScript sides of a workload (multiproc and raw Node). A side is
// started by bench/run.mjs as `<runtime> <file> '<json params>'`; it measures and calls report().
// Keep this module free of side effects: multiproc children load it again with the program.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** The parameters the driver passed (argv[2], JSON): the workload's params plus `out`, `side`, `tmp`. */
export function params() {
  return JSON.parse(process.argv[2] ?? '{}');
}

/** Hands the samples back to the driver: { metric: number[] }. */
export function report(metrics) {
  writeFileSync(params().out, JSON.stringify(metrics));
}

export function nowMs() {
  return performance.now();
}

/** Adds one sample to metrics[name]. */
export function add(metrics, name, value) {
  (metrics[name] ??= []).push(value);
}

function statusField(pid, field) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : NaN;
}

/** Resident set size of a process, in MiB (VmRSS of /proc/<pid>/status). */
export function rssMiB(pid = 'self') {
  return statusField(pid, 'VmRSS') / 1024;
}

/** Proportional set size (shared pages split between their sharers), in MiB. */
export function pssMiB(pid = 'self') {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const m = text.match(/^Pss:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : NaN;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until every file exists (children create a marker file once they are idle). */
export async function waitForFiles(files, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (!files.every((f) => existsSync(f))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${files.find((f) => !existsSync(f))}`);
    await sleep(2);
  }
}
