"""The stylized-facts figure: ACF of r and |r|, a normal QQ plot, the intraday profile.

>>> import numpy as np
>>> from nexus.metrics.stylized import facts_from_arrays
>>> n = 60 * 24 * 60
>>> ts = np.arange(n, dtype=np.int64) * 60_000_000_000
>>> c = 100 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 1e-3, n)))
>>> fig = facts_figure(facts_from_arrays(ts, c, c, np.ones(n), timeframe_ns=60_000_000_000))
>>> len(fig.axes)  # four panels and the volatility axis twinned on the last
5
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from nexus.report.figures import render_png


def facts_figure(facts) -> Figure:
    """Four panels from :class:`nexus.metrics.stylized.StylizedFacts` ``.plot`` data."""
    p = facts.plot
    fig = Figure(figsize=(11, 7.5), constrained_layout=True)
    (a1, a2), (a3, a4) = fig.subplots(2, 2)
    lags = p["acf_lags"]
    band = 1.96 / np.sqrt(max(facts.figures["returns"], 1))  # white-noise 95 % band
    clock = facts.figures["clock"]
    for ax, key, title in ((a1, "acf_r", "ACF of returns r"), (a2, "acf_abs_r", "ACF of |r| (volatility clustering)")):
        ax.bar(lags, p[key], width=1.0, color="tab:blue")
        ax.axhspan(-band, band, color="0.85", zorder=0)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_title(f"{title}, {clock} clock")
        ax.set_xlabel(f"lag ({clock})")
    a3.plot(p["qq_theory"], p["qq_sample"], ".", ms=3, color="tab:red")
    lim = float(np.nanmax(np.abs(p["qq_theory"])))
    a3.plot([-lim, lim], [-lim, lim], "k-", lw=0.8)
    a3.set_title(f"QQ plot of standardised {clock} returns vs normal")
    a3.set_xlabel("normal quantile")
    a3.set_ylabel("sample quantile")
    hours = np.arange(24)
    a4.bar(hours, p["hour_volume"], color="0.7", label="mean volume")
    a4.set_xlabel("hour of day (UTC)")
    a4.set_ylabel("mean volume per bar")
    tw = a4.twinx()
    tw.plot(hours, p["hour_volatility"], "o-", color="tab:orange", label="volatility")
    tw.set_ylabel("sd of bar returns")
    a4.set_title("intraday volume and volatility")
    fig.suptitle(f"stylized facts: {facts.name}")
    return fig


def save_facts_figure(facts, path: str | Path) -> Path:
    """Render the figure to a PNG at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_png(facts_figure(facts)))
    return path


__all__ = ["facts_figure", "save_facts_figure"]
