"""Memory with multiprocessing: RSS of one idle child; the main process's RSS with n idle children."""
import multiprocessing as mp
import os
import time

from _side import params, pss_mib, report, rss_mib, wait_for_files


def idle(marker):
    open(marker, "w").close()
    while True:
        time.sleep(3600)


def start_idle(ctx, count, tmp, tag):
    markers = [os.path.join(tmp, f"{tag}-{i}") for i in range(count)]
    ps = [ctx.Process(target=idle, args=(m,), daemon=True) for m in markers]
    for p in ps:
        p.start()
    wait_for_files(markers)
    time.sleep(params()["settleMs"] / 1000)
    return ps


def stop(ps):
    for p in ps:
        p.terminate()
    for p in ps:
        p.join()


if __name__ == "__main__":
    P = params()
    ctx = mp.get_context(P["method"])
    one = start_idle(ctx, 1, P["tmp"], "one")
    idle_child = rss_mib(one[0].pid)
    stop(one)
    ps = start_idle(ctx, P["n"], P["tmp"], "many")
    main = rss_mib()
    tree = pss_mib() + sum(pss_mib(p.pid) for p in ps)
    stop(ps)
    report({"idleChild": [idle_child], "main": [main], "treePss": [tree]})
