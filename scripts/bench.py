#!/usr/bin/env python
"""nexus benchmarks: throughput per stage and its ratio to a reference run in the same process.

Each stage is a module in ``scripts/bench_stages/`` with ``NAME``, ``ORDER`` and
``run(ctx) -> list[Row]``. Absolute times drift on shared machines, so every
case reports a ratio to a reference measured in the same run.

    python scripts/bench.py                 # all stages
    python scripts/bench.py store mqscore   # some stages
    python scripts/bench.py --quick         # smaller sizes, fewer repeats (smoke run)

Writes a table to stdout and JSON to ``bench.json`` (``--json PATH``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


@dataclass
class Row:
    stage: str
    case: str
    seconds: float  # median wall time of one run
    items: float  # work done per run (bars, bar-columns, rows, ...)
    unit: str = "bars"
    reference: str = ""  # what the ratio is against
    ref_seconds: float | None = None
    ref_items: float | None = None
    target: str = ""  # the bar to reach, in words
    passed: bool | None = None
    peak_rss_mb: float | None = None
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else float("inf")

    @property
    def ref_rate(self) -> float | None:
        if self.ref_seconds is None or self.ref_items is None or self.ref_seconds <= 0:
            return None
        return self.ref_items / self.ref_seconds

    @property
    def ratio(self) -> float | None:
        rr = self.ref_rate
        return None if rr is None else self.rate / rr


@dataclass
class Context:
    quick: bool = False
    repeat: int = 5
    store_root: Path = ROOT / "data" / "bars"
    workdir: Path = ROOT / ".bench"

    def timeit(self, fn: Callable[[], object], repeat: int | None = None, warmup: int = 1) -> float:
        """Median wall seconds of ``fn()`` over ``repeat`` runs after ``warmup`` runs."""
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(repeat or self.repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    def peak_rss_mb(self, code: str, env: dict | None = None) -> float:
        """Peak resident memory (MB) of a fresh Python process running ``code``.

        Read from the child's own VmHWM: RUSAGE_CHILDREN would also count the
        parent's pages the child shares before exec, inflating small figures.
        """
        full_env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
        probe = code + "\nprint('__HWM__', open('/proc/self/status').read().split('VmHWM:')[1].split()[0])\n"
        proc = subprocess.run([sys.executable, "-c", probe], env=full_env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"peak_rss_mb subprocess failed:\n{proc.stderr[-2000:]}")
        line = [l for l in proc.stdout.splitlines() if l.startswith("__HWM__")][-1]
        return int(line.split()[1]) / 1024.0


def discover() -> list:
    import bench_stages

    mods = []
    for info in pkgutil.iter_modules(bench_stages.__path__):
        if info.name.startswith("_"):
            continue
        mods.append(importlib.import_module(f"bench_stages.{info.name}"))
    return sorted(mods, key=lambda m: getattr(m, "ORDER", 100))


def fmt_rate(x: float | None) -> str:
    if x is None:
        return "-"
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.2f}{suffix}"
    return f"{x:.2f}"


def print_table(rows: list[Row]) -> None:
    head = ["stage", "case", "time s", "throughput", "unit/s", "reference", "ref thr.", "ratio", "peak MB", "target", "ok"]
    body = []
    for r in rows:
        body.append([
            r.stage, r.case, f"{r.seconds:.4f}", fmt_rate(r.rate), r.unit, r.reference or "-",
            fmt_rate(r.ref_rate), "-" if r.ratio is None else f"{r.ratio:.2f}x",
            "-" if r.peak_rss_mb is None else f"{r.peak_rss_mb:.0f}", r.target or "-",
            {True: "yes", False: "NO", None: "-"}[r.passed],
        ])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    print(line)
    print("-" * len(line))
    for b in body:
        print("  ".join(str(x).ljust(w) for x, w in zip(b, widths)))
    for r in rows:
        if r.notes:
            print(f"note [{r.stage} / {r.case}]: {r.notes}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stages", nargs="*", help="stage names (default: all)")
    ap.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--store", default=str(ROOT / "data" / "bars"))
    ap.add_argument("--json", default=str(ROOT / "bench.json"))
    args = ap.parse_args(argv)
    ctx = Context(quick=args.quick, repeat=args.repeat or (2 if args.quick else 5), store_root=Path(args.store))
    ctx.workdir.mkdir(exist_ok=True)
    mods = discover()
    if args.stages:
        known = {m.NAME for m in mods}
        unknown = sorted(set(args.stages) - known)
        if unknown:
            print(f"unknown stage(s) {unknown}; known: {sorted(known)}", file=sys.stderr)
            return 2
        mods = [m for m in mods if m.NAME in args.stages]
    rows: list[Row] = []
    for mod in mods:
        print(f"[bench] {mod.NAME} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        rows.extend(mod.run(ctx))
        print(f"[bench] {mod.NAME} done in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
    print_table(rows)
    payload = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "quick": ctx.quick,
        "rows": [dict(asdict(r), rate=r.rate, ref_rate=r.ref_rate, ratio=r.ratio) for r in rows],
    }
    Path(args.json).write_text(json.dumps(payload, indent=2, default=str))
    print(f"\nwrote {args.json}")
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
