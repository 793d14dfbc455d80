"""Shared rolling primitives and technical indicators.

Kernels live in :mod:`nexus.indicators.rolling` and
:mod:`nexus.indicators.technical` (numba, 1-D). The functions here accept a
1-D array or a 2-D ``[n_bars, n_cols]`` array (computed column by column) and
return the same shape as float64.

>>> import numpy as np
>>> from nexus import indicators as ind
>>> ind.sma(np.arange(5.0), 3).tolist()
[nan, nan, 1.0, 2.0, 3.0]
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nexus.errors import ConfigError, ValidationError
from nexus.indicators import rolling as _r
from nexus.indicators import technical as _t
from nexus.indicators.histogram import rolling_max_bin_share_nb
from nexus.indicators.quantile import rolling_quantile


def _as_float(x: object, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim not in (1, 2):
        raise ValidationError(f"{name}: expected a 1-D or 2-D array, got shape {a.shape}")
    return a


def _window(n: int, name: str) -> int:
    if int(n) != n or n < 1:
        raise ConfigError(f"{name}: window must be a positive integer, got {n!r}")
    return int(n)


def _columns(kernel: Callable, arrays: list[np.ndarray], *args) -> np.ndarray | tuple[np.ndarray, ...]:
    """Apply a 1-D kernel to 1-D inputs or column by column to 2-D inputs."""
    first = arrays[0]
    if first.ndim == 1:
        return kernel(*[np.ascontiguousarray(a) for a in arrays], *args)
    outs = None
    for j in range(first.shape[1]):
        res = kernel(*[np.ascontiguousarray(a[:, j]) for a in arrays], *args)
        res_t = res if isinstance(res, tuple) else (res,)
        if outs is None:
            outs = [np.empty(first.shape) for _ in res_t]
        for o, r in zip(outs, res_t):
            o[:, j] = r
    if outs is None:
        outs = [np.empty(first.shape)]
    return tuple(outs) if len(outs) > 1 else outs[0]


def _unary(kernel: Callable, name: str):
    def fn(x, n: int, *args) -> np.ndarray:
        return _columns(kernel, [_as_float(x, name)], _window(n, name), *args)

    fn.__name__ = name
    fn.__doc__ = f"{name}(x, n) over the trailing n bars; see nexus.indicators.rolling.{kernel.__name__}."
    return fn


sma = _unary(_r.rolling_mean_nb, "sma")
rolling_sum = _unary(_r.rolling_sum_nb, "rolling_sum")
rolling_min = _unary(_r.rolling_min_nb, "rolling_min")
rolling_max = _unary(_r.rolling_max_nb, "rolling_max")
ema = _unary(_r.ema_nb, "ema")
wilder = _unary(_r.wilder_nb, "wilder")
roc = _unary(_t.roc_nb, "roc")
rsi = _unary(_t.rsi_nb, "rsi")


def rolling_std(x, n: int, ddof: int = 0) -> np.ndarray:
    """Rolling standard deviation (population by default; ddof=1 for the sample one)."""
    return _columns(_r.rolling_std_nb, [_as_float(x, "rolling_std")], _window(n, "rolling_std"), int(ddof))


def rolling_var(x, n: int, ddof: int = 0) -> np.ndarray:
    return _columns(_r.rolling_var_nb, [_as_float(x, "rolling_var")], _window(n, "rolling_var"), int(ddof))


def zscore(x, n: int, ddof: int = 0) -> np.ndarray:
    return _columns(_r.rolling_zscore_nb, [_as_float(x, "zscore")], _window(n, "zscore"), int(ddof))


def rolling_cov(x, y, n: int, ddof: int = 0) -> np.ndarray:
    return _columns(_r.rolling_cov_nb, [_as_float(x, "rolling_cov"), _as_float(y, "rolling_cov")], _window(n, "rolling_cov"), int(ddof))


def rolling_corr(x, y, n: int) -> np.ndarray:
    return _columns(_r.rolling_corr_nb, [_as_float(x, "rolling_corr"), _as_float(y, "rolling_corr")], _window(n, "rolling_corr"))


def returns(close) -> np.ndarray:
    return _columns(_t.returns_nb, [_as_float(close, "returns")])


def atr(high, low, close, n: int = 14) -> np.ndarray:
    return _columns(_t.atr_nb, [_as_float(a, "atr") for a in (high, low, close)], _window(n, "atr"))


def macd(close, fast: int = 12, slow: int = 26, signal: int = 9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(macd line, signal line, histogram)."""
    return _columns(_t.macd_nb, [_as_float(close, "macd")], _window(fast, "macd"), _window(slow, "macd"), _window(signal, "macd"))


def bollinger(close, n: int = 20, k: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(middle, upper, lower)."""
    return _columns(_t.bollinger_nb, [_as_float(close, "bollinger")], _window(n, "bollinger"), float(k))


def vwap(high, low, close, volume, n: int) -> np.ndarray:
    return _columns(_t.vwap_nb, [_as_float(a, "vwap") for a in (high, low, close, volume)], _window(n, "vwap"))


def adx(high, low, close, n: int = 14) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ADX, +DI, -DI)."""
    return _columns(_t.adx_nb, [_as_float(a, "adx") for a in (high, low, close)], _window(n, "adx"))


__all__ = [
    "sma", "ema", "wilder", "rolling_sum", "rolling_std", "rolling_var", "rolling_min", "rolling_max",
    "rolling_corr", "rolling_cov", "zscore", "rsi", "atr", "macd", "bollinger", "vwap", "adx", "returns", "roc",
    "rolling_quantile", "rolling_max_bin_share_nb",
]
