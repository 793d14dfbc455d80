"""``mqscore(bars)``: validate, run the kernels (in parallel over symbols), wrap the arrays."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Mapping, Sequence, overload

import numpy as np

from nexus.data.bars import Bars
from nexus.errors import ConfigError, ValidationError
from nexus.indicators.savgol import savgol_causal_coeffs
from nexus.mqscore.composite import composite_nb, regime_gate_nb, rule_scores_nb
from nexus.mqscore.config import (
    COMPONENT_NAMES, DIMENSIONS, GRADE_FLOORS, GRADE_NAMES, REGIME_NAMES, MQConfig,
)
from nexus.mqscore.kernels_engine import check_bars_nb, engine_nb

SG_COEFFS = savgol_causal_coeffs(21, 3)
_BAD = {
    1: ("open/high/low/close", "is not finite", "drop or repair the row (nexus.data.clean.clean)"),
    2: ("open/high/low/close", "is <= 0", "prices must be positive; drop or repair the row"),
    3: ("high", "is below low", "swap or repair the row (clean(policy='repair'))"),
    4: ("volume", "is negative or not finite", "set missing volume to 0 or drop the row"),
    5: ("taker_buy_volume", "is not within [0, volume]", "repair the column or use MQConfig(imbalance_source='bar_direction')"),
}


@dataclass(eq=False)
class MQScore:
    """Market quality per bar. Dimensions, composite and confidence are float64 (NaN in
    warm-up); ``grade`` / ``regime`` are int8 codes into ``GRADE_NAMES`` / ``REGIME_NAMES``
    (-1 in warm-up); ``regime_scores`` is float32 [n, 6]; ``gate`` is bool (False in warm-up).
    """

    ts: np.ndarray
    liquidity: np.ndarray
    volatility: np.ndarray
    momentum: np.ndarray
    imbalance: np.ndarray
    trend: np.ndarray
    noise: np.ndarray
    composite: np.ndarray
    grade: np.ndarray
    regime: np.ndarray
    regime_scores: np.ndarray
    confidence: np.ndarray
    gate: np.ndarray
    symbol: str = ""
    timeframe: str = ""
    config: MQConfig = field(default_factory=MQConfig, repr=False)

    def __len__(self) -> int:
        return int(self.composite.shape[0])

    def dims(self) -> np.ndarray:
        """The six dimensions as one [n, 6] array (order of ``DIMENSIONS``)."""
        return np.column_stack([getattr(self, d) for d in DIMENSIONS])

    def grade_names(self) -> np.ndarray:
        names = np.array(("",) + GRADE_NAMES, dtype=object)
        return names[self.grade.astype(np.int64) + 1]

    def regime_names(self) -> np.ndarray:
        names = np.array(("",) + REGIME_NAMES, dtype=object)
        return names[self.regime.astype(np.int64) + 1]

    def to_pandas(self):
        """DataFrame indexed by UTC time: dimensions, composite, grade/regime names, confidence, gate."""
        import pandas as pd

        from nexus.data.timeframes import ns_to_datetime_index

        data = {d: getattr(self, d) for d in DIMENSIONS}
        data.update(composite=self.composite, grade=self.grade_names(), regime=self.regime_names(),
                    confidence=self.confidence, gate=self.gate)
        return pd.DataFrame(data, index=ns_to_datetime_index(self.ts))

    def summary(self) -> dict:
        """Share of bars passing the gate, regime shares and mean dimensions over scored bars."""
        ok = self.regime >= 0
        n = int(ok.sum())
        out = {"bars": len(self), "scored": n, "gate_share": float(self.gate[ok].mean()) if n else float("nan")}
        out["regimes"] = {name: float((self.regime[ok] == i).mean()) if n else float("nan") for i, name in enumerate(REGIME_NAMES)}
        out["means"] = {d: float(np.mean(getattr(self, d)[ok])) if n else float("nan") for d in DIMENSIONS + ("composite",)}
        return out


def _where(bars: Bars) -> str:
    return f"{bars.symbol or '?'} {bars.timeframe or '?'}"


def _prepare(bars: Bars, config: MQConfig):
    if not isinstance(bars, Bars):
        raise ValidationError(f"mqscore: expected nexus Bars (or a list/dict of them), got {type(bars).__name__}")
    n = len(bars)
    if n == 0:
        raise ValidationError(f"mqscore {_where(bars)}: no bars; read a non-empty range")
    _check_ts(bars)
    src = config.imbalance_source
    has_tb = bars.has("taker_buy_volume")
    if src == "taker_buy" and not has_tb:
        raise ConfigError(f"mqscore {_where(bars)}: imbalance_source='taker_buy' but the bars carry no taker_buy_volume; use 'auto' or 'bar_direction'")
    use_taker = has_tb and src in ("auto", "taker_buy")
    arrs = [np.ascontiguousarray(getattr(bars, c), dtype=np.float64) for c in ("open", "high", "low", "close", "volume")]
    taker = np.ascontiguousarray(bars.taker_buy_volume, dtype=np.float64) if use_taker else np.zeros(1)
    row, code = check_bars_nb(*arrs, taker, use_taker)
    if code:
        fld, what, fix = _BAD[code]
        raise ValidationError(f"mqscore {_where(bars)} row {row}: {fld} {what}; {fix}")
    return arrs, taker, use_taker


def _check_ts(bars: Bars) -> None:
    """Rolling windows count bars: unsorted or repeated timestamps would silently mix time."""
    ts = np.asarray(bars.ts)
    bad = np.flatnonzero(ts[1:] <= ts[:-1])
    if bad.size:
        r = int(bad[0]) + 1
        what = "repeats the timestamp of" if ts[r] == ts[r - 1] else "is earlier than"
        raise ValidationError(
            f"mqscore {_where(bars)} row {r}: timestamp {np.datetime64(int(ts[r]), 'ns')} {what} row {r - 1} "
            f"({bad.size} such row(s)); timestamps must be sorted and unique: sort them and drop duplicates "
            f"(nexus.data.validate.clean(bars, policy='drop'))"
        )


def _one(bars: Bars, config: MQConfig) -> MQScore:
    (o, h, lo, c, v), taker, use_taker = _prepare(bars, config)
    W = int(config.window)
    warm = W - 1
    wcomp = np.concatenate([config.component_weight_vector(d) for d in DIMENSIONS])
    dims, _ = engine_nb(o, h, lo, c, v, taker, use_taker, W, SG_COEFFS, wcomp, False)
    comp, grade = composite_nb(dims, config.weight_vector(), np.array(GRADE_FLOORS), warm)
    if config.regime_model is None:
        scores = rule_scores_nb(dims, warm, config.regime_rule == "consistent")
    else:
        scores = _model_scores(config.regime_model, dims, warm, _where(bars))
    regime, conf, gate = regime_gate_nb(scores, comp, dims[0], config.crisis_mask(),
                                        float(config.min_composite), float(config.min_liquidity), warm)
    return MQScore(
        ts=bars.ts, liquidity=dims[0], volatility=dims[1], momentum=dims[2], imbalance=dims[3],
        trend=dims[4], noise=dims[5], composite=comp, grade=grade, regime=regime,
        regime_scores=scores, confidence=conf, gate=gate, symbol=bars.symbol, timeframe=bars.timeframe,
        config=config,
    )


def _model_scores(model, dims: np.ndarray, warm: int, where: str) -> np.ndarray:
    n = dims.shape[1]
    scores = np.full((n, 6), np.nan, np.float32)
    if n <= warm:
        return scores
    got = np.asarray(model(np.ascontiguousarray(dims[:, warm:].T)), dtype=np.float32)
    if got.shape != (n - warm, 6) or not np.all(np.isfinite(got)):
        raise ConfigError(f"mqscore {where}: regime_model must return finite scores of shape ({n - warm}, 6), got {got.shape}")
    scores[warm:] = got
    return scores


@overload
def mqscore(bars: Bars, config: MQConfig | None = None) -> MQScore: ...
@overload
def mqscore(bars: Sequence[Bars], config: MQConfig | None = None) -> list[MQScore]: ...
@overload
def mqscore(bars: Mapping[str, Bars], config: MQConfig | None = None) -> dict[str, MQScore]: ...


def mqscore(bars, config: MQConfig | None = None, *, workers: int | None = None):
    """Six-dimension market quality, composite, grade, regime and gate for every bar.

    ``bars``: one :class:`Bars`, a list of them or a dict name -> Bars; several
    symbols are scored in parallel threads (the kernels release the GIL),
    ``workers`` threads (default: one per core).

    >>> from tests.conftest import make_bars
    >>> q = mqscore(make_bars(400))
    >>> bool(np.isnan(q.composite[198])), 0.0 <= q.composite[399] <= 1.0, q.gate[:199].any()
    (True, True, False)
    """
    config = MQConfig() if config is None else config
    if not isinstance(config, MQConfig):
        raise ConfigError(f"mqscore: config must be an MQConfig, got {type(config).__name__}")
    if isinstance(bars, Bars):
        return _one(bars, config)
    if isinstance(bars, Mapping):
        keys = list(bars)
        items = [bars[k] for k in keys]
    elif isinstance(bars, (list, tuple)):
        keys = None
        items = list(bars)
    else:
        raise ValidationError(f"mqscore: expected Bars, a list of Bars or a dict of Bars, got {type(bars).__name__}")
    n_workers = max(1, min(len(items), workers or os.cpu_count() or 1))
    if n_workers == 1 or len(items) <= 1:
        results = [_one(b, config) for b in items]
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            results = list(pool.map(lambda b: _one(b, config), items))
    return dict(zip(keys, results)) if keys is not None else results


def components(bars: Bars, config: MQConfig | None = None) -> dict[str, np.ndarray]:
    """Every component as ``"dimension.component" -> array`` (clipped, neutral-filled; warm-up rows not masked).

    For inspection and tests; :func:`mqscore` does not keep them.
    """
    config = MQConfig() if config is None else config
    (o, h, lo, c, v), taker, use_taker = _prepare(bars, config)
    wcomp = np.concatenate([config.component_weight_vector(d) for d in DIMENSIONS])
    _, comps = engine_nb(o, h, lo, c, v, taker, use_taker, int(config.window), SG_COEFFS, wcomp, True)
    names = [f"{dim}.{name}" for dim in DIMENSIONS for name in COMPONENT_NAMES[dim]]
    return dict(zip(names, comps))
