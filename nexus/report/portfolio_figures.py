"""``pf.plot()``: equity with trades marked, and the drawdown underwater, for one column or group.

Uses ``matplotlib.figure.Figure`` directly (no pyplot state), so it is safe
under the Agg backend and in threads; Jupyter displays the returned Figure
inline. Long series are reduced to at most ``max_points`` per line by taking
each bucket's min and max, so a million bars plot quickly and keep their
extremes.

>>> fig = pf.plot()                      # doctest: +SKIP
>>> pf.plot("equity.png")                # doctest: +SKIP

The first displays inline in Jupyter; the second also writes the PNG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nexus.errors import ConfigError


def _x(ts: np.ndarray | None, idx: np.ndarray) -> np.ndarray:
    if ts is None:
        return idx
    return ts[idx].astype("datetime64[ns]")


def _envelope(y: np.ndarray, max_points: int) -> np.ndarray:
    """Indices keeping each bucket's first, min and max point (visually lossless decimation)."""
    n = y.shape[0]
    if n <= max_points:
        return np.arange(n)
    step = -(-n // (max_points // 3))
    starts = np.arange(0, n, step)
    keep = [starts]
    pad = (-n) % step
    yy = np.r_[y, np.full(pad, y[-1])].reshape(-1, step)
    keep.append(starts + np.argmin(yy, axis=1))
    keep.append(starts + np.argmax(yy, axis=1))
    idx = np.unique(np.concatenate(keep + [np.array([n - 1])]))
    return idx[idx < n]


def plot_equity(value: np.ndarray, init_cash: Any, trades: np.ndarray, *, ts: np.ndarray | None = None,
                groups: np.ndarray | None = None, names: list | None = None, path: str | Path | None = None,
                column: int = 0, max_points: int = 4000, title: str | None = None, dpi: int = 110):
    """Two panels: value with entry (^) and exit (v) markers, and drawdown in % below its running peak.

    ``value`` is ``[n, k]`` per column or group, ``trades`` the trade records
    (per column), ``groups`` the first column of each group plus the column
    count when columns are grouped, ``names`` one label per column of ``value``.
    """
    from matplotlib.figure import Figure

    value = np.asarray(value, dtype=np.float64).reshape(len(value), -1)
    k = value.shape[1]
    if not 0 <= column < k:
        raise ConfigError(f"plot: column {column} is out of range; the portfolio has {k} column(s)/group(s)")
    v = value[:, column]
    init = float(np.asarray(init_cash, dtype=np.float64).reshape(-1)[column])
    peak = np.maximum.accumulate(np.r_[init, v])[1:]
    dd = (v / peak - 1.0) * 100.0
    idx = _envelope(v, max_points)
    fig = Figure(figsize=(11, 6), dpi=dpi)
    ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax1.plot(_x(ts, idx), v[idx], color="#1f5aa6", lw=1.0, label="value")
    if groups is not None:
        cols = np.arange(groups[column], groups[column + 1])
    else:
        cols = np.array([column])
    tr = trades[np.isin(trades["col"], cols)]
    if len(tr):
        ei = tr["entry_idx"]
        long_ = tr["direction"] == 0
        ax1.scatter(_x(ts, ei[long_]), v[ei[long_]], marker="^", color="#2a9d3f", s=18, zorder=3, label="long entry")
        ax1.scatter(_x(ts, ei[~long_]), v[ei[~long_]], marker="v", color="#c0392b", s=18, zorder=3,
                    label="short entry")
        closed = tr[tr["status"] == 1]
        xi = closed["exit_idx"]
        ax1.scatter(_x(ts, xi), v[xi], marker="x", color="#333333", s=14, zorder=3, label="exit")
    ax1.set_ylabel("value")
    ax1.grid(alpha=0.3)
    ax1.legend(loc="upper left", fontsize=8)
    ax1.set_title(title or f"equity - {names[column] if names is not None else column}")
    idd = _envelope(dd, max_points)
    ax2.fill_between(_x(ts, idd), dd[idd], 0.0, color="#c0392b", alpha=0.35, lw=0)
    ax2.set_ylabel("drawdown [%]")
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    if path is not None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(p)
    return fig
