"""Ping-pong round trips between the main process and one child, with multiprocessing: over two
Queues and over a duplex Pipe. One sample per run: the median of `trips` timed round trips after
`warm` untimed ones, in microseconds."""
import multiprocessing as mp
import time

from _side import add, median, params, report


def queue_echo(inbox, outbox):
    while True:
        x = inbox.get()
        if x is None:
            return
        outbox.put(x)


def pipe_echo(c):
    while True:
        x = c.recv()
        if x is None:
            return
        c.send(x)


if __name__ == "__main__":
    P = params()
    ctx = mp.get_context(P["method"])
    warm, trips = P["warm"], P["trips"]
    m = {}
    clock = time.perf_counter
    for _ in range(P["reps"]):
        to_child, to_main = ctx.Queue(), ctx.Queue()
        p = ctx.Process(target=queue_echo, args=(to_child, to_main))
        p.start()
        times = []
        for i in range(warm + trips):
            t = clock()
            to_child.put(i)
            to_main.get()
            if i >= warm:
                times.append((clock() - t) * 1e6)
        to_child.put(None)
        p.join()
        assert p.exitcode == 0, p.exitcode
        add(m, "queueRT", median(times))

        a, b = ctx.Pipe()
        p = ctx.Process(target=pipe_echo, args=(b,))
        p.start()
        times = []
        for i in range(warm + trips):
            t = clock()
            a.send(i)
            a.recv()
            if i >= warm:
                times.append((clock() - t) * 1e6)
        a.send(None)
        p.join()
        assert p.exitcode == 0, p.exitcode
        add(m, "pipeRT", median(times))
    report(m)
