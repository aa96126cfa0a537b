// The child of the raw Node transfer baseline: on {n, size}, sends one warm-up message, waits
// for 'go', takes t0 (CLOCK_MONOTONIC, ms), sends n messages (small ints, or a Buffer of `size`
// bytes), then {t0}.
process.on('message', (msg) => {
  if (msg === 'go') {
    const { n, size } = job;
    const t0 = Number(process.hrtime.bigint()) / 1e6;
    const big = size ? Buffer.alloc(size, 1) : undefined;
    if (big) for (let i = 0; i < n; i++) process.send(big);
    else for (let i = 0; i < n; i++) process.send(i);
    process.send({ t0 }, () => process.disconnect());
    return;
  }
  job = msg;
  process.send(-1);
});
let job;
