"""Injected data faults for judging the anomaly scorers out of sample.

An anomaly scorer has no label to beat, so it is judged on faults a feed
really produces, injected into a validation slice: price spikes that revert,
volume bursts (x50) and stale bars (open = high = low = close = previous
close, no volume). The naive baseline is |return z-score|, which sees spikes
but not stale bars or volume bursts.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from nexus.data.bars import Bars
from nexus.models.feature_kernels import LONGEST
from nexus.models.features import build_features

SLICE = 20_000
SPACING = 150  # bars between faults, so each fault's rolling echo stays apart
ECHO = 100  # rows after a fault that are neither faulty nor clean


def inject_faults(bars: Bars, rows: np.ndarray, rng: np.random.Generator) -> tuple[Bars, np.ndarray]:
    """A copy of ``bars`` with one fault per row in ``rows``; returns (bars, kind per row 0 spike 1 volume 2 stale)."""
    o, h, l, c, v = (np.array(a, dtype=np.float64) for a in (bars.open, bars.high, bars.low, bars.close, bars.volume))
    tb = None if bars.taker_buy_volume is None else np.array(bars.taker_buy_volume, dtype=np.float64)
    r = np.abs(np.diff(np.log(c)))
    typical = float(np.median(r[r > 0])) if np.any(r > 0) else 1e-3
    kinds = rng.integers(0, 3, size=rows.size)
    for i, kind in zip(rows, kinds):
        if kind == 0:
            sign = 1.0 if rng.random() < 0.5 else -1.0
            c[i] = c[i] * (1.0 + sign * 25.0 * typical)
            h[i] = max(h[i], c[i], o[i])
            l[i] = min(l[i], c[i], o[i])
        elif kind == 1:
            v[i] *= 50.0
            if tb is not None:
                tb[i] *= 50.0
        else:
            p = c[i - 1]
            o[i] = h[i] = l[i] = c[i] = p
            v[i] = 0.0
            if tb is not None:
                tb[i] = 0.0
    arrays = dict(open=o, high=h, low=l, close=c, volume=v)
    if tb is not None:
        arrays["taker_buy_volume"] = tb
    return bars.with_columns(**arrays), kinds


def corrupt_eval(bars: Bars, v0: int, v1: int, mq_fn: Callable, sig_fn: Callable,
                 rng: np.random.Generator) -> dict[str, Any]:
    """Features of a faulty copy of a validation slice, with masks of faulty and clean rows."""
    a = max(0, v0 - LONGEST - 200)  # enough history for the slice's features to be defined at v0
    b = min(v1 + 1, a + SLICE)
    part = bars[a:b]
    n = len(part)
    start = min(n, max(v0 - a, LONGEST) + ECHO)
    rows = np.arange(start, n - 1, SPACING)
    bad_bars, kinds = inject_faults(part, rows, rng)
    fm = build_features(bad_bars, mq_fn(bad_bars), sig_fn(bad_bars))
    bad = np.zeros(n, dtype=bool)
    bad[rows] = True
    echo = np.zeros(n, dtype=bool)
    for i in rows:
        echo[i:i + ECHO] = True
    clean = ~echo
    clean[:start] = False
    zcol = fm.names.index("ret_z_60")
    return {"X": fm.values, "names": fm.names, "bad": bad, "clean": clean,
            "baseline": np.abs(fm.values[:, zcol].astype(np.float64)), "kinds": kinds}
