"""Helpers for the Python sides of a workload (see bench/lib/side.mjs for the protocol).

A side is started by bench/run.mjs as `python3 <file> '<json params>'`; params carry `method`
("fork" or "spawn"), `out` (where to write {metric: [samples]}) and the workload's own params.
"""
import json
import os
import re
import sys
import time


def params():
    return json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}


def report(metrics):
    with open(params()["out"], "w") as f:
        json.dump(metrics, f)


def now_ms():
    return time.perf_counter() * 1000.0


def add(metrics, name, value):
    metrics.setdefault(name, []).append(value)


def rss_mib(pid="self"):
    with open(f"/proc/{pid}/status") as f:
        m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
    return int(m.group(1)) / 1024 if m else float("nan")


def pss_mib(pid="self"):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        m = re.search(r"^Pss:\s+(\d+) kB", f.read(), re.M)
    return int(m.group(1)) / 1024 if m else float("nan")


def wait_for_files(files, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not all(os.path.exists(f) for f in files):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {files}")
        time.sleep(0.002)


def mono_ms():
    """CLOCK_MONOTONIC in ms, shared by every process (as the JavaScript sides' monoMs)."""
    return time.monotonic_ns() / 1e6


def write_number(path, value):
    with open(path, "w") as f:
        f.write(repr(value))


def read_number(path):
    with open(path) as f:
        return float(f.read())


def touch(path):
    open(path, "w").close()


def wait_for_file(path, timeout=60.0):
    """A start signal, polled every 0.5 ms (its latency is not in the timed part)."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {path}")
        time.sleep(0.0005)


def median(values):
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
