"""Evaluate one chunk of parameter columns: signals -> one simulator call -> per-column metrics.

:class:`ChunkEvaluator` is a plain picklable callable so the Ray engine can
ship it to workers; the bar arrays travel separately (once, zero-copy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from nexus.data.bars import Bars
from nexus.metrics.returns import daily_returns
from nexus.errors import ConfigError


def bars_to_data(bars: Bars) -> dict:
    """Bars -> plain dict of arrays plus names (what the engines ship)."""
    return {"arrays": bars.arrays(), "symbol": bars.symbol, "timeframe": bars.timeframe}


def data_to_bars(data: dict) -> Bars:
    return Bars.from_arrays(symbol=data["symbol"], timeframe=data["timeframe"], **data["arrays"])


def signal_matrix(bars: Bars, strategy: str | Callable, params: Sequence[dict]) -> np.ndarray:
    """int8 signals [n_bars, len(params)] for one strategy over many parameter sets."""
    if callable(strategy):
        cols = [np.asarray(_first(strategy(bars, **p)), dtype=np.int8) for p in params]
        return np.column_stack(cols) if cols else np.zeros((len(bars), 0), np.int8)
    from nexus import strategies

    return strategies.signal_columns(bars, strategy, list(params))


def _first(out: Any) -> np.ndarray:
    return out[0] if isinstance(out, tuple) else out


def value_stats(value: np.ndarray, ts: np.ndarray, init_cash: float, year_days: float | None) -> dict[str, np.ndarray]:
    """Return and drawdown statistics per column (the definitions of :mod:`nexus.metrics.returns`)."""
    from nexus.metrics.returns import BASIS_KEYS, resolve_basis, return_stats

    ends, ppy, basis = resolve_basis(value.shape[0], ts, None, "daily", year_days, None)
    init = np.full(value.shape[1], float(init_cash))
    out = return_stats(value, init, ends, ppy)
    out[BASIS_KEYS[basis]] = np.full(value.shape[1], ppy)
    return out


@dataclass
class ChunkEvaluator:
    strategy: str | Callable
    sim: dict = field(default_factory=dict)  # keyword arguments of Portfolio.from_signals
    direction: str = "long"
    year_days: float | None = None  # None: 365 when the bars trade on weekends, else 252
    start_idx: int = 0  # trade only bars >= start_idx (walk-forward out-of-sample); signals use all bars

    def __call__(self, data: dict, params: Sequence[dict]) -> dict:
        from nexus.portfolio import Portfolio

        bars = data_to_bars(data)
        sig = signal_matrix(bars, self.strategy, params)
        if sig.shape != (len(bars), len(params)):
            raise ConfigError(f"strategy {self.strategy!r} returned signals of shape {sig.shape}, expected {(len(bars), len(params))}")
        s = slice(self.start_idx, None)
        b = bars[s]
        sig = sig[s]
        kw = dict(self.sim)
        long_ok = self.direction in ("long", "both")
        short_ok = self.direction in ("short", "both")
        pf = Portfolio.from_signals(
            b.close,
            entries=(sig == 1) if long_ok else np.zeros(sig.shape, bool),
            exits=(sig == -1) if long_ok else np.zeros(sig.shape, bool),
            short_entries=(sig == -1) if short_ok else None,
            short_exits=(sig == 1) if short_ok else None,
            direction=self.direction,
            open=b.open,
            high=b.high,
            low=b.low,
            volume=b.volume if kw.get("slippage_model") == "volume" else None,
            **kw,
        )
        value = np.asarray(pf.value, dtype=np.float64).reshape(len(b), -1)
        cash = float(kw.get("init_cash", 10_000.0))
        day_ts, dret = daily_returns(value, b.ts, cash)
        return {
            "day_ts": day_ts, "daily_returns": dret, "stats": value_stats(value, b.ts, cash, self.year_days),
            "final_value": value[-1].copy(), "n_trades": _trade_counts(pf, value.shape[1]),
        }


def _trade_counts(pf, k: int) -> np.ndarray:
    trades = pf.trades
    if trades is None or len(trades) == 0:
        return np.zeros(k, np.int64)
    return np.bincount(np.asarray(trades["col"], dtype=np.int64), minlength=k)
