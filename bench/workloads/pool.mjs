// Pool with 2 workers, one pool per run: start (2 workers + first result), apply round trip,
// applyAsync bursts (the first, then the median of `reps` more), maps of trivial items (the same) (default chunksize, and 1000), imap, map of ~5 ms CPU
// tasks with its efficiency (tasks × single-task time measured in the main process / workers /
// wall time), shutdown (close + join). No raw Node side: Node has no pool of processes.
export default {
  order: 6,
  title: 'Pool with 2 workers',
  envs: ['asis'],
  sides: {
    multiproc: 'multiproc/pool.ts',
    pyfork: 'python/pool_bench.py',
    pyspawn: 'python/pool_bench.py',
  },
  params: {
    quick: { rounds: 1, workers: 2, applyTrips: 200, burst: 10_000, reps: 3, mapN: 100_000, imapN: 10_000, cpuTasks: 100, cpuMs: 5 },
    full: { rounds: 3, workers: 2, applyTrips: 1000, burst: 10_000, reps: 3, mapN: 100_000, imapN: 10_000, cpuTasks: 1000, cpuMs: 5 },
  },
  rows: [
    { metric: 'start', label: 'Pool start (2 workers + first result)', unit: 'ms' },
    { metric: 'shutdown', label: 'Pool shutdown (close + join)', unit: 'ms' },
    { metric: 'applyRT', label: 'Pool apply round trip (median of the run)', unit: 'µs' },
    { metric: 'burstFirst', label: 'Pool applyAsync burst of 10,000 tiny tasks, the first in a fresh pool', unit: 'tasks/s', higher: true },
    { metric: 'burst', label: 'Pool applyAsync burst of 10,000 tiny tasks (median of the next 3)', unit: 'tasks/s', higher: true, target: { vs: 'pyfork', min: 1.5, text: '≥ 1.5× Python fork tasks/s' } },
    { metric: 'mapFirst', label: 'Pool map 100k trivial, default chunksize, the first in a fresh pool', unit: 'ms' },
    { metric: 'mapDefault', label: 'Pool map 100k trivial, default chunksize (median of the next 3)', unit: 'ms', target: { vs: 'pyfork', max: 1.0, text: '≤ 1.0× Python fork time' } },
    { metric: 'map1000', label: 'Pool map 100k trivial, chunksize 1000', unit: 'ms' },
    { metric: 'imap', label: 'Pool imap 10,000 trivial (chunksize 1)', unit: 'ms' },
    { metric: 'cpuTask', label: 'CPU task alone, in the main process', unit: 'ms' },
    { metric: 'cpuWall', label: 'Pool map of CPU tasks (full: 1,000; quick: 100)', unit: 'ms' },
    { metric: 'cpuEfficiency', label: 'Pool map of CPU tasks: efficiency', unit: 'fraction of ideal', higher: true, target: { vs: 'abs', min: 0.97, text: '≥ 0.97 of tasks × task time / workers' } },
  ],
};
