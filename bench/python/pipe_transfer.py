"""Pipe producer -> consumer with multiprocessing: n small ints over Pipe(duplex=False), consumer
in a second child and in the main process. The transfer and its timing are in _transfer.py."""
import multiprocessing as mp

from _side import add, params, report
from _transfer import time_transfer


if __name__ == "__main__":
    P = params()
    ctx = mp.get_context(P["method"])
    n, tmp = P["n"], P["tmp"]
    m = {}
    k = 0

    def once(both_children):
        global k
        r, w = ctx.Pipe(duplex=False)
        k += 1
        return time_transfer(ctx, w, r, n, 0, both_children, tmp, f"r{k}")

    for _ in range(P["reps"]):
        add(m, "smallCC", n / once(True) * 1000)
        add(m, "smallCM", n / once(False) * 1000)
    report(m)
