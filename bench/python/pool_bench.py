"""Pool with 2 workers, with multiprocessing: start (constructor + first result), apply round
trip, apply_async burst, map of trivial items (default chunksize, and 1000), imap, map of CPU
tasks of ~5 ms (efficiency = tasks x single-task time / workers / wall time), shutdown."""
import multiprocessing as mp

from _side import add, median, now_ms, params, report


def ident(x):
    return x


def spin(k):
    x = 0
    for i in range(k):
        x = (x * 31 + i) % 1000003
    return x


def calibrate(ms):
    k = 10_000
    for _ in range(5):
        t = now_ms()
        spin(k)
        k = max(1000, round(k * ms / max(0.01, now_ms() - t)))
    times = []
    for _ in range(21):
        t = now_ms()
        spin(k)
        times.append(now_ms() - t)
    return k, median(times)


if __name__ == "__main__":
    P = params()
    ctx = mp.get_context(P["method"])
    workers = P["workers"]
    m = {}
    k, task_ms = calibrate(P["cpuMs"])

    t = now_ms()
    pool = ctx.Pool(workers)
    pool.apply(ident, (0,))
    add(m, "start", now_ms() - t)

    pool.map(ident, [1, 2, 3, 4], 1)
    trips = []
    for i in range(P["applyTrips"] + 50):
        t = now_ms()
        pool.apply(ident, (i,))
        if i >= 50:
            trips.append((now_ms() - t) * 1000)
    add(m, "applyRT", median(trips))

    # The first burst and map are reported on their own; the target rows take the median of
    # the `reps` that follow, as on the multiproc side (whose V8 is compiling during the first).
    burst = P["burst"]
    bursts = []
    for b in range(P["reps"] + 1):
        t = now_ms()
        results = [pool.apply_async(ident, (i,)) for i in range(burst)]
        for r in results:
            r.get()
        rate = burst / (now_ms() - t) * 1000
        if b == 0:
            add(m, "burstFirst", rate)
        else:
            bursts.append(rate)
    add(m, "burst", median(bursts))

    items = list(range(P["mapN"]))
    maps = []
    for b in range(P["reps"] + 1):
        t = now_ms()
        out = pool.map(ident, items)
        took = now_ms() - t
        assert len(out) == len(items) and out[-1] == items[-1]
        if b == 0:
            add(m, "mapFirst", took)
        else:
            maps.append(took)
    add(m, "mapDefault", median(maps))
    t = now_ms()
    pool.map(ident, items, 1000)
    add(m, "map1000", now_ms() - t)

    imap_items = items[: P["imapN"]]
    t = now_ms()
    count = sum(1 for _ in pool.imap(ident, imap_items))
    add(m, "imap", now_ms() - t)
    assert count == len(imap_items)

    tasks = P["cpuTasks"]
    t = now_ms()
    pool.map(spin, [k] * tasks)
    wall = now_ms() - t
    add(m, "cpuWall", wall)
    add(m, "cpuTask", task_ms)
    add(m, "cpuEfficiency", tasks * task_ms / workers / wall)

    t = now_ms()
    pool.close()
    pool.join()
    add(m, "shutdown", now_ms() - t)
    report(m)
