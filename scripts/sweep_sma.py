#!/usr/bin/env python
"""An SMA-crossover sweep from a script: the whole grid as columns, results to Parquet.

    python scripts/sweep_sma.py                                   # BTCUSDT 1m of data/bars
    python scripts/sweep_sma.py --store /tmp/bars --symbol ETHUSDT --out sweeps/eth_sma.parquet \
        --fast 5:50:5 --slow 20:200:20 --metric sortino --engine ray

Writes one row per (fast, slow) pair, best first, with every statistic, and
beside it ``<out>.overfitting.json`` (PSR, DSR, PBO of the sweep). Prints the
top rows. The same sweep in a notebook is ``nx.sweep("sma_crossover", grid, data=bars)``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def span(text: str) -> list[int]:
    """'5:50:5' -> [5, 10, ..., 50] (inclusive); '5,10,20' -> [5, 10, 20]."""
    try:
        if ":" in text:
            lo, hi, step = (int(x) for x in text.split(":"))
            if step <= 0 or hi < lo:
                raise ValueError
            return list(range(lo, hi + 1, step))
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected FROM:TO:STEP (inclusive, STEP > 0) or a list such as 5,10,20, got {text!r}") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", default=os.environ.get("NEXUS_STORE", "data/bars"), help="bar store root")
    ap.add_argument("--symbol", default="BTCUSDT")
    ap.add_argument("--timeframe", default="1m")
    ap.add_argument("--start", default=None, help="first bar (UTC)")
    ap.add_argument("--end", default=None, help="end (UTC, exclusive)")
    ap.add_argument("--out", default="sweeps/sma_crossover.parquet", help="Parquet file to write")
    ap.add_argument("--fast", type=span, default=span("5:50:5"))
    ap.add_argument("--slow", type=span, default=span("20:200:20"))
    ap.add_argument("--metric", default="sharpe")
    ap.add_argument("--fees", type=float, default=0.001)
    ap.add_argument("--slippage", type=float, default=0.0005)
    ap.add_argument("--price", default="next_open", choices=("next_open", "close", "next_worst"))
    ap.add_argument("--engine", default="local", choices=("local", "ray"))
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import nexus as nx
    from nexus.errors import NexusError

    try:
        bars = nx.BarStore(args.store).read(args.symbol, args.timeframe, start=args.start, end=args.end)
        res = nx.sweep(
            "sma_crossover", {"fast": args.fast, "slow": args.slow}, data=bars,
            where=lambda p: p["fast"] < p["slow"],  # the strategy refuses fast >= slow
            metric=args.metric, engine=args.engine, fees=args.fees, slippage=args.slippage, price=args.price,
            progress=not args.quiet,
        )
    except NexusError as exc:
        print(f"sweep_sma: error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    res.to_polars().write_parquet(tmp)  # written whole, then renamed: never a half-written file
    os.replace(tmp, out)
    of = {k: (v if math.isfinite(v) else None) for k, v in res.overfitting.items()}
    side = out.with_name(out.stem + ".overfitting.json")
    side.write_text(json.dumps({"best_params": res.best_params, "metric": res.metric_key, **of}, indent=2))
    print(res.summary(args.top))
    print(f"wrote {out} ({len(res.table)} rows) and {side}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
