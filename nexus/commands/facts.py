"""``nexus data facts``: stylized facts of stored series, with verdicts, JSON and a figure.

    nexus data facts                       every dataset in the store (contracts aside)
    nexus data facts BTCUSDT/1m NQ/1h      chosen series
    nexus data facts BTCUSDT/1m --json     machine-readable figures and verdicts
    nexus data facts BTCUSDT/1m --plot facts.png

The check a researcher runs on downloaded or imported data before trusting
it; the same bands the test suite asserts on the default synthetic market.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from nexus.data.contracts import is_contract
from nexus.errors import ConfigError, UnknownSymbolError


def register(sub: argparse._SubParsersAction) -> None:
    f = sub.add_parser("facts", help="stylized facts of stored series (autocorrelations, tails, naive-rule Sharpes) with verdicts")
    f.add_argument("series", nargs="*", help="SYMBOL/TIMEFRAME, e.g. BTCUSDT/1m (default: every dataset except single contracts)")
    f.add_argument("--plot", default=None, help="write the figure to this PNG (several series: one file each, suffixed)")
    f.add_argument("--json", action="store_true", help="print JSON instead of text")
    f.set_defaults(func=cmd_facts)


def _series(store, names: list[str]) -> list[tuple[str, str]]:
    if not names:
        out = [(s, tf) for s in store.symbols() if not is_contract(s) for tf in store.timeframes(s)]
        if not out:
            raise UnknownSymbolError(f"store {store.root} holds no series; build it with `nexus data synth`")
        return out
    out = []
    for name in names:
        parts = name.strip("/").split("/")
        if len(parts) != 2:
            raise ConfigError(f"{name!r}: give a series as SYMBOL/TIMEFRAME, e.g. BTCUSDT/1m")
        if not store.has(parts[0], parts[1]):
            store.dataset_meta(parts[0], parts[1])  # raises the store's one-line error naming what is stored
        out.append((parts[0], parts[1]))
    return out


def _clean(x):
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def cmd_facts(args) -> int:
    from nexus.data.store import BarStore
    from nexus.metrics.stylized import stylized_facts

    store = BarStore(args.store)
    chosen = _series(store, list(args.series))
    results = []
    for sym, tf in chosen:
        bars = store.read(sym, tf, columns=[])
        facts = stylized_facts(bars, name=f"{sym}/{tf}")
        meta = store.dataset_meta(sym, tf)
        results.append((facts, ",".join(meta["sources"]) or "-"))
        if args.plot:
            from nexus.report.facts_figures import save_facts_figure

            plot = Path(args.plot)
            if len(chosen) > 1:
                plot = plot.with_name(f"{plot.stem}-{sym}-{tf}{plot.suffix or '.png'}")
            save_facts_figure(facts, plot)
    if args.json:
        doc = []
        for facts, source in results:
            d = facts.to_dict()
            d["source"] = source
            doc.append(d)
        print(json.dumps(_clean(doc if len(doc) > 1 else doc[0]), indent=1))
        return 0
    for facts, source in results:
        print(f"{facts.summary()}\n  source: {source}; {len(facts.failed())} of {len(facts.verdicts)} facts outside a real market's band\n")
    return 0


__all__ = ["register", "cmd_facts"]
