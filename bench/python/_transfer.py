"""The producer -> consumer transfer that the Queue and Pipe workloads time, over either a
multiprocessing Queue or the two ends of a Pipe: n items (small ints, or bytes of `size`), the
consumer in a second child or in the main process. Timing as in bench/lib/transfer.ts (warm-up
item, ready files, start file, shared monotonic clock)."""
import os

from _side import mono_ms, read_number, touch, wait_for_file, wait_for_files, write_number


def _send(ch):
    return ch.send if hasattr(ch, "send") else ch.put


def _receive(ch):
    return ch.recv if hasattr(ch, "recv") else ch.get


def producer(ch, n, size, ready, go, t0_file):
    send = _send(ch)
    big = b"\x01" * size if size else None
    send(big if big else -1)
    touch(ready)
    wait_for_file(go)
    t0 = mono_ms()
    if big:
        for _ in range(n):
            send(big)
    else:
        for i in range(n):
            send(i)
    write_number(t0_file, t0)


def consumer(ch, n, ready, t1_file):
    receive = _receive(ch)
    receive()
    touch(ready)
    for _ in range(n):
        receive()
    write_number(t1_file, mono_ms())


def time_transfer(ctx, sender, receiver, n, size, both_children, tmp, tag):
    """One transfer; returns its duration in ms. Pipe ends are closed here once a child holds
    them, as Python's pipes need for the reader to see the end."""
    f = lambda name: os.path.join(tmp, f"{tag}-{name}")  # noqa: E731
    pipe = sender is not receiver
    p = ctx.Process(target=producer, args=(sender, n, size, f("ready-p"), f("go"), f("t0")))
    if both_children:
        c = ctx.Process(target=consumer, args=(receiver, n, f("ready-c"), f("t1")))
        c.start()
        p.start()
        if pipe:
            receiver.close()
            sender.close()
        wait_for_files([f("ready-p"), f("ready-c")])
        touch(f("go"))
        c.join()
        p.join()
        assert c.exitcode == 0, c.exitcode
        t1 = read_number(f("t1"))
    else:
        p.start()
        if pipe:
            sender.close()
        receive = _receive(receiver)
        receive()
        wait_for_files([f("ready-p")])
        touch(f("go"))
        for _ in range(n):
            receive()
        t1 = mono_ms()
        p.join()
        if pipe:
            receiver.close()
    assert p.exitcode == 0, p.exitcode
    return t1 - read_number(f("t0"))
