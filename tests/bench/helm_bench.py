"""Helm v4's side of helmd-bench: times Chart.load and chart.render in this process.

Usage (inside the venv scripts/venv prints):
    python tests/bench/helm_bench.py CHART [-f FILE]... [--iterations N]

Prints one JSON object shaped like `helmd-bench render`'s. Values files are
parsed once, outside the timings, with Helm's own LoadValues (through the
oracle's helper). Each render is helm_python's `Chart.render`: the values
dict goes to Go as JSON and the rendered files come back as JSON, so that
(de)serialisation is inside the timing. Memory: `rss_start_kib` is VmRSS
after `import helm_python` (the Go runtime is loaded by then) and after the
values are parsed; `rss_peak_kib` is the process's VmHWM at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))

import helm_python  # noqa: E402
import helm_oracle  # noqa: E402


def status_kib(field: str) -> int | None:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return None


def digest(files: dict[str, str]) -> str:
    h = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.encode()):
        h.update(path.encode() + b"\0" + files[path].encode("utf-8", "surrogateescape") + b"\0")
    return h.hexdigest()


def median(v: list[float]) -> float:
    return sorted(v)[len(v) // 2]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("chart")
    parser.add_argument("-f", "--values", action="append", default=[])
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    documents = []
    for path in args.values:
        with open(path, encoding="utf-8") as f:
            documents.append(f.read())
    values = helm_oracle.user_values(documents)
    rss_start = status_kib("VmRSS:")
    def loader(path: str) -> helm_python.Chart:
        if os.path.isdir(path):
            return helm_python.Chart.load(path)
        with open(path, "rb") as f:
            return helm_python.Chart.load_archive(f.read())

    loads, renders = [], []
    chart = None
    for _ in range(args.iterations):
        start = time.perf_counter()
        loaded = loader(args.chart)
        loads.append((time.perf_counter() - start) * 1e3)
        if chart is not None:
            chart.close()
        chart = loaded
    assert chart is not None
    out: dict[str, str] = {}
    for _ in range(args.iterations):
        start = time.perf_counter()
        out = chart.render(values)
        renders.append((time.perf_counter() - start) * 1e3)
    report = {
        "chart": chart.name,
        "iterations": args.iterations,
        "load_ms_median": median(loads),
        "render_ms_median": median(renders),
        "render_ms_min": min(renders),
        "files": len(out),
        "bytes": sum(len(t.encode()) for t in out.values()),
        "digest": digest(out),
        "rss_start_kib": rss_start,
        "rss_peak_kib": status_kib("VmHWM:"),
    }
    chart.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
