"""Paging rules, retries and symbol mapping, against plain references."""

from __future__ import annotations

import random

import ccxt
import numpy as np
import pytest

from nexus.data.bars import Bars
from nexus.data.sources import klines
from nexus.data.sources.ccxt_source import download
from nexus.data.sources.paging import clip_page, page_through
from nexus.data.sources.retry import RetryPolicy, RetryState, call_with_retries
from nexus.data.sources.symbols import parse_symbol_list, split_pair, to_ccxt_symbol, to_store_symbol
from nexus.errors import ConfigError
from nexus.lookahead import check_causal
from tests.conftest import make_bars
from tests.sources.fake_exchange import FakeExchange, MemoryStore

TF = 60_000_000_000


def cols_of(ts: list[int]) -> dict[str, np.ndarray]:
    x = np.arange(len(ts), dtype=np.float64) + 1
    return {"ts": np.array(ts, dtype=np.int64), "open": x, "high": x + 1, "low": x - 0.5, "close": x, "volume": x}


def test_clip_page_by_hand():
    page = cols_of([5 * TF, 3 * TF, 4 * TF, 4 * TF, 6 * TF, 7 * TF])
    out = clip_page(page, cursor_ns=4 * TF, end_ns=7 * TF, now_ns=6 * TF + TF, tf_ns=TF)
    # sorted, the repeated 4 kept once (the first served), 3 before the cursor, 7 at the end (exclusive)
    assert out["ts"].tolist() == [4 * TF, 5 * TF, 6 * TF]
    assert out["close"].tolist() == [3.0, 1.0, 5.0]
    out = clip_page(page, cursor_ns=0, end_ns=100 * TF, now_ns=6 * TF + TF - 1, tf_ns=TF)
    assert out["ts"].tolist() == [3 * TF, 4 * TF, 5 * TF]  # 6 closes one ns after now: still forming


class ListSource:
    """Serves a sorted list of bar times like an exchange (first-after or windowed)."""

    def __init__(self, ts: np.ndarray, windowed: bool) -> None:
        self.ts, self.windowed, self.calls = ts, windowed, []

    def __call__(self, since_ms: int, limit: int) -> dict[str, np.ndarray]:
        since = since_ms * 1_000_000
        self.calls.append(since)
        lo = int(np.searchsorted(self.ts, since))
        hi = int(np.searchsorted(self.ts, since + limit * TF)) if self.windowed else len(self.ts)
        return cols_of(self.ts[lo:min(hi, lo + limit)].tolist())


@pytest.mark.parametrize("seed", range(12))
def test_page_through_matches_a_plain_filter(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    steps = np.where(rng.random(n) < 0.05, rng.integers(2, 40, n), 1)  # some gaps, some longer than a page
    ts = (np.cumsum(steps) + 1000) * TF
    limit = int(rng.integers(5, 60))
    windowed = bool(seed % 2)
    now = int(ts[-1] + rng.integers(0, 2 * TF))
    start = int(ts[int(rng.integers(0, n // 3))] - rng.integers(0, 3) * TF)
    end = int(ts[-1] + TF) if seed % 3 else int(ts[int(rng.integers(n // 2, n))])
    src = ListSource(ts, windowed)
    got = [t for ev in page_through(src, start_ns=start, end_ns=end, now_ns=now, tf_ns=TF, limit=limit, windowed=windowed)
           for t in ev.cols["ts"].tolist()]
    want = [int(t) for t in ts if start <= t < end and t + TF <= now]
    assert got == want
    assert all(b > a for a, b in zip(src.calls, src.calls[1:]))  # the cursor only moves forward


def test_retry_budgets_first_contact_then_full():
    sleeps = []
    policy = RetryPolicy(max_retries=4, first_contact_retries=1, base_delay=1.0, first_contact_delay=0.25, jitter=0.0)
    state = RetryState()
    calls = {"n": 0}

    def always():
        calls["n"] += 1
        raise ccxt.RequestTimeout("t")

    with pytest.raises(ccxt.RequestTimeout):
        call_with_retries(always, retryable=(ccxt.NetworkError,), policy=policy, state=state, sleep=sleeps.append, rng=None)
    assert calls["n"] == 2 and sleeps == [0.25]  # never answered: one quick retry only
    state.contacted = True
    sleeps.clear()
    calls["n"] = 0
    with pytest.raises(ccxt.RequestTimeout):
        call_with_retries(always, retryable=(ccxt.NetworkError,), policy=policy, state=state, sleep=sleeps.append, rng=None)
    assert calls["n"] == 5 and sleeps == [1.0, 2.0, 4.0, 8.0]
    with pytest.raises(ccxt.BadSymbol):  # not retryable: straight through
        call_with_retries(lambda: (_ for _ in ()).throw(ccxt.BadSymbol("x")), retryable=(ccxt.NetworkError,),
                          policy=policy, state=state, sleep=sleeps.append, rng=None)
    p = RetryPolicy(base_delay=1.0, max_delay=5.0, jitter=0.5)
    rng = random.Random(1)
    ds = [p.delay(a, rate_limited=False, rng=rng) for a in range(6)]
    assert all(min(2.0**a, 5.0) <= d < min(2.0**a, 5.0) * 1.5 for a, d in enumerate(ds))


def test_symbol_mapping_both_ways():
    pairs = {"BTC/USDT": "BTCUSDT", "ETH/BTC": "ETHBTC", "SOL/FDUSD": "SOLFDUSD", "BTC/USDT:USDT": "BTCUSDT-PERP",
             "BTC/USD:BTC": "BTCUSD-PERP", "BTC/USDT:USDT-240628": "BTCUSDT-240628", "NQ=F": "NQ", "BTC-USDT": "BTCUSDT"}
    for ccxt_sym, store_sym in pairs.items():
        assert to_store_symbol(ccxt_sym) == store_sym
    for ccxt_sym in ("BTC/USDT", "ETH/BTC", "SOL/FDUSD", "BTC/USDT:USDT", "BTC/USDT:USDT-240628"):
        assert to_ccxt_symbol(to_store_symbol(ccxt_sym)) == ccxt_sym
    markets = {"1000PEPE/USDC": {"id": "1000PEPEUSDC"}, "WEIRD/QQQ": {"id": "WEIRDQQQ"}}
    assert to_ccxt_symbol("WEIRDQQQ", markets) == "WEIRD/QQQ"  # unknown quote: found through the markets
    assert split_pair("BTCUSDT") == ("BTC", "USDT")
    with pytest.raises(ConfigError, match="cannot tell base from quote in 'WEIRDQQQ'"):
        to_ccxt_symbol("WEIRDQQQ")
    assert parse_symbol_list(" BTC/USDT, ETH/USDT,BTC/USDT ") == ["BTC/USDT", "ETH/USDT"]
    with pytest.raises(ConfigError):
        parse_symbol_list(" , ")


def _exchange_from_bars(b: Bars) -> FakeExchange:
    rows = [[int(t) // 1_000_000, f"{o:.8f}", f"{h:.8f}", f"{lo:.8f}", f"{c:.8f}", f"{v:.8f}", int(t) // 1_000_000 + 59_999,
             "0", 1, f"{tb:.8f}", "0", "0"]
            for t, o, h, lo, c, v, tb in zip(b.ts, b.open, b.high, b.low, b.close, b.volume, b.taker_buy_volume)]
    fixture = {"exchange": "binance", "symbol": "BTC/USDT", "timeframe": "1m", "method": "publicGetKlines", "page_limit": 1000,
               "recorded_at_ms": int(b.ts[-1]) // 1_000_000 + 60_000, "market": {"id": "BTCUSDT", "spot": True},
               "timeframes": {"1m": "1m"}, "pages": [{"request": {}, "response": rows}]}
    return FakeExchange(fixture)


def test_download_is_causal_under_truncation():
    """Downloading when only bars 0..t-1 exist gives exactly the first t bars of the full download."""
    src = make_bars(1500, seed=4, t0=1_704_067_200_000_000_000)

    def fn(b: Bars) -> dict[str, np.ndarray]:
        store = MemoryStore()
        download(store, _exchange_from_bars(b), ["BTC/USDT"], "1m", since=int(b.ts[0]), progress=False,
                 sleep=lambda s: None, limit=200)
        parts = store.data[("BTCUSDT", "1m")]
        return {k: np.concatenate([getattr(p, k) for p in parts]) for k in ("ts", "close", "taker_buy_volume")}

    full = fn(src)
    assert full["ts"].tolist() == src.ts.tolist()
    check_causal(fn, src, n_random=6, seed=2, extra_cuts=(200, 201, 999)).raise_if_failed()


def test_klines_parsers_reject_malformed_rows():
    from nexus.errors import SourceError

    with pytest.raises(SourceError, match="row 1 has 4 fields, ccxt OHLCV rows have 6"):
        klines.unified_to_columns([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4]])
    with pytest.raises(SourceError, match="row 0 has 6 fields, Binance klines have 12"):
        klines.binance_to_columns([[1, "1", "1", "1", "1", "1"]])
    cols = klines.unified_to_columns([[60_000, 1.0, 2.0, 0.5, 1.5, None]])
    assert np.isnan(cols["volume"][0])  # left for validation to name, never silently zero
