"""Training rows: features and labels per series, cut at the training window, purged, sampled.

For each series (one symbol at one timeframe) the rows before the cut (the
first 60 % by default, or bars before ``--until``) form the training window.
A label at row t reads bars up to t + H, so only rows t <= cut - 1 - H are
used: nothing after the window reaches a model. Inside the window a purged
walk-forward split keeps the last quarter as the out-of-sample validation
fold that decides whether the model beats its naive baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from nexus.data.bars import Bars
from nexus.errors import ConfigError, ModelError
from nexus.models import labels as lab
from nexus.models.features import FeatureMatrix, build_features
from nexus.models.splits import PurgedWalkForward, train_cutoff

EPS_VOL = 1e-7


@dataclass
class SeriesInput:
    """One series to learn from: its bars and, on synthetic data, the true regime codes."""

    bars: Bars
    regimes: np.ndarray | None = None

    @property
    def key(self) -> str:
        return f"{self.bars.symbol}/{self.bars.timeframe}"


@dataclass
class TrainConfig:
    horizon: int = 30  # bars a label looks ahead
    embargo: int | None = None  # rows dropped after the purge (the label horizon) before validation / use; None: the horizon
    train_fraction: float = 0.6
    until_ns: int | None = None
    val_fraction: float = 0.25
    max_rows: int = 120_000  # fit rows per slot over all series (validation: a third of it)
    seed: int = 0
    threads: int = 2
    model_scale: float = 1.0  # multiplies tree counts and boosting rounds (tests use small models)
    walk_forward: bool = True  # False: one model per slot on the first train_fraction of each series
    initial_fraction: float = 0.5  # walk-forward: share of the store's span before the first boundary
    step: str = "auto"  # auto (monthly minute series, quarterly hourly/daily), month, quarter or "<n>d"
    window: str = "expanding"  # or "rolling" (the initial window's length)
    pool_rows: int = 150_000  # rows per series whose features are computed once and sliced per fold
    fold_rows: int = 24_000  # fit rows per fold over all series (validation: a third of it)
    n_boot: int = 300  # block-bootstrap resamples of a fold's validation margin
    confidence: float = 0.95  # a fold's model is used when its margin's interval at this level lies above zero

    @property
    def embargo_rows(self) -> int:
        """The embargo in rows: at least the label horizon (ConfigError below it)."""
        emb = self.horizon if self.embargo is None else int(self.embargo)
        if emb < self.horizon:
            raise ConfigError(f"embargo {emb} rows is shorter than the label horizon {self.horizon}; "
                              "give an embargo of at least the horizon")
        return emb

    def n(self, base: int) -> int:
        """``base`` trees or rounds scaled by ``model_scale`` (at least 5)."""
        return max(5, int(round(base * self.model_scale)))


@dataclass
class Rows:
    """Sampled rows of one fold, pooled over series."""

    X: list[np.ndarray] = field(default_factory=list)
    y: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, X: np.ndarray, y: dict[str, np.ndarray]) -> None:
        self.X.append(X)
        for k, v in y.items():
            self.y.setdefault(k, []).append(v)

    def stack(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        if not self.X:
            raise ModelError("no training rows: every series is shorter than its warm-up plus the label horizon")
        return np.concatenate(self.X), {k: np.concatenate(v) for k, v in self.y.items()}


@dataclass
class TrainingSet:
    names: tuple[str, ...]
    X_fit: np.ndarray
    y_fit: dict[str, np.ndarray]
    X_val: np.ndarray
    y_val: dict[str, np.ndarray]
    windows: dict[str, dict[str, int]]  # series -> {start_ns, end_ns, rows}
    strategy_names: tuple[str, ...]
    regime_source: str  # "synthetic" (true regimes) or "mqscore_rules"
    n_regimes: int
    corrupt_eval: list[dict[str, np.ndarray]]  # per series: anomaly evaluation slices (see anomaly training)

    def cols(self, names: tuple[str, ...] | list[str]) -> list[int]:
        idx = {n: i for i, n in enumerate(self.names)}
        return [idx[n] for n in names]


def default_mq(bars: Bars) -> Any:
    from nexus.mqscore import mqscore

    return mqscore(bars)


def default_signals(bars: Bars) -> Any:
    from nexus.strategies import signals

    return signals(bars)


def cut_index(bars: Bars, cfg: TrainConfig) -> int:
    """Number of rows in the training window of ``bars``."""
    if cfg.until_ns is not None:
        return int(np.searchsorted(bars.ts, cfg.until_ns, side="left"))
    return train_cutoff(len(bars), cfg.train_fraction)


def series_labels(bars: Bars, fm: FeatureMatrix, sig: Any, h: int) -> dict[str, np.ndarray]:
    """Every slot's label (and per-row baseline) over the whole series; NaN where undefined."""
    c = bars.close
    names = {n: i for i, n in enumerate(fm.names)}
    rv = fm.values[:, names["rv_60"]].astype(np.float64)
    fwd_vol = lab.forward_volatility(c, h)
    past_vol = np.full_like(fwd_vol, np.nan)
    past_vol[h:] = fwd_vol[:-h]  # std of r[t-h+1..t]: the naive "last realised volatility"
    fwd = lab.forward_return(c, h)
    scale = rv * np.sqrt(h)
    agg = fm.values[:, names["sig_agg"]].astype(np.float64)
    mom = fm.values[:, names["ret_15"]].astype(np.float64)
    # the trade the pipeline would take: the aggregate's direction, momentum when the aggregate is flat
    side = np.where(agg > 0, 1, np.where(agg < 0, -1, np.where(mom >= 0, 1, -1))).astype(np.int8)
    side[~np.isfinite(agg) | ~np.isfinite(mom)] = 0
    up = np.where(scale > 0, 2.0 * scale, np.nan)
    tb = lab.triple_barrier(c, bars.high, bars.low, side, up, up / 2.0, h)
    edge = side * fwd
    with np.errstate(invalid="ignore", divide="ignore"):
        mult = np.clip(0.5 + 0.5 * edge / (2.0 * scale), 0.0, 1.0)
        meta = lab.strategy_forward_perf(sig.signal, c, h) / np.where(scale > 0, scale, np.nan)[:, None]
    return {
        "vol": np.log(np.maximum(fwd_vol, EPS_VOL)),
        "vol_base": np.log(np.maximum(past_vol, EPS_VOL)),  # NaN stays NaN
        "dir3": lab.forward_direction(c, h, 0.5 * scale),
        "risk3": tb + 1.0,  # 0 adverse, 1 neutral, 2 favourable
        "riskmult": np.where(np.isfinite(edge) & (scale > 0), mult, np.nan),
        "gov": np.where(np.isfinite(edge) & (side != 0), (edge > 0).astype(np.float64), np.nan),
        "meta": meta,
    }


def series_features(s: SeriesInput, h: int, use_true: bool, strategy_names: tuple[str, ...] | None,
                    mq_fn: Callable, sig_fn: Callable) -> tuple[FeatureMatrix, dict[str, np.ndarray], tuple[str, ...]]:
    """One series' feature matrix and labels at horizon ``h``, with its true (``use_true``) and rule regimes.

    ``strategy_names`` is the first series' strategy set (None for the first
    series); it is returned for the next, and a series with another set is refused.
    """
    bars = s.bars
    mq = mq_fn(bars)
    sig = sig_fn(bars)
    if strategy_names is None:
        strategy_names = tuple(sig.names)
    elif tuple(sig.names) != strategy_names:
        raise ModelError(f"{s.key}: strategy set differs from the first series; train on one strategy set")
    fm = build_features(bars, mq, sig)
    y = series_labels(bars, fm, sig, h)
    rule = np.asarray(mq.regime, dtype=np.float64)
    rule[rule < 0] = np.nan  # MQScore codes its warm-up as -1
    if use_true:
        reg = np.asarray(s.regimes, dtype=np.float64)
        if reg.shape[0] != len(bars):
            raise ModelError(f"{s.key}: {reg.shape[0]} regime codes for {len(bars)} bars; rebuild the synthetic store")
    else:
        reg = rule
    y["regime"] = reg
    y["regime_rule"] = rule
    return fm, y, strategy_names


def _sample(idx: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    if idx.size <= k:
        return idx
    return np.sort(rng.choice(idx, size=k, replace=False))


def collect(series: list[SeriesInput], cfg: TrainConfig, *, mq_fn: Callable = default_mq,
            sig_fn: Callable = default_signals, corrupt_fn: Callable | None = None,
            progress: Callable[[str], None] | None = None) -> TrainingSet:
    """Features, labels and baselines of the sampled fit and validation rows of every series."""
    if not series:
        raise ModelError("no series to train on; write bars to the store first (`nexus data synth`)")
    h = cfg.horizon
    rng = np.random.default_rng(cfg.seed)
    # short series go first; whatever they cannot fill passes on to the longer ones
    order = sorted(range(len(series)), key=lambda i: len(series[i].bars))
    budget_fit, budget_val = cfg.max_rows, max(1, cfg.max_rows // 3)
    fit, val = Rows(), Rows()
    windows: dict[str, dict[str, int]] = {}  # insertion order differs from the input; keys sort it
    strategy_names: tuple[str, ...] | None = None
    names: tuple[str, ...] = ()
    use_true = all(s.regimes is not None for s in series)
    corrupt: list[dict[str, np.ndarray]] = []
    for pos, i in enumerate(order):
        s = series[i]
        left = len(series) - pos
        per_fit, per_val = max(1, budget_fit // left), max(1, budget_val // left)
        bars = s.bars
        fm, y, strategy_names = series_features(s, h, use_true, strategy_names, mq_fn, sig_fn)
        names = fm.names
        cut = cut_index(bars, cfg)
        last = cut - 1 - h  # the last row whose label stays inside the window
        first = fm.warmup
        if last - first < 50:
            if progress:
                progress(f"{s.key}: skipped ({cut} rows in the training window, too few after warm-up and horizon)")
            continue
        rows = np.arange(first, last + 1)
        test = max(10, int(rows.size * cfg.val_fraction))
        wf = PurgedWalkForward(n_splits=1, test_size=test, purge=h, embargo=cfg.embargo_rows, min_train=10)
        tr, te = next(wf.split(rows))
        fit_rows = _sample(rows[tr], per_fit, rng)
        val_rows = _sample(rows[te], per_val, rng)
        budget_fit -= fit_rows.size
        budget_val -= val_rows.size
        fit.add(fm.values[fit_rows], {k: v[fit_rows] for k, v in y.items()})
        val.add(fm.values[val_rows], {k: v[val_rows] for k, v in y.items()})
        windows[s.key] = {"start_ns": int(bars.ts[0]), "end_ns": int(bars.ts[cut - 1]), "rows": int(cut)}
        if corrupt_fn is not None:
            corrupt.append(corrupt_fn(bars, int(rows[te][0]), int(rows[te][-1]), mq_fn, sig_fn, rng))
        if progress:
            progress(f"{s.key}: {len(bars):,} bars, window {cut:,} rows, {fit_rows.size:,} fit + {val_rows.size:,} validation rows")
        del fm, y
    X_fit, y_fit = fit.stack()
    X_val, y_val = val.stack()
    n_reg = 5 if use_true else 6
    return TrainingSet(names, X_fit, y_fit, X_val, y_val, windows, strategy_names or (),
                       "synthetic" if use_true else "mqscore_rules", n_reg, corrupt)
