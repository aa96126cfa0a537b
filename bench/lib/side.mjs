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

/**
 * A clock shared by every process of the machine (CLOCK_MONOTONIC, as Python's time.monotonic),
 * in ms: a producer's start and a consumer's end, taken in two processes, can be subtracted.
 */
export function monoMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Writes a number to a file (a child hands a timestamp to the main process this way). */
export function writeNumber(file, value) {
  writeFileSync(file, String(value));
}

export function readNumber(file) {
  return Number(readFileSync(file, 'utf8'));
}

/** Waits for a file, polling every 0.5 ms (a start signal: its latency is not in the timed part). */
export async function waitForFile(file, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 0.5));
  }
}

/** The median of some numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
