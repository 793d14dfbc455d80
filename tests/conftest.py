"""Shared fixtures. ``make_bars`` builds small deterministic random-walk bars for unit tests."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def _runs_outside_the_checkout(tmp_path_factory):
    """Commands record runs under ``runs/`` by default; in tests that folder is a temporary one."""
    old = os.environ.get("NEXUS_RUNS")
    os.environ["NEXUS_RUNS"] = str(tmp_path_factory.mktemp("runs"))
    yield
    if old is None:
        os.environ.pop("NEXUS_RUNS", None)
    else:
        os.environ["NEXUS_RUNS"] = old

from nexus.data.bars import Bars  # noqa: E402

MINUTE_NS = 60_000_000_000
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z


def make_bars(
    n: int = 500,
    seed: int = 0,
    *,
    price: float = 100.0,
    vol: float = 0.002,
    taker: bool = True,
    symbol: str = "TEST",
    timeframe: str = "1m",
    step_ns: int = MINUTE_NS,
    t0: int = T0,
) -> Bars:
    """A valid OHLCV random walk with fat-ish tails, volume tied to |r| and taker-buy volume."""
    rng = np.random.default_rng(seed)
    r = rng.standard_t(4, size=n) * vol / np.sqrt(2.0)
    close = price * np.exp(np.cumsum(r))
    open_ = np.empty(n)
    open_[0] = price
    open_[1:] = close[:-1]
    wick = np.abs(rng.normal(0, vol, size=(2, n))) * close
    high = np.maximum(open_, close) + wick[0]
    low = np.maximum(np.minimum(open_, close) - wick[1], 1e-9)
    volume = rng.gamma(2.0, 50.0, size=n) * (1 + 200 * np.abs(r))
    kwargs = {}
    if taker:
        share = np.clip(0.5 + 20 * r + rng.normal(0, 0.05, n), 0.01, 0.99)
        kwargs["taker_buy_volume"] = volume * share
    return Bars.from_arrays(
        ts=t0 + np.arange(n, dtype=np.int64) * step_ns,
        open=open_, high=high, low=low, close=close, volume=volume,
        symbol=symbol, timeframe=timeframe, **kwargs,
    )


@pytest.fixture
def bars() -> Bars:
    return make_bars(600, seed=1)


@pytest.fixture
def bars_factory():
    return make_bars
