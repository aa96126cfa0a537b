"""Pipe producer -> consumer with multiprocessing: n small ints over Pipe(duplex=False), consumer
in a second child and in the main process. Timing as in queue_transfer.py."""
import multiprocessing as mp
import os

from _side import add, mono_ms, params, read_number, report, touch, wait_for_file, wait_for_files, write_number


def producer(w, n, ready, go, t0_file):
    w.send(-1)
    touch(ready)
    wait_for_file(go)
    t0 = mono_ms()
    for i in range(n):
        w.send(i)
    write_number(t0_file, t0)


def consumer(r, n, ready, t1_file):
    r.recv()
    touch(ready)
    for _ in range(n):
        r.recv()
    write_number(t1_file, mono_ms())


def once(ctx, n, both_children, tmp, tag):
    f = lambda name: os.path.join(tmp, f"{tag}-{name}")  # noqa: E731
    r, w = ctx.Pipe(duplex=False)
    p = ctx.Process(target=producer, args=(w, n, f("ready-p"), f("go"), f("t0")))
    if both_children:
        c = ctx.Process(target=consumer, args=(r, n, f("ready-c"), f("t1")))
        c.start()
        p.start()
        r.close()
        w.close()
        wait_for_files([f("ready-p"), f("ready-c")])
        touch(f("go"))
        c.join()
        p.join()
        assert c.exitcode == 0, c.exitcode
        t1 = read_number(f("t1"))
    else:
        p.start()
        w.close()
        r.recv()
        wait_for_files([f("ready-p")])
        touch(f("go"))
        for _ in range(n):
            r.recv()
        t1 = mono_ms()
        p.join()
        r.close()
    assert p.exitcode == 0, p.exitcode
    return t1 - read_number(f("t0"))


if __name__ == "__main__":
    P = params()
    ctx = mp.get_context(P["method"])
    n, tmp = P["n"], P["tmp"]
    m = {}
    k = 0
    for _ in range(P["reps"]):
        add(m, "smallCC", n / once(ctx, n, True, tmp, f"r{k}") * 1000); k += 1
        add(m, "smallCM", n / once(ctx, n, False, tmp, f"r{k}") * 1000); k += 1
    report(m)
