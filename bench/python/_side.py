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
