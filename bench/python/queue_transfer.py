"""Queue producer -> consumer with multiprocessing (params.method: fork or spawn): n small ints
and n items of `size` bytes, consumer in a second child and in the main process. Python's
Queue is a pipe with a feeder thread, so both topologies take the same path. The transfer and
its timing are in _transfer.py."""
import multiprocessing as mp

from _side import add, params, report
from _transfer import time_transfer


if __name__ == "__main__":
    P = params()
    ctx = mp.get_context(P["method"])
    n, big_n, size, tmp = P["n"], P["bigN"], P["size"], P["tmp"]
    m = {}
    k = 0

    def once(count, item_size, both_children):
        global k
        q = ctx.Queue()
        k += 1
        return time_transfer(ctx, q, q, count, item_size, both_children, tmp, f"r{k}")

    for _ in range(P["reps"]):
        add(m, "smallCC", n / once(n, 0, True) * 1000)
        add(m, "smallCM", n / once(n, 0, False) * 1000)
        add(m, "bigCC", big_n * size / 2**20 / once(big_n, size, True) * 1000)
        add(m, "bigCM", big_n * size / 2**20 / once(big_n, size, False) * 1000)
    report(m)
