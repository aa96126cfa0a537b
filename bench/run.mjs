#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --only process-start,memory] [-- --rounds N]`
//
// Runs every workload of bench/workloads/ on each side — multiproc, Python multiprocessing with
// fork and with spawn, raw Node — interleaving the sides (and the environment variants) round by
// round so that drift on the machine hits all of them, then prints a table of median (min–max)
// per figure with ratios and targets, and writes it all as JSON to bench/results/.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const RESULTS = path.join(BENCH, 'results');
const REGISTER = path.join(ROOT, 'dist/lib/register.js');
const PYTHON = process.env.PYTHON || 'python3';
const JOB_TIMEOUT_MS = 180_000;

const SIDES = {
  multiproc: { title: 'multiproc', command: (file) => [process.execPath, '--import', pathToFileURL(REGISTER).href, file] },
  pyfork: { title: 'Python fork', command: (file) => [PYTHON, file], params: { method: 'fork' } },
  pyspawn: { title: 'Python spawn', command: (file) => [PYTHON, file], params: { method: 'spawn' } },
  node: { title: 'raw Node', command: (file) => [process.execPath, file] },
};

const CA = 'NODE_EXTRA_CA_CERTS';
const ENVS = {
  asis: { title: `${CA} as is`, env: () => ({ ...process.env }) },
  unset: { title: `${CA} unset`, env: () => { const e = { ...process.env }; delete e[CA]; return e; } },
  // For round trips: every process of the side on any CPU, or all on CPU 0 (a wake-up across two
  // CPUs costs ~20 µs on these machines, so unpinned medians are bimodal). Both with CA as is.
  unpinned: { title: 'unpinned', env: () => ({ ...process.env }) },
  pinned: { title: 'pinned to CPU 0 (taskset -c 0)', env: () => ({ ...process.env }), prefix: ['taskset', '-c', '0'] },
};

// ---- arguments ------------------------------------------------------------------------------
function parseArgs(argv) {
  const opts = { quick: false, only: null, rounds: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--only') opts.only = argv[++i].split(',');
    else if (a.startsWith('--only=')) opts.only = a.slice(7).split(',');
    else if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a.startsWith('--rounds=')) opts.rounds = Number(a.slice(9));
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench [-- --quick] [--only workload[,workload]] [--rounds N]');
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return opts;
}

// ---- statistics and formatting --------------------------------------------------------------
function stats(samples) {
  if (!samples?.length) return null;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

function num(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

const cell = (st) => (st ? `${num(st.median)} (${num(st.min)}–${num(st.max)})` : 'n/a');
const ratio = (a, b) => (a && b && b.median > 0 ? a.median / b.median : null);
const ratioText = (r) => (r === null ? 'n/a' : `${r.toFixed(2)}×`);

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

// ---- machine ---------------------------------------------------------------------------------
function machine() {
  const py = spawnSync(PYTHON, ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' });
  const ca = process.env[CA];
  let caInfo = 'not set';
  if (ca !== undefined) {
    let size;
    try { size = `, ${Math.round(statSync(ca).size / 1024)} KiB`; } catch { size = ', file not readable'; }
    caInfo = `${ca}${size}`;
  }
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: py.status === 0 ? py.stdout.trim() : `unavailable (${PYTHON})`,
    [CA]: caInfo,
    loadAvgAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

/** Which library build the multiproc side runs: a hash of dist/lib, its build time, the commit. */
function libraryBuild() {
  const dir = path.dirname(REGISTER);
  const hash = createHash('sha256');
  let built = 0;
  for (const f of readdirSync(dir).filter((f) => /\.(c|m)?js$/.test(f)).sort()) {
    hash.update(f).update(readFileSync(path.join(dir, f)));
    built = Math.max(built, statSync(path.join(dir, f)).mtimeMs);
  }
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    distHash: hash.digest('hex').slice(0, 12),
    builtAt: new Date(built).toISOString(),
    commit: git('rev-parse', '--short', 'HEAD'),
    srcUncommitted: git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length,
  };
}

/** A hash of dist/lib as it is now ('missing' while it is being rebuilt). */
function distHash() {
  try {
    const dir = path.dirname(REGISTER);
    const hash = createHash('sha256');
    for (const f of readdirSync(dir).filter((f) => /\.(c|m)?js$/.test(f)).sort()) hash.update(f).update(readFileSync(path.join(dir, f)));
    return hash.digest('hex').slice(0, 12) + (existsSync(REGISTER) ? '' : '-missing');
  } catch {
    return 'missing';
  }
}

/** Waits (up to a minute) until dist/lib exists and has not changed for 2 s. */
async function stableDist() {
  const deadline = Date.now() + 60_000;
  let last = distHash();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const now = distHash();
    if (now === last && !now.endsWith('missing')) return;
    last = now;
  }
}

function ensureBuilt() {
  if (existsSync(REGISTER)) return;
  console.error('bench: dist/ is missing; building it (npm run build -- --no-types)');
  const r = spawnSync('npm', ['run', 'build', '--', '--no-types'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(REGISTER)) {
    console.error('bench: the build failed');
    process.exit(1);
  }
}

// ---- running one side once --------------------------------------------------------------------
function runJob(workload, sideName, envName, params) {
  const side = SIDES[sideName];
  const tmp = mkdtempSync(path.join(os.tmpdir(), `multiproc-bench-${workload.name}-${sideName}-`));
  const out = path.join(tmp, 'result.json');
  const file = path.join(BENCH, workload.sides[sideName]);
  const args = JSON.stringify({ ...params, ...side.params, side: sideName, tmp, out });
  const [cmd, ...rest] = [...(ENVS[envName].prefix ?? []), ...side.command(file)];
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, [...rest, args], { cwd: ROOT, env: ENVS[envName].env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), JOB_TIMEOUT_MS);
    const finish = (error) => {
      clearTimeout(timer);
      let metrics = null;
      if (!error) {
        try { metrics = JSON.parse(readFileSync(out, 'utf8')); } catch (e) { error = `no result: ${e.message}`; }
      }
      rmSync(tmp, { recursive: true, force: true });
      resolve({ metrics, error: error ? `${error}\n${output.trim()}` : null, seconds: (performance.now() - started) / 1000 });
    };
    child.once('error', (e) => finish(e.message));
    child.once('exit', (code, signal) => finish(code === 0 ? null : `exited with ${signal ?? code}`));
  });
}

// ---- main ----------------------------------------------------------------------------------
async function loadWorkloads(only) {
  const dir = path.join(BENCH, 'workloads');
  const names = readdirSync(dir).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).sort();
  const unknown = (only ?? []).filter((n) => !names.includes(n));
  if (unknown.length) {
    console.error(`bench: no workload ${unknown.join(', ')} (there are: ${names.join(', ')})`);
    process.exit(2);
  }
  const chosen = names.filter((n) => !only || only.includes(n));
  const loaded = [];
  for (const name of chosen) {
    const spec = (await import(pathToFileURL(path.join(dir, `${name}.mjs`)).href)).default;
    loaded.push({ name, ...spec });
  }
  // Workloads are listed (and start each round) in the order of their `order`, then by name.
  loaded.sort((a, b) => (a.order ?? 99) - (b.order ?? 99) || a.name.localeCompare(b.name));
  return loaded;
}

function envLabel(envName) {
  return ENVS[envName].title;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const mode = opts.quick ? 'quick' : 'full';
  ensureBuilt();
  const workloads = await loadWorkloads(opts.only);
  const info = machine();
  info.library = libraryBuild();
  const began = performance.now();

  console.error(`bench: ${mode} run of ${workloads.map((w) => w.name).join(', ')} on ${info.cpus} CPUs, node ${info.node}, Python ${info.python}`);
  console.error(`bench: ${CA}: ${info[CA]}${process.env[CA] === undefined ? ' (the "as is" and "unset" variants are the same here)' : ''}`);

  // samples[workload][env][side][metric] = number[]
  const samples = {};
  const errors = [];
  const roundsOf = (w) => opts.rounds ?? w.params[mode].rounds;
  const maxRounds = Math.max(...workloads.map(roundsOf));
  for (let round = 0; round < maxRounds; round++) {
    const jobs = [];
    for (const w of workloads) {
      if (round >= roundsOf(w)) continue;
      for (const env of w.envs) for (const side of Object.keys(w.sides)) jobs.push({ w, env, side });
    }
    // A different order each round: rotated by the round number, reversed every other round.
    const k = round % jobs.length;
    let order = [...jobs.slice(k), ...jobs.slice(0, k)];
    if (round % 2) order = order.reverse();
    for (const { w, env, side } of order) {
      const { rounds: _rounds, ...params } = w.params[mode];
      const tag = `[round ${round + 1}/${maxRounds}] ${w.name} ${SIDES[side].title} (${envLabel(env)})`;
      const before = side === 'multiproc' ? distHash() : null;
      let r = await runJob(w, side, env, params);
      if (r.error && side === 'multiproc' && distHash() !== before) {
        // Others rebuild dist/ while we run (a missing dist/lib/register.js for a moment): wait
        // until the build is stable, then run the job once more.
        console.error(`${tag}: failed while dist/ was being rebuilt; running it again`);
        await stableDist();
        r = await runJob(w, side, env, params);
      }
      if (r.error) {
        errors.push({ workload: w.name, side, env, round, error: r.error });
        console.error(`${tag}: FAILED ${r.error}`);
        continue;
      }
      console.error(`${tag}: ${r.seconds.toFixed(1)} s`);
      for (const [metric, values] of Object.entries(r.metrics)) {
        ((((samples[w.name] ??= {})[env] ??= {})[side] ??= {})[metric] ??= []).push(...values);
      }
    }
  }
  info.loadAvgAtEnd = os.loadavg().map((x) => +x.toFixed(2));
  info.libraryAtEnd = libraryBuild();
  const rebuilt = info.libraryAtEnd.distHash !== info.library.distHash;
  info.seconds = +((performance.now() - began) / 1000).toFixed(1);

  const busy = Math.max(info.loadAvgAtStart[0], info.loadAvgAtEnd[0]) > info.cpus;

  // ---- the table -----------------------------------------------------------------------------
  const rows = [];
  const baselineRows = [];
  for (const w of workloads) {
    for (const env of w.envs) {
      const S = (side, metric) => stats(samples[w.name]?.[env]?.[side]?.[metric]);
      for (const row of w.rows) {
        // mpMetric: multiproc's own sample for the row when it differs (the warm-spare start).
        const mp = row.missing ? null : S('multiproc', row.mpMetric ?? row.metric);
        const pyfork = S('pyfork', row.metric);
        const pyspawn = S('pyspawn', row.metric);
        const node = S('node', row.node);
        const bare = S('node', row.bare);
        const vsFork = ratio(mp, pyfork);
        const vsBare = ratio(mp, bare);
        let verdict = 'no target';
        let met = null;
        if (row.target) {
          // vs: 'pyfork' (multiproc / Python fork), 'bare' (multiproc / bare node start),
          // 'self' (multiproc / multiproc's own `of` figure), 'abs' (multiproc's median itself).
          const t = row.target;
          const r = t.vs === 'bare' ? vsBare : t.vs === 'self' ? ratio(mp, S('multiproc', t.of)) : t.vs === 'abs' ? (mp ? mp.median : null) : vsFork;
          if (row.missing) verdict = `n/a: ${row.missing} (target ${t.text})`;
          else if (r === null) verdict = `n/a: not measured (target ${t.text})`;
          else {
            met = (t.max === undefined || r <= t.max) && (t.min === undefined || r >= t.min);
            verdict = `${met ? 'met' : 'MISSED'}: ${t.vs === 'abs' ? num(r) : ratioText(r)} (target ${t.text})`;
            // An absolute figure (CPU efficiency) is not shielded by interleaving from other jobs.
            if (t.vs === 'abs' && busy) verdict += '; machine busy: not a fair judgement';
          }
        }
        rows.push({
          workload: w.name, env, label: `${row.label} [${row.unit}${row.higher ? ' ↑' : ''}]${w.envs.length > 1 || env !== 'asis' ? `, ${envLabel(env)}` : ''}`,
          multiproc: mp, pyfork, pyspawn, node, bare, vsFork, vsBare, target: row.target ?? null, met, verdict,
          ...(row.missing ? { missing: row.missing } : {}),
        });
      }
      for (const b of w.baselines ?? []) {
        baselineRows.push({
          workload: w.name, env, label: `${b.label} [${b.unit}]${w.envs.length > 1 || env !== 'asis' ? `, ${envLabel(env)}` : ''}`,
          figures: Object.fromEntries(Object.entries(b.metrics).map(([k, m]) => [k, S('node', m)])),
        });
      }
    }
  }

  const main = table(
    ['workload', 'multiproc', 'Python fork', 'Python spawn', 'raw Node (child_process.fork)', 'ratio vs Python fork', 'ratio vs bare node start', 'target'],
    rows.map((r) => [
      r.label, r.missing ? 'n/a' : cell(r.multiproc), cell(r.pyfork), cell(r.pyspawn), cell(r.node),
      r.missing ? 'n/a' : ratioText(r.vsFork), r.missing ? 'n/a' : ratioText(r.vsBare), r.verdict,
    ]),
  );
  const baselineKinds = [...new Set(baselineRows.flatMap((b) => Object.keys(b.figures)))];
  const baselines = table(
    ['raw Node baseline', ...baselineKinds],
    baselineRows.map((b) => [b.label, ...baselineKinds.map((k) => (k in b.figures ? cell(b.figures[k]) : ''))]),
  );
  const report = [
    `## multiproc benchmark (${mode} run), ${info.date}`,
    '',
    `Machine: ${info.cpus} CPUs (${info.cpuModel}), ${info.memoryGiB} GiB, ${info.platform}; Node ${info.node}; Python ${info.python}.`,
    `Library: dist/lib ${info.library.distHash}, built ${info.library.builtAt}, at commit ${info.library.commit}` +
      `${info.library.srcUncommitted ? ` (src/ had ${info.library.srcUncommitted} uncommitted changes)` : ''}.`,
    ...(rebuilt ? [`**dist/lib changed during the run (now ${info.libraryAtEnd.distHash}, built ${info.libraryAtEnd.builtAt}): the multiproc figures mix two builds; run again.**`] : []),
    `${CA} on this machine: ${info[CA]}. Rows say whether they ran with it as is or unset.`,
    `Load average at start ${info.loadAvgAtStart.join(' ')}, at end ${info.loadAvgAtEnd.join(' ')}; ${info.seconds} s in all.`,
    ...(busy
      ? ['**The machine was busy (load average above its CPU count): absolute figures are inflated and noisy; the ratios (all sides ran interleaved under the same load) are the figures to compare.**']
      : []),
    '',
    'Each cell: median (min–max) over all repetitions; sides interleaved round by round.',
    'Units marked ↑ are rates (higher is better; the target is then a minimum ratio); all others are times or sizes (lower is better).',
    `Rows without an environment ran with ${CA} as is.`,
    '"ratio vs bare node start" divides multiproc by a bare `node -e 0` spawn (for memory rows: by an idle `node -e` child',
    'and a main process holding 16 of them) in the same environment.',
    '',
    main,
    '',
    baselines,
    '',
    ...(errors.length ? ['Failures:', ...errors.map((e) => `- ${e.workload} ${e.side} (${envLabel(e.env)}) round ${e.round + 1}: ${e.error.split('\n')[0]}`), ''] : []),
  ].join('\n');
  console.log(report);

  mkdirSync(RESULTS, { recursive: true });
  const stamp = info.date.replace(/[:.]/g, '-');
  const json = {
    mode, machine: info,
    workloads: workloads.map((w) => ({ name: w.name, title: w.title, envs: w.envs, params: w.params[mode], rounds: roundsOf(w) })),
    rows, baselines: baselineRows, samples, errors,
  };
  const file = path.join(RESULTS, `bench-${mode}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(path.join(RESULTS, `latest-${mode}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(path.join(RESULTS, `latest-${mode}.md`), `${report}\n`);
  console.error(`bench: wrote ${path.relative(ROOT, file)} (and latest-${mode}.json/.md) in ${info.seconds} s`);
  if (errors.length) process.exitCode = 1;
}

await main();
