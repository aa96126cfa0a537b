// Ping-pong round trips, main ↔ one child: two Queues, and one duplex Pipe; every process of the
// side unpinned, and pinned to CPU 0. One sample per run: the median of the run's timed trips.
export default {
  order: 5,
  title: 'Queue and Pipe round trip',
  envs: ['unpinned', 'pinned'],
  sides: {
    multiproc: 'multiproc/roundtrip.ts',
    pyfork: 'python/roundtrip.py',
    pyspawn: 'python/roundtrip.py',
    node: 'node/roundtrip.mjs',
  },
  // A fresh V8 runs the first few thousand trips through its interpreter (about 3× slower);
  // the warm-up lets every side reach the steady state a long-running program sees (Python,
  // which has no JIT, is the same either way).
  params: {
    quick: { rounds: 1, reps: 1, warm: 5000, trips: 2000 },
    full: { rounds: 6, reps: 1, warm: 5000, trips: 5000 },
  },
  rows: [
    { metric: 'queueRT', label: 'Queue round trip (two queues)', unit: 'µs', node: 'json.rt', target: { vs: 'pyfork', max: 0.7, text: '≤ 0.7× Python fork' } },
    { metric: 'pipeRT', label: 'Pipe round trip', unit: 'µs', node: 'json.rt', target: { vs: 'pyfork', max: 1.0, text: '≤ 1.0× Python fork' } },
  ],
  baselines: [
    { label: 'round trip', unit: 'µs', metrics: { 'fork IPC json': 'json.rt', 'fork IPC advanced': 'advanced.rt' } },
  ],
};
