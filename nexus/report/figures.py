"""Matplotlib figures of a backtest, drawn on ``Figure`` objects (no pyplot state, any backend).

Each function returns a Figure; :func:`save_all` writes every figure as PNG
and returns ``{name: path}``. Long series are thinned to ``max_points`` so
a 950k-bar book plots in well under a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

COLORS = {"strategy": "#1f4e79", "sma_crossover": "#c55a11", "buy_and_hold": "#7f7f7f"}
REGIME_COLORS = ["#d62728", "#2ca02c", "#9467bd", "#17becf", "#bcbd22", "#dddddd"]


def _thin(s: pd.Series, max_points: int) -> pd.Series:
    step = max(1, len(s) // max_points)
    return s.iloc[::step]


def _x(index) -> np.ndarray:
    """Plain datetime64 x values: matplotlib converts them much faster than a tz-aware pandas index."""
    return np.asarray(pd.DatetimeIndex(index).tz_localize(None), dtype="datetime64[ns]")


def _dates(*axes) -> None:
    import matplotlib.dates as mdates

    for ax in axes:
        loc = mdates.AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def _norm(s: pd.Series) -> pd.Series:
    return s / s.iloc[0] * 100.0 if len(s) and s.iloc[0] else s


def equity_drawdown(res: Any, max_points: int = 4000) -> Figure:
    books = list(res.books.values())
    fig = Figure(layout="constrained", figsize=(11, 3.2 * len(books) + 0.5))
    gs = fig.add_gridspec(2 * len(books), 1, height_ratios=[3, 1] * len(books))
    for i, b in enumerate(books):
        ax = fig.add_subplot(gs[2 * i])
        e = _thin(b.equity, max_points)
        ax.plot(_x(e.index), _norm(e).to_numpy(), color=COLORS["strategy"], lw=1.2, label=f"{b.name} pipeline")
        for name, base in b.baselines.items():
            be = _thin(base.equity, max_points)
            ax.plot(_x(be.index), _norm(be).to_numpy(), color=COLORS.get(name, "#999999"), lw=0.9, alpha=0.9, label=name)
        ax.set_title(f"{b.name}: equity (start = 100)", fontsize=10, loc="left")
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(alpha=0.3)
        ax2 = fig.add_subplot(gs[2 * i + 1], sharex=ax)
        d = _thin(b.drawdown, max_points) * 100
        ax2.fill_between(_x(d.index), d.to_numpy(), 0, color="#c00000", alpha=0.4, lw=0)
        ax2.set_ylabel("drawdown %", fontsize=8)
        ax2.grid(alpha=0.3)
        _dates(ax, ax2)
    return fig


def monthly_returns(res: Any) -> Figure:
    b = res.main
    m = b.equity.resample("ME").last()
    prev = m.shift(1)
    prev.iloc[0] = b.capital
    r = (m / prev - 1.0) * 100
    table = pd.DataFrame({"year": r.index.year, "month": r.index.month, "r": r.to_numpy()})
    grid = table.pivot(index="year", columns="month", values="r").reindex(columns=range(1, 13))
    fig = Figure(layout="constrained", figsize=(11, 1.2 + 0.6 * max(1, len(grid))))
    ax = fig.add_subplot(111)
    vals = grid.to_numpy(dtype=float)
    lim = np.nanmax(np.abs(vals)) if np.isfinite(vals).any() else 1.0
    im = ax.imshow(vals, cmap="RdYlGn", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(12), ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])
    ax.set_yticks(range(len(grid)), [str(y) for y in grid.index])
    for (i, j), v in np.ndenumerate(vals):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=8)
    ax.set_title(f"{b.name}: monthly returns [%]", fontsize=10, loc="left")
    fig.colorbar(im, ax=ax, fraction=0.025)
    return fig


def rolling_sharpe(res: Any, window_days: int = 30) -> Figure:
    b = res.main
    fig = Figure(layout="constrained", figsize=(11, 3.5))
    ax = fig.add_subplot(111)
    series = {"pipeline": b.daily_returns}
    for name, base in b.baselines.items():
        e = base.equity.resample("1D").last().dropna()
        prev = e.shift(1)
        prev.iloc[0] = b.capital
        series[name] = e / prev - 1.0
    for name, r in series.items():
        w = min(window_days, max(2, len(r) // 2))
        rs = r.rolling(w).mean() / r.rolling(w).std() * np.sqrt(365)
        ax.plot(_x(rs.index), rs.to_numpy(), lw=1.1, color=COLORS.get(name, COLORS["strategy"]), label=name)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_title(f"{b.name}: rolling Sharpe ({window_days} days, annualised with 365 days)", fontsize=10, loc="left")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    _dates(ax)
    return fig


def funnel(res: Any) -> Figure:
    books = list(res.books.values())
    fig = Figure(layout="constrained", figsize=(11, 1.0 + 3.2 * len(books)))
    for i, b in enumerate(books):
        ax = fig.add_subplot(len(books), 1, i + 1)
        f = b.funnel["total"]
        # log10 by hand: a log axis costs more to draw than the whole chart
        vals = np.log10(np.maximum(f.to_numpy(dtype=float), 1.0))
        y = np.arange(len(f))[::-1]
        ax.barh(y, vals, color=COLORS["strategy"], alpha=0.85)
        top = int(np.ceil(max(vals.max(), 1.0)))
        ax.set_xticks(range(top + 1), [f"1e{p}" for p in range(top + 1)])
        ax.set_yticks(y, list(f.index), fontsize=8)
        for yy, v, lv in zip(y, f.to_numpy(), vals):
            ax.text(lv, yy, f" {int(v):,}", va="center", fontsize=8)
        ax.set_title(f"{b.name}: layer funnel (all series)", fontsize=10, loc="left")
        ax.grid(alpha=0.3, axis="x")
    return fig


def mqscore_regimes(res: Any) -> Figure:
    b = res.main
    p = b.mq_plot
    names = list(p["regime_names"])  # the pipeline passes MQScore's names down with the arrays
    idx = np.asarray(p["ts"]).astype("datetime64[ns]")
    fig = Figure(layout="constrained", figsize=(11, 5))
    ax = fig.add_subplot(211)
    ax.plot(idx, p["close"], color="black", lw=0.8)
    reg = np.asarray(p["regime"])
    # one shaded band per regime (a few calls, however many regime changes there are)
    lo, hi = np.nanmin(p["close"]), np.nanmax(p["close"])
    for code in range(len(names)):
        mask = reg == code
        if mask.any():
            ax.fill_between(idx, lo, hi, where=mask, step="post", color=REGIME_COLORS[code], alpha=0.25, lw=0)
    handles = [ax.fill_between([], [], color=REGIME_COLORS[i], alpha=0.4, label=n) for i, n in enumerate(names)]
    ax.legend(handles=handles, fontsize=7, ncol=3, loc="upper left")
    ax.set_title(f"{p['series'][0]}: close with MQScore regimes", fontsize=10, loc="left")
    ax2 = fig.add_subplot(212, sharex=ax)
    ax2.plot(idx, p["composite"], color=COLORS["strategy"], lw=0.8)
    gate = res.config.layers.quality.min_composite
    ax2.axhline(gate, color="#c00000", lw=0.8, ls="--", label=f"gate {gate}")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("composite")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    _dates(ax, ax2)
    return fig


def attribution(res: Any) -> Figure:
    att = res.attribution
    fig = Figure(layout="constrained", figsize=(11, 1.0 + 0.28 * max(1, len(att))))
    ax = fig.add_subplot(111)
    if len(att):
        a = att.sort_values("pnl")
        colors = ["#2ca02c" if v >= 0 else "#d62728" for v in a["pnl"]]
        ax.barh(range(len(a)), a["pnl"].to_numpy(), color=colors)
        ax.set_yticks(range(len(a)), [f"{n} ({g})" for n, g in zip(a.index, a["group"])], fontsize=8)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_title("strategy attribution: trade P&L split by vote share (all books)", fontsize=10, loc="left")
    ax.grid(alpha=0.3, axis="x")
    return fig


FIGURES: dict[str, Callable[[Any], Figure]] = {
    "equity_drawdown": equity_drawdown,
    "monthly_returns": monthly_returns,
    "rolling_sharpe": rolling_sharpe,
    "funnel": funnel,
    "mqscore_regimes": mqscore_regimes,
    "attribution": attribution,
}


DPI = 80


def render_png(fig: Figure, dpi: int = DPI) -> bytes:
    import io

    import warnings

    buf = io.BytesIO()
    with warnings.catch_warnings():
        # a book spanning a few bars makes the date locator complain; its fallback is fine
        warnings.filterwarnings("ignore", message="AutoDateLocator was unable", category=UserWarning)
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def save_all(res: Any, out: str | Path, dpi: int = DPI) -> dict[str, Path]:
    out = Path(out)
    paths = {}
    for name, fn in FIGURES.items():
        path = out / f"{name}.png"
        path.write_bytes(render_png(fn(res), dpi))
        paths[name] = path
    return paths
