// The observer channel's cost: the Queue 100k small ints (both children) program, with an
// observer (a socket server that discards what it reads; MULTIPROC_OBSERVER set) and without,
// alternating on/off inside each run. multiproc only: the others have no observer.
export default {
  order: 7,
  title: 'Observer channel on vs off',
  envs: ['asis'],
  sides: { multiproc: 'multiproc/observer.mjs' },
  params: {
    quick: { rounds: 1, n: 100_000, pairs: 1 },
    full: { rounds: 4, n: 100_000, pairs: 2 },
  },
  rows: [
    { metric: 'on', label: 'Queue 100k small ints, both children, observer on', unit: 'ms', target: { vs: 'self', of: 'off', max: 1.05, text: 'on ≤ 1.05× off' } },
    { metric: 'off', label: 'Queue 100k small ints, both children, observer off', unit: 'ms' },
    { metric: 'kib', label: 'reports the observer received per program run', unit: 'KiB' },
  ],
};
