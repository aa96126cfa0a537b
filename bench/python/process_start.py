"""Process start+join of a no-op, with multiprocessing (params.method: fork or spawn)."""
import multiprocessing as mp

from _side import add, now_ms, params, report


def noop():
    pass


if __name__ == "__main__":
    P = params()
    ctx = mp.get_context(P["method"])
    m = {}
    for _ in range(P["one"]):
        t = now_ms()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        add(m, "one", now_ms() - t)
        assert p.exitcode == 0, p.exitcode
    for _ in range(P["many"]):
        t = now_ms()
        ps = [ctx.Process(target=noop) for _ in range(P["n"])]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
        add(m, "many", now_ms() - t)
    report(m)
