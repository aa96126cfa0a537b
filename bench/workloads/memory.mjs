// Memory: RSS of one idle child, and of the main process while 16 idle children run; and the
// whole tree's PSS (shared pages split between sharers, so fork's copy-on-write pages count once).
export default {
  order: 2,
  title: 'Memory',
  envs: ['asis'],
  sides: {
    multiproc: 'multiproc/memory.ts',
    pyfork: 'python/memory.py',
    pyspawn: 'python/memory.py',
    node: 'node/memory.mjs',
  },
  params: {
    quick: { rounds: 1, n: 16, settleMs: 300 },
    full: { rounds: 4, n: 16, settleMs: 500 },
  },
  rows: [
    { metric: 'idleChild', label: 'RSS of an idle child', unit: 'MiB', node: 'fork.idleChild', bare: 'bare.idleChild' },
    { metric: 'main', label: 'RSS of the main process with 16 children', unit: 'MiB', node: 'fork.main', bare: 'bare.main' },
    { metric: 'treePss', label: 'PSS of main + 16 children', unit: 'MiB', node: 'fork.treePss', bare: 'bare.treePss' },
  ],
  baselines: [
    { label: 'RSS of an idle child', unit: 'MiB', metrics: { 'child_process.fork': 'fork.idleChild', 'bare node -e': 'bare.idleChild' } },
    { label: 'RSS of the main process with 16 children', unit: 'MiB', metrics: { 'child_process.fork': 'fork.main', 'bare node -e': 'bare.main' } },
    { label: 'PSS of main + 16 children', unit: 'MiB', metrics: { 'child_process.fork': 'fork.treePss', 'bare node -e': 'bare.treePss' } },
  ],
};
