// Queue producer → consumer: n small ints, and bigN items of 1 MiB, with the consumer in a
// second child ("both children": the producer and consumer are children of the main process,
// which created the queue) and in the main process ("child → main").
//
// A multiproc queue lives in the process that created it, so with both children every item goes
// child → main → child; child → main is one hop. Python's Queue is a pipe written by a feeder
// thread, the same single hop in both topologies. The targets are judged on both rows,
// each against Python fork's figure of the same topology.
const MiB = 2 ** 20;
const rate = (min, what) => ({ vs: 'pyfork', min, text: `≥ ${min}× Python fork ${what}` });

export default {
  order: 3,
  title: 'Queue producer → consumer',
  envs: ['asis'],
  sides: {
    multiproc: 'multiproc/queue.ts',
    pyfork: 'python/queue_transfer.py',
    pyspawn: 'python/queue_transfer.py',
    node: 'node/queue.mjs',
  },
  params: {
    quick: { rounds: 1, reps: 1, n: 100_000, bigN: 100, size: MiB },
    full: { rounds: 3, reps: 1, n: 100_000, bigN: 1000, size: MiB },
  },
  rows: [
    { metric: 'smallCC', label: 'Queue 100k small ints, both children', unit: 'items/s', higher: true, target: rate(1.5, 'items/s') },
    { metric: 'smallCM', label: 'Queue 100k small ints, child → main', unit: 'items/s', higher: true, node: 'json.smallCM', target: rate(1.5, 'items/s') },
    { metric: 'bigCC', label: 'Queue 1 MiB items, both children', unit: 'MiB/s', higher: true, target: rate(1.5, 'MiB/s') },
    { metric: 'bigCM', label: 'Queue 1 MiB items, child → main', unit: 'MiB/s', higher: true, node: 'advanced.bigCM', target: rate(1.5, 'MiB/s') },
  ],
  baselines: [
    { label: '100k small ints, child → parent', unit: 'items/s ↑', metrics: { 'fork IPC json': 'json.smallCM', 'fork IPC advanced': 'advanced.smallCM' } },
    { label: '1 MiB Buffers, child → parent', unit: 'MiB/s ↑', metrics: { 'fork IPC advanced': 'advanced.bigCM' } },
  ],
};
