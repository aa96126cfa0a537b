// Process start+join of a no-op: one at a time, and 16 started at once then all joined.
// The cold rows are fresh interpreters (multiproc with MULTIPROC_WARM_SPARE=0); the warm row is
// multiproc taking its pre-started spare, against Python fork. NODE_EXTRA_CA_CERTS as is and unset.
const bareTarget = { vs: 'bare', max: 1.0, text: 'cold ≤ 1.0× bare `node -e 0`' };

export default {
  order: 1,
  title: 'Process start+join of a no-op',
  envs: ['asis', 'unset'],
  sides: {
    multiproc: 'multiproc/process-start.ts',
    pyfork: 'python/process_start.py',
    pyspawn: 'python/process_start.py',
    node: 'node/process-start.mjs',
  },
  params: {
    quick: { rounds: 2, one: 2, many: 1, n: 16 },
    full: { rounds: 8, one: 5, many: 2, n: 16 },
  },
  // metric: the side's sample name; node: the raw Node column's; bare: the ratio's denominator.
  rows: [
    { metric: 'one', label: 'start+join 1, cold', unit: 'ms', node: 'fork.one', bare: 'bare.one', target: bareTarget },
    { metric: 'many', label: 'start+join 16 at once, cold', unit: 'ms', node: 'fork.many', bare: 'bare.many', target: bareTarget },
    { metric: 'one', mpMetric: 'warm', label: 'start+join 1, warm spare', unit: 'ms', node: 'fork.one', bare: 'bare.one',
      target: { vs: 'pyfork', max: 3, text: 'warm ≤ 3× Python fork' } },
  ],
  // Extra raw Node figures, printed under the main table.
  baselines: [
    { label: 'start+join 1', unit: 'ms', metrics: { 'child_process.fork': 'fork.one', 'child_process.spawn': 'spawn.one', 'bare node -e': 'bare.one' } },
    { label: 'start+join 16 at once', unit: 'ms', metrics: { 'child_process.fork': 'fork.many', 'child_process.spawn': 'spawn.many', 'bare node -e': 'bare.many' } },
  ],
};
