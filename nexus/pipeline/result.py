"""``BacktestResult``: what one ``nx.backtest(config)`` returns.

Per book (see :mod:`nexus.pipeline.book`): equity, drawdown, daily returns,
statistics of the book and of each symbol, the trade log, cost breakdown,
funnel, reason histogram, strategy attribution, and the baselines run on
the same data and costs. Across books: the combined statistics table, the
run manifest, stage timings and what each model slot did.

>>> res = nx.backtest("backtest.toml")          # doctest: +SKIP
>>> res.stats                                    # books and baselines side by side   # doctest: +SKIP
>>> res.report("reports/")                       # summary.txt, result.json, trades, PNGs, report.html  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class BaselineResult:
    name: str
    equity: pd.Series
    stats: pd.Series
    trades: int
    costs: dict[str, float]
    portfolio: Any = field(default=None, repr=False)


@dataclass
class BookResult:
    name: str
    series: list[str]
    capital: float
    equity: pd.Series
    drawdown: pd.Series
    daily_returns: pd.Series
    stats: pd.Series
    symbol_stats: pd.DataFrame
    trades: pd.DataFrame
    costs: dict[str, float]
    funnel: pd.DataFrame
    reasons: pd.DataFrame
    attribution: pd.DataFrame
    baselines: dict[str, BaselineResult]
    mq_plot: dict[str, np.ndarray]
    equity_estimate_final: float
    fill_sensitivity: pd.DataFrame | None = None  # the same decisions under aggressive / realistic / conservative fills
    segments: pd.DataFrame | None = None  # before / after the models' training end (None: rules only)
    oos: dict[str, Any] | None = None  # the out-of-sample window: variants side by side (see nexus.pipeline.oos)
    ts: np.ndarray = field(default=None, repr=False)  # the book's clock (bar open times, ns UTC)
    targets: np.ndarray = field(default=None, repr=False)  # [n, k] target weights sent to the simulator, NaN = none
    portfolio: Any = field(default=None, repr=False)
    decision: np.ndarray = field(default=None, repr=False)  # [n, k] the decisions on the clock (layer 8's input), NaN = none
    sim: Any = field(default=None, repr=False)  # the simulator's full output (BookSim): fills, limit orders, reasons


@dataclass
class BacktestResult:
    books: dict[str, BookResult]
    config: Any
    manifest: dict[str, Any]
    timings: dict[str, float]
    models: dict[str, str]
    layer_notes: dict[str, str]
    folds: list[dict[str, Any]] = field(default_factory=list)  # walk-forward folds: slot, series, windows, margin, used

    # ---------------------------------------------------------------- access
    @property
    def main(self) -> BookResult:
        """The first book (the multi-asset book in the default config)."""
        return next(iter(self.books.values()))

    @property
    def equity(self) -> pd.Series:
        return self.main.equity

    @property
    def drawdown(self) -> pd.Series:
        return self.main.drawdown

    @property
    def daily_returns(self) -> pd.Series:
        return self.main.daily_returns

    @property
    def stats(self) -> pd.DataFrame:
        """One column per book and per baseline of each book (``<book>:<baseline>``)."""
        cols = {}
        for name, b in self.books.items():
            cols[name] = b.stats
            for bname, base in b.baselines.items():
                cols[f"{name}:{bname}"] = base.stats
        return pd.DataFrame(cols)

    @property
    def symbol_stats(self) -> pd.DataFrame:
        return pd.concat({n: b.symbol_stats for n, b in self.books.items()}, names=["book", "series"])

    @property
    def trades(self) -> pd.DataFrame:
        """Every book's trades, with a ``book`` column."""
        frames = [b.trades.assign(book=n) for n, b in self.books.items() if len(b.trades)]
        if not frames:
            return next(iter(self.books.values())).trades.assign(book=pd.Series(dtype=str))
        return pd.concat(frames, ignore_index=True)

    @property
    def funnel(self) -> pd.DataFrame:
        return pd.concat({n: b.funnel for n, b in self.books.items()}, axis=1)

    @property
    def attribution(self) -> pd.DataFrame:
        frames = [b.attribution for b in self.books.values()]
        if not frames:
            return pd.DataFrame()
        num = ["bars fired", "bars passed filter", "decision share", "trade share", "pnl"]
        out = frames[0][["group"]].copy()
        for c in num:
            out[c] = sum(f[c].reindex(out.index).fillna(0) for f in frames)
        return out.sort_values("pnl", ascending=False)

    @property
    def costs(self) -> dict[str, dict[str, float]]:
        return {n: b.costs for n, b in self.books.items()}

    # --------------------------------------------------------------- reports
    def summary(self) -> str:
        from nexus.report.text import summary_text

        return summary_text(self)

    def to_dict(self) -> dict[str, Any]:
        from nexus.report.json_report import result_dict

        return result_dict(self)

    def report(self, out: str | Path = "reports", *, figures: bool | None = None, html: bool | None = None) -> dict[str, Path]:
        """Write summary.txt, result.json, trades.parquet/.csv, PNG figures and report.html into ``out``."""
        import time

        from nexus.report import write_report

        t0 = time.perf_counter()
        paths = write_report(self, out, figures=figures, html=html)
        self.timings["report"] = self.timings.get("report", 0.0) + time.perf_counter() - t0
        return paths

    def __repr__(self) -> str:
        parts = []
        for n, b in self.books.items():
            tr = len(b.trades)
            ret = b.stats.get("Total Return [%]", float("nan"))
            parts.append(f"{n}: {tr} trades, return {ret:.2f} %")
        return f"BacktestResult({'; '.join(parts)})"
