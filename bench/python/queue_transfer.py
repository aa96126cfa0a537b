"""Queue producer -> consumer with multiprocessing (params.method: fork or spawn): n small ints
and n items of `size` bytes, consumer in a second child and in the main process. Python's
Queue is a pipe with a feeder thread, so both topologies take the same path. Timing as in
bench/multiproc/queue.ts (warm-up item, ready files, start file, shared monotonic clock)."""
import multiprocessing as mp
import os

from _side import add, mono_ms, params, read_number, report, touch, wait_for_file, wait_for_files, write_number


def producer(q, n, size, ready, go, t0_file):
    big = b"\x01" * size if size else None
    q.put(big if big else -1)
    touch(ready)
    wait_for_file(go)
    t0 = mono_ms()
    if big:
        for _ in range(n):
            q.put(big)
    else:
        for i in range(n):
            q.put(i)
    write_number(t0_file, t0)


def consumer(q, n, ready, t1_file):
    q.get()
    touch(ready)
    for _ in range(n):
        q.get()
    write_number(t1_file, mono_ms())


def once(ctx, n, size, both_children, tmp, tag):
    f = lambda name: os.path.join(tmp, f"{tag}-{name}")  # noqa: E731
    q = ctx.Queue()
    p = ctx.Process(target=producer, args=(q, n, size, f("ready-p"), f("go"), f("t0")))
    if both_children:
        c = ctx.Process(target=consumer, args=(q, n, f("ready-c"), f("t1")))
        c.start()
        p.start()
        wait_for_files([f("ready-p"), f("ready-c")])
        touch(f("go"))
        c.join()
        p.join()
        assert c.exitcode == 0, c.exitcode
        t1 = read_number(f("t1"))
    else:
        p.start()
        q.get()
        wait_for_files([f("ready-p")])
        touch(f("go"))
        for _ in range(n):
            q.get()
        t1 = mono_ms()
        p.join()
    assert p.exitcode == 0, p.exitcode
    return t1 - read_number(f("t0"))


if __name__ == "__main__":
    P = params()
    ctx = mp.get_context(P["method"])
    n, big_n, size, tmp = P["n"], P["bigN"], P["size"], P["tmp"]
    m = {}
    k = 0
    for _ in range(P["reps"]):
        add(m, "smallCC", n / once(ctx, n, 0, True, tmp, f"r{k}") * 1000); k += 1
        add(m, "smallCM", n / once(ctx, n, 0, False, tmp, f"r{k}") * 1000); k += 1
        add(m, "bigCC", big_n * size / 2**20 / once(ctx, big_n, size, True, tmp, f"r{k}") * 1000); k += 1
        add(m, "bigCM", big_n * size / 2**20 / once(ctx, big_n, size, False, tmp, f"r{k}") * 1000); k += 1
    report(m)
