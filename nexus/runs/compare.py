"""Runs side by side: the statistics, the config keys that differ, equity curves in one figure and an HTML page.

>>> import nexus as nx                                                  # doctest: +SKIP
>>> c = nx.runs.compare(["<id-a>", "<id-b>"], out="reports/compare")    # doctest: +SKIP
>>> c.stats.loc["Sharpe Ratio"]; c.config; c.figure; c.html             # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html as _html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from nexus.errors import ConfigError
from nexus.io.atomic import write_atomic
from nexus.runs.store import Run, flatten, resolve, runs_root

MAX_POINTS = 4000


@dataclass
class CompareResult:
    """``stats``: statistic x run (each run's first book, or a sweep's best combination);
    ``config``: the resolved config keys whose values differ, key x run; ``figure`` / ``html``: files written."""

    runs: list[Run]
    stats: pd.DataFrame
    config: pd.DataFrame
    figure: Path | None = None
    html: Path | None = None

    def summary(self) -> str:
        lines = [f"compare {len(self.runs)} runs: " + ", ".join(f"{r.id} ({r.kind})" for r in self.runs)]
        lines.append("config keys that differ:" if len(self.config) else "config keys that differ: none")
        if len(self.config):
            lines.append(self.config.to_string())
        lines.append("statistics:")
        lines.append(self.stats.to_string(float_format=lambda v: f"{v:.4g}"))
        if self.figure is not None:
            lines.append(f"equity overlay: {self.figure}")
        if self.html is not None:
            lines.append(f"HTML: {self.html}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def _first_curve(run: Run) -> pd.Series:
    eq = run.equity
    if eq.empty:
        return pd.Series(dtype=float)
    name = eq["curve"].iloc[0]
    one = eq[eq["curve"] == name]
    return pd.Series(one["value"].to_numpy(np.float64), index=pd.DatetimeIndex(one["ts"]), name=f"{run.id} {name}")


def _shown(v: Any) -> str:
    return v if isinstance(v, str) else repr(v)


def config_diff(runs: Sequence[Run]) -> pd.DataFrame:
    """Resolved config keys whose values differ between ``runs`` (missing keys count as differing)."""
    flat = [flatten(r.config) for r in runs]
    keys = sorted(set().union(*flat))
    rows = {}
    for k in keys:
        vals = [f.get(k, "<absent>") for f in flat]
        if any(v != vals[0] for v in vals[1:]):
            rows[k] = [_shown(v) for v in vals]
    return pd.DataFrame.from_dict(rows, orient="index", columns=[r.id for r in runs]) if rows else pd.DataFrame(
        columns=[r.id for r in runs])


def stats_side_by_side(runs: Sequence[Run]) -> pd.DataFrame:
    cols = {r.id: r.headline() for r in runs}
    return pd.DataFrame(cols)


def _figure(runs: Sequence[Run], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5))
    for r in runs:
        s = _first_curve(r)
        if len(s) > MAX_POINTS:
            s = s.iloc[:: max(1, len(s) // MAX_POINTS)]
        ax.plot(s.index, s.to_numpy(), lw=1.0, label=s.name)
    ax.set_title("equity (first book of each run)")
    ax.set_ylabel("value")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png"))
    plt.close(fig)
    return path


def _page(res: CompareResult, png: Path) -> str:
    img = base64.b64encode(png.read_bytes()).decode()

    def table(df: pd.DataFrame) -> str:
        return df.to_html(float_format=lambda v: f"{v:.6g}", na_rep="", border=0, classes="t") if len(df) else "<p>none</p>"

    ids = ", ".join(_html.escape(r.id) for r in res.runs)
    return ("<!doctype html><html><head><meta charset='utf-8'><title>nexus run comparison</title>"
            "<style>body{font-family:sans-serif;margin:2em}table.t{border-collapse:collapse;font-size:13px}"
            "table.t td,table.t th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style></head><body>"
            f"<h1>Run comparison</h1><p>{ids}</p><h2>Config keys that differ</h2>{table(res.config)}"
            f"<h2>Equity</h2><img src='data:image/png;base64,{img}' style='max-width:100%'>"
            f"<h2>Statistics</h2>{table(res.stats)}</body></html>")


def compare(ids: Sequence[str], *, root: str | os.PathLike | None = None, out: str | os.PathLike | None = None,
            figures: bool = True) -> CompareResult:
    """Compare two or more recorded runs; writes ``equity.png`` and ``compare.html`` into ``out``
    (default ``<root>/compare/<first id>``) unless ``figures`` is false."""
    if isinstance(ids, str):
        ids = [ids]
    if len(ids) < 2:
        raise ConfigError(f"runs compare needs at least two run ids, got {len(ids)}; `nexus runs list` shows them")
    runs = [resolve(i, root) for i in ids]
    res = CompareResult(runs, stats_side_by_side(runs), config_diff(runs))
    if figures:
        folder = Path(out) if out is not None else runs_root(root) / "compare" / runs[0].id
        folder.mkdir(parents=True, exist_ok=True)
        res.figure = _figure(runs, folder / "equity.png")
        res.html = write_atomic(folder / "compare.html", _page(res, res.figure).encode())
    return res
