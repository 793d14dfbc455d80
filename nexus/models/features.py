"""Causal feature matrix per bar, float32, for every model slot.

Three groups, each named, each with a declared warm-up:

- bar features (``BAR_FEATURES``): log returns over 1 to 960 bars, realised
  volatility (20, 60, 240, 960) and its ratios, the gap of log rv_60 to its
  long EMA, ranges, volume ratios, Cutler RSI, distance to the 20/100-bar
  means, close location, aggressor flow (taker-buy volume when the bars
  carry it, else close location), drift t-statistics, time of day and day
  of week; warm-up ``BAR_WARMUP`` = 960 rows;
- MQScore features (``MQ_FEATURES``) when ``mq`` is given: the six
  dimensions, composite, gate and the six rule-regime scores;
- signal features (``SIG_FEATURES``) when ``sig`` is given: the layer-4
  aggregate, its mean confidence, long/short/active shares and the
  aggregate's record over the last 100 bars (hit rate, t-stat-like P&L).

Rows before ``warmup`` are NaN. A slot reads the columns named in its
manifest entry: ``fm.select(model.feature_names)``.

>>> from tests.conftest import make_bars
>>> fm = build_features(make_bars(1500))
>>> fm.values.shape, fm.warmup
((1500, 32), 960)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from nexus.data.bars import Bars
from nexus.errors import ModelError, ValidationError
from nexus.models.feature_kernels import (
    ANCHOR, BAR_FEATURES, BAR_WARMUP, LONG_SPAN, SIG_FEATURES, SIG_WINDOW, bar_features_nb, log_ema_gap_nb,
    sig_features_nb,
)

MQ_DIMENSIONS = ("liquidity", "volatility", "momentum", "imbalance", "trend", "noise", "composite")
MQ_FEATURES = tuple(f"mq_{d}" for d in MQ_DIMENSIONS) + ("mq_gate",) + tuple(f"mq_rs_{i}" for i in range(6))
MIN_CONFIDENCE = 0.57  # layer 2: a strategy's signal counts when its confidence >= 0.57
DEFAULT_CHUNK = 16 * ANCHOR


@dataclass(frozen=True)
class FeatureMatrix:
    """Named float32 feature columns, one row per bar; rows ``< warmup`` hold NaN."""

    names: tuple[str, ...]
    values: np.ndarray  # float32 [n, f]
    warmup: int  # first row where every column is defined
    ts: np.ndarray  # int64 [n], bar open times (for the training-window check)

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def select(self, names: Sequence[str]) -> np.ndarray:
        """Columns in the order of ``names`` (a model's feature order); ModelError names any missing."""
        index = {n: i for i, n in enumerate(self.names)}
        missing = [n for n in names if n not in index]
        if missing:
            raise ModelError(
                f"feature(s) {missing[:5]} are not in this feature matrix; pass mq= and/or sig= to "
                "build_features so that the model's feature set is built"
            )
        cols = [index[n] for n in names]
        if cols == list(range(len(self.names))):
            return self.values
        return np.ascontiguousarray(self.values[:, cols])


def _where(bars: Bars) -> str:
    return f"{bars.symbol or '?'} {bars.timeframe or '?'}"


def _check_bars(bars: Bars) -> None:
    if not isinstance(bars, Bars):
        raise ValidationError(f"build_features takes nexus Bars, got {type(bars).__name__}; build them with Bars.from_arrays")
    for name in ("high", "low", "close", "volume"):
        arr = getattr(bars, name)
        bad = ~np.isfinite(arr)
        if name == "close":
            bad |= arr <= 0.0
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValidationError(
                f"{_where(bars)} row {row}: field {name!r} is {arr[row]!r}; features need finite prices "
                "(close > 0); clean the bars first (nexus.data.clean.clean)"
            )


def _flow(bars: Bars) -> np.ndarray:
    """Aggressor imbalance in [-1, 1]: taker-buy volume when present, else close location."""
    v = bars.volume
    if bars.taker_buy_volume is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(v > 0, (2.0 * bars.taker_buy_volume - v) / np.where(v > 0, v, 1.0), 0.0)
        return np.nan_to_num(np.clip(f, -1.0, 1.0))
    rng = bars.high - bars.low
    return np.where(rng > 0, ((bars.close - bars.low) - (bars.high - bars.close)) / np.where(rng > 0, rng, 1.0), 0.0)


def _mq_columns(mq: Any, n: int, where: str) -> np.ndarray:
    out = np.empty((n, len(MQ_FEATURES)), dtype=np.float32)
    for j, d in enumerate(MQ_DIMENSIONS + ("gate",)):
        arr = getattr(mq, d, None)
        if arr is None or np.shape(arr)[0] != n:
            raise ModelError(f"{where}: mq has no per-bar array {d!r} of length {n}; pass nexus.mqscore.mqscore(bars)")
        out[:, j] = np.asarray(arr, dtype=np.float32)
    rs = getattr(mq, "regime_scores", None)
    if rs is None or np.shape(rs) != (n, 6):
        raise ModelError(f"{where}: mq.regime_scores must be [{n}, 6]; pass nexus.mqscore.mqscore(bars)")
    out[:, len(MQ_DIMENSIONS) + 1:] = np.asarray(rs, dtype=np.float32)
    return out


def _first_full_row(values: np.ndarray) -> int:
    ok = np.isfinite(values).all(axis=1)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return len(values)
    # the warm-up is a prefix; a later NaN would be a bug upstream, not warm-up
    return int(idx[0])


def build_features(bars: Bars, mq: Any = None, sig: Any = None, *, chunk: int = DEFAULT_CHUNK) -> FeatureMatrix:
    """The causal feature matrix of ``bars`` (plus MQScore and signal columns when given).

    ``chunk`` rows are computed per kernel call (rounded to a multiple of the
    re-anchoring period, so the result is identical for any chunk size).
    """
    _check_bars(bars)
    n = len(bars)
    chunk = max(ANCHOR, (int(chunk) // ANCHOR) * ANCHOR)
    names: list[str] = list(BAR_FEATURES)
    blocks = [len(BAR_FEATURES)]
    if mq is not None:
        names += MQ_FEATURES
        blocks.append(len(MQ_FEATURES))
    if sig is not None:
        names += SIG_FEATURES
        blocks.append(len(SIG_FEATURES))
    values = np.empty((n, len(names)), dtype=np.float32)
    nb = len(BAR_FEATURES)
    flow = _flow(bars)
    h, l, c = bars.high, bars.low, bars.close
    view = values[:, :nb]  # kernels write straight into the float32 matrix: no float64 copy of it exists
    for a in range(0, n, chunk):
        bar_features_nb(bars.ts, h, l, c, bars.volume, flow, a, min(n, a + chunk), view)
    # the long-run volatility gap is recursive: one ordered pass after the chunks
    log_ema_gap_nb(values[:, BAR_FEATURES.index("rv_60")], LONG_SPAN, values[:, BAR_FEATURES.index("vol_rel_long")])
    col = nb
    if mq is not None:
        values[:, col:col + len(MQ_FEATURES)] = _mq_columns(mq, n, _where(bars))
        col += len(MQ_FEATURES)
    if sig is not None:
        s = np.asarray(getattr(sig, "signal", None))
        cf = np.asarray(getattr(sig, "confidence", None), dtype=np.float32)
        if s.ndim != 2 or s.shape[0] != n or cf.shape != s.shape:
            raise ModelError(f"{_where(bars)}: sig must carry .signal and .confidence of shape [{n}, k]; pass nexus.strategies.signals(bars)")
        s = np.ascontiguousarray(s, dtype=np.int8)
        cf = np.ascontiguousarray(cf)
        view = values[:, col:col + len(SIG_FEATURES)]
        for a in range(0, n, chunk):
            sig_features_nb(s, cf, c, MIN_CONFIDENCE, a, min(n, a + chunk), view)
    warmup = _first_full_row(values) if n else 0
    return FeatureMatrix(names=tuple(names), values=values, warmup=warmup, ts=bars.ts)


__all__ = ["FeatureMatrix", "build_features", "BAR_FEATURES", "MQ_FEATURES", "SIG_FEATURES", "BAR_WARMUP", "SIG_WINDOW"]
