// Pipe producer → consumer: 100k small ints over Pipe(false), consumer in a second child and in
// the main process (a pipe joins its two ends directly: one hop in both). No target in issue 7.
export default {
  order: 4,
  title: 'Pipe producer → consumer',
  envs: ['asis'],
  sides: {
    multiproc: 'multiproc/pipe.ts',
    pyfork: 'python/pipe_transfer.py',
    pyspawn: 'python/pipe_transfer.py',
    node: 'node/pipe.mjs',
  },
  params: {
    quick: { rounds: 1, reps: 1, n: 100_000 },
    full: { rounds: 5, reps: 1, n: 100_000 },
  },
  rows: [
    { metric: 'smallCC', label: 'Pipe 100k small ints, both children', unit: 'items/s', higher: true },
    { metric: 'smallCM', label: 'Pipe 100k small ints, child → main', unit: 'items/s', higher: true, node: 'json.smallCM' },
  ],
};
