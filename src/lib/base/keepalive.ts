// Keeps the process alive while a call waits on something that has no handle of its own in this
// process (a get() on a queue this process owns waits for other processes, not for a socket here).
// One long timer is made once and only ref'd or unref'd, which costs nothing on the hot path.
let holds = 0;
let timer: NodeJS.Timeout | undefined;

export function hold(): void {
  if (holds++ === 0) {
    timer ??= setInterval(() => {}, 1 << 30);
    timer.ref();
  }
}

export function release(): void {
  if (--holds === 0) timer?.unref();
}
