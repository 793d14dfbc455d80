"""Series shared by several strategies, computed once per ``signals`` call.

Twenty strategies read the same few intermediates (returns, ATR, volume
z-scores, aggressor delta, rolling sums). :class:`Context` computes each on
first use and keeps it keyed by its parameters, so the whole matrix pays for
every series once. Strategies receive a context from ``signals``; called on
their own they build one.

>>> from tests.conftest import make_bars          # doctest: +SKIP
>>> ctx = Context(make_bars(500))                  # doctest: +SKIP
>>> ctx.atr(14) is ctx.atr(14)                     # doctest: +SKIP
True
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nexus.data.bars import Bars
from nexus.errors import ValidationError
from nexus.indicators.flow import aggressor_delta_nb
from nexus.indicators.profile import price_bins_nb, rolling_profile_nb
from nexus.indicators.rolling import (
    rolling_extreme_nb, rolling_mean_nb, rolling_mean_std_nb, rolling_sum_nb, zscore_from_nb,
)
from nexus.indicators.technical import returns_nb, true_range_nb, vwap_nb
from nexus.strategies.validate_nb import first_bad_nb, first_bad_taker_nb, first_unsorted_nb
from nexus.strategies.pool import BufferPool


def validate_bars(bars: Bars, where: str = "signals") -> None:
    """Refuse input a kernel would turn into silent NaN: non-Bars, NaN/inf prices, bad volume."""
    if not isinstance(bars, Bars):
        raise ValidationError(f"{where}: expected nexus.Bars, got {type(bars).__name__}; build one with Bars.from_pandas / BarStore.read")
    name = f"{bars.symbol or '?'} {bars.timeframe or '?'}"
    for field in ("open", "high", "low", "close", "volume"):
        a = np.ascontiguousarray(getattr(bars, field))
        row = first_bad_nb(a, field != "volume")
        if row >= 0:
            raise ValidationError(
                f"{where}: {name} row {row}: field {field!r} is {a[row]!r} (must be finite and "
                f"{'>= 0' if field == 'volume' else '> 0'}); clean the bars first (nexus.clean)"
            )
    if bars.taker_buy_volume is not None:
        tb = np.ascontiguousarray(bars.taker_buy_volume)
        row = first_bad_taker_nb(tb, np.ascontiguousarray(bars.volume))
        if row >= 0:
            raise ValidationError(
                f"{where}: {name} row {row}: taker_buy_volume {tb[row]!r} is not within [0, volume={bars.volume[row]!r}]; "
                "fix the source or drop the column with bars.with_columns(taker_buy_volume=None)"
            )
    row = first_unsorted_nb(np.ascontiguousarray(bars.ts))
    if row >= 0:
        raise ValidationError(f"{where}: {name} row {row}: timestamps not strictly increasing; sort and deduplicate the bars")


class Context:
    """Lazily computed, memoised series over one ``Bars`` (see module docstring)."""

    def __init__(self, bars: Bars, validate: bool = True, pool: BufferPool | None = None) -> None:
        if validate:
            validate_bars(bars)
        self.bars = bars
        self.open = np.ascontiguousarray(bars.open)
        self.high = np.ascontiguousarray(bars.high)
        self.low = np.ascontiguousarray(bars.low)
        self.close = np.ascontiguousarray(bars.close)
        self.volume = np.ascontiguousarray(bars.volume)
        self.ts = np.ascontiguousarray(bars.ts)
        self.has_taker = bars.taker_buy_volume is not None
        self.n = len(bars)
        self._cache: dict[tuple, object] = {}
        self.out: tuple[np.ndarray, np.ndarray] | None = None
        self._pool = pool
        self._taken: list[np.ndarray] = []
        self._scratch: dict[str, np.ndarray] = {}

    def buf(self, dtype=np.float64) -> np.ndarray:
        """An uninitialised length-n array for a series kept in this context (pooled under ``signals``)."""
        if self._pool is None:
            return np.empty(self.n, dtype=dtype)
        b = self._pool.take(self.n, dtype)
        self._taken.append(b)
        return b[: self.n]

    def scratch(self, dtype=np.float64) -> np.ndarray:
        """A length-n work array shared by kernels run one after another (never cached)."""
        key = np.dtype(dtype).str
        if key not in self._scratch:
            self._scratch[key] = self.buf(dtype)
        return self._scratch[key]

    def release(self) -> None:
        """Drop the cached series and give pooled buffers back (call only when no result refers to them)."""
        self._cache.clear()
        self._scratch.clear()
        if self._pool is not None and self._taken:
            self._pool.give(self._taken)
        self._taken = []

    def outputs(self) -> tuple[np.ndarray, np.ndarray]:
        """Zeroed (signal int8, confidence float32) arrays for the next strategy to fill.

        ``signals`` hands out the strategy's own column of the result matrix
        here, so kernels write in place: no temporary per strategy, no copy,
        and no fresh pages to fault in (costly on virtual machines).
        """
        pair = self.out
        self.out = None
        if pair is not None:
            return pair
        return np.zeros(self.n, dtype=np.int8), np.zeros(self.n, dtype=np.float32)

    def memo(self, key: tuple, make: Callable[[], object]):
        """The value cached under ``key``, computed by ``make()`` on first use (for series of your own)."""
        hit = self._cache.get(key)
        if hit is None:
            hit = make()
            self._cache[key] = hit
        return hit

    @property
    def timeframe_ns(self) -> int:
        """Bar length in ns: from the timeframe string, else the smallest gap between bars."""
        if self.bars.timeframe:
            return self.bars.timeframe_ns
        if self.n > 1:
            return int(np.min(np.diff(self.ts)))
        return 60_000_000_000

    # ------------------------------------------------------------- series
    def returns(self) -> np.ndarray:
        return self.memo(("ret",), lambda: returns_nb(self.close, self.buf()))

    def delta(self) -> np.ndarray:
        """Aggressor delta (buys - sells) per bar: taker-buy column if present, else close location."""
        tb = np.ascontiguousarray(self.bars.taker_buy_volume) if self.has_taker else np.empty(0)
        return self.memo(("delta",), lambda: aggressor_delta_nb(self.high, self.low, self.close, self.volume, tb, self.has_taker, self.buf()))

    def cvd(self) -> np.ndarray:
        """Cumulative delta from the first bar (only differences inside a window are used)."""
        return self.memo(("cvd",), lambda: np.cumsum(self.delta(), out=self.buf()))

    def true_range(self) -> np.ndarray:
        return self.memo(("tr",), lambda: true_range_nb(self.high, self.low, self.close, self.buf()))

    def _ms(self, which: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Rolling (mean, population std) of close / returns / volume / delta / true range."""
        return self.memo(("ms", which, n), lambda: rolling_mean_std_nb(self._series(which), n, 0, self.buf(), self.buf()))

    def atr(self, n: int) -> np.ndarray:
        """Simple mean of the true range over n bars (finite memory, unlike Wilder's)."""
        return self.memo(("atr", n), lambda: rolling_mean_nb(self.true_range(), n, self.buf()))

    def sma(self, n: int) -> np.ndarray:
        # always from the running sum, so a strategy's SMA never depends on which others ran
        return self.memo(("sma", n), lambda: rolling_mean_nb(self.close, n, self.buf()))

    def std(self, n: int) -> np.ndarray:
        return self._ms("close", n)[1]

    def sigma(self, n: int) -> np.ndarray:
        """Rolling (population) standard deviation of returns over n bars."""
        return self._ms("ret", n)[1]

    def vol_mean(self, n: int) -> np.ndarray:
        return self._ms("volume", n)[0]

    def vol_z(self, n: int) -> np.ndarray:
        """Volume z-score over n bars (population std); NaN in warm-up or a flat window."""
        return self.memo(("vz", n), lambda: zscore_from_nb(self.volume, *self._ms("volume", n), self.buf()))

    def delta_std(self, n: int) -> np.ndarray:
        return self._ms("delta", n)[1]

    def delta_sum(self, n: int) -> np.ndarray:
        return self.memo(("dsum", n), lambda: rolling_sum_nb(self.delta(), n, self.buf()))

    def vol_sum(self, n: int) -> np.ndarray:
        return self.memo(("vsum", n), lambda: rolling_sum_nb(self.volume, n, self.buf()))

    def vwap(self, n: int) -> np.ndarray:
        """Rolling VWAP of the typical price (H+L+C)/3 over n bars."""
        return self.memo(("vwap", n), lambda: vwap_nb(self.high, self.low, self.close, self.volume, n, self.vol_sum(n), self.buf()))

    def rmax(self, which: str, n: int) -> np.ndarray:
        """Rolling max of ``high``/``close``/``cvd`` over n bars (including the bar)."""
        return self.memo(("rmax", which, n), lambda: rolling_extreme_nb(self._series(which), n, True, self.buf(), self.scratch()))

    def rmin(self, which: str, n: int) -> np.ndarray:
        return self.memo(("rmin", which, n), lambda: rolling_extreme_nb(self._series(which), n, False, self.buf(), self.scratch()))

    def _series(self, which: str) -> np.ndarray:
        if which in ("high", "low", "close", "volume"):
            return getattr(self, which)
        return {"cvd": self.cvd, "ret": self.returns, "delta": self.delta, "tr": self.true_range}[which]()

    def profile(self, window: int, bin_bps: float, va_frac: float = 0.7):
        """(node_vol, mean_vol, poc, val, vah, bins) of the prior-window volume profile
        (POC and value area only on bars whose bin changed)."""
        def make():
            bins = price_bins_nb(self.close, bin_bps * 1e-4, self.buf(np.int64))
            i64 = np.int64
            outs = rolling_profile_nb(bins, self.volume, window, va_frac, True, self.buf(), self.buf(),
                                      self.buf(i64), self.buf(i64), self.buf(i64))
            return (*outs, bins)
        return self.memo(("profile", window, float(bin_bps), float(va_frac)), make)
