"""ccxt downloader against a fake exchange replaying recorded pages (no network)."""

from __future__ import annotations

import random
import re
import time

import ccxt
import numpy as np
import pytest

from nexus.data.sources import ccxt_source
from nexus.data.sources.ccxt_source import credentials_from_env, download, make_exchange, page_limit
from nexus.data.sources.retry import RetryPolicy
from nexus.data.store import BarStore
from nexus.errors import ConfigError, SourceError
from tests.sources.fake_exchange import FakeExchange, MemoryStore, load_fixture

MIN_NS = 60_000_000_000


def expected_bars(fixture: dict) -> dict[str, list]:
    """Independent reference: every closed bar of the recording, parsed with plain Python."""
    now = fixture["recorded_at_ms"]
    seen = {}
    for page in fixture["pages"]:
        for row in page["response"]:
            seen[int(row[0])] = row
    out = {k: [] for k in ("ts", "open", "high", "low", "close", "volume", "taker_buy_volume", "trades", "quote_volume")}
    for t in sorted(seen):
        if t + 60_000 > now:  # still forming when recorded
            continue
        row = seen[t]
        out["ts"].append(t * 1_000_000)
        for i, name in enumerate(("open", "high", "low", "close", "volume"), start=1):
            out[name].append(float(row[i]))
        if len(row) >= 12:
            out["quote_volume"].append(float(row[7]))
            out["trades"].append(int(row[8]))
            out["taker_buy_volume"].append(float(row[9]))
    return out


def assert_store_matches(store, symbol: str, ref: dict[str, list], *, taker: bool) -> None:
    got = store.read(symbol, "1m")
    assert got.ts.tolist() == ref["ts"]
    for name in ("open", "high", "low", "close", "volume"):
        assert got.__getattribute__(name).tolist() == ref[name], name
    if taker:
        assert got.taker_buy_volume.tolist() == ref["taker_buy_volume"]
        assert got.trades.tolist() == ref["trades"]
        assert got.quote_volume.tolist() == ref["quote_volume"]
    else:
        assert not got.has("taker_buy_volume") and not got.has("trades") and not got.has("quote_volume")


class Sleeps:
    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, s: float) -> None:
        self.calls.append(s)


def run(store, ex, **kw):
    kw.setdefault("since", "2024-01-01")
    kw.setdefault("progress", False)
    kw.setdefault("sleep", Sleeps())
    kw.setdefault("rng", random.Random(0))
    return download(store, ex, ["BTC/USDT"], "1m", **kw)


@pytest.fixture(scope="module")
def binance_fx():
    return load_fixture("binance_BTCUSDT_1m.json")


@pytest.fixture(scope="module")
def okx_fx():
    return load_fixture("okx_BTCUSDT_1m.json")


@pytest.fixture(scope="module")
def bybit_fx():
    return load_fixture("bybit_BTCUSDT_1m.json")


# --------------------------------------------------------------- exchanges
def test_binance_raw_klines_full_download(tmp_path, binance_fx):
    store = BarStore(tmp_path / "bars", fsync=False)
    ex = FakeExchange(binance_fx)
    (rep,) = run(store, ex)
    ref = expected_bars(binance_fx)
    assert len(ref["ts"]) == 2349  # 2350 recorded, the last one was forming
    assert_store_matches(store, "BTCUSDT", ref, taker=True)
    # pages of the exchange's own maximum, each starting right after the last bar kept
    assert [c["limit"] for c in ex.calls] == [1000, 1000, 1000]
    assert [c["startTime"] for c in ex.calls] == [ref["ts"][0] // 10**6, ref["ts"][1000] // 10**6, ref["ts"][2000] // 10**6]
    assert all(c["symbol"] == "BTCUSDT" and c["interval"] == "1m" for c in ex.calls)
    assert rep.bars_written == 2349 and rep.pages == 3 and rep.has_taker_buy and not rep.resumed
    assert store.dataset_meta("BTCUSDT", "1m")["sources"] == ["ccxt:binance"]


def test_forming_bar_never_stored(tmp_path, binance_fx):
    store = BarStore(tmp_path / "bars", fsync=False)
    run(store, FakeExchange(binance_fx))
    last = store.last_ts("BTCUSDT", "1m")
    now_ns = binance_fx["recorded_at_ms"] * 10**6
    forming = max(int(r[0]) for p in binance_fx["pages"] for r in p["response"]) * 10**6
    assert last + MIN_NS <= now_ns < forming + MIN_NS
    assert last == forming - MIN_NS


def test_okx_pages_of_300_and_an_empty_window(tmp_path, okx_fx):
    store = BarStore(tmp_path / "bars", fsync=False)
    ex = FakeExchange(okx_fx)
    (rep,) = run(store, ex)
    ref = expected_bars(okx_fx)
    assert_store_matches(store, "BTCUSDT", ref, taker=False)
    assert {c["limit"] for c in ex.calls} == {300}
    ts = np.array(ref["ts"])
    gap = int(np.argmax(np.diff(ts)))
    assert (ts[gap + 1] - ts[gap]) // MIN_NS == 311  # the maintenance gap stays a gap: never filled
    # the request after the gap start got nothing and the next one moved a whole window on
    since = [c["since"] for c in ex.calls]
    i = since.index(ref["ts"][gap] // 10**6 + 60_000)
    assert since[i + 1] == since[i] + 300 * 60_000
    assert rep.pages == len(ex.calls)


def test_bybit_pages_of_1000_with_until_window(tmp_path, bybit_fx):
    store = BarStore(tmp_path / "bars", fsync=False)
    ex = FakeExchange(bybit_fx)
    run(store, ex)
    assert_store_matches(store, "BTCUSDT", expected_bars(bybit_fx), taker=False)
    assert [c["limit"] for c in ex.calls] == [1000, 1000, 1000]
    assert all(c["until"] == c["since"] + 1000 * 60_000 - 1 for c in ex.calls)


def test_page_limits_of_real_ccxt_objects():
    # constructing a ccxt exchange touches no network
    assert page_limit(make_exchange("binance")) == 1000
    assert page_limit(make_exchange("okx")) == 300
    assert page_limit(make_exchange("bybit")) == 1000
    kraken = make_exchange("kraken")
    assert page_limit(kraken) == kraken.features["spot"]["fetchOHLCV"]["limit"]
    assert make_exchange("binance").enableRateLimit is True
    with pytest.raises(ConfigError, match="unknown exchange 'binancee'"):
        make_exchange("binancee")


# ----------------------------------------------------------- page boundaries
def test_overlapping_bar_at_page_boundary_is_dropped(tmp_path, binance_fx):
    ex = FakeExchange(binance_fx, faults={2: "overlap", 3: "overlap"})
    # the memory store keeps every row it is given: a repeated bar would show
    mem = MemoryStore()
    run(mem, ex, batch_pages=1)
    written = np.concatenate([b.ts for b in mem.data[("BTCUSDT", "1m")]])
    assert written.tolist() == expected_bars(binance_fx)["ts"]
    assert ex.calls[1]["startTime"] * 10**6 == written[1000]  # page 2 served written[999] first, dropped
    store = BarStore(tmp_path / "bars", fsync=False)
    run(store, FakeExchange(binance_fx, faults={2: "overlap", 3: "overlap"}))
    assert_store_matches(store, "BTCUSDT", expected_bars(binance_fx), taker=True)


def test_transient_empty_page_mid_range_is_asked_again(tmp_path, binance_fx):
    store = BarStore(tmp_path / "bars", fsync=False)
    ex = FakeExchange(binance_fx, faults={2: "empty"})
    run(store, ex)
    assert_store_matches(store, "BTCUSDT", expected_bars(binance_fx), taker=True)
    assert ex.calls[1]["startTime"] == ex.calls[2]["startTime"]  # same cursor asked twice
    assert len(ex.calls) == 4


def test_network_error_on_page_3_then_success(tmp_path, binance_fx):
    store = BarStore(tmp_path / "bars", fsync=False)
    sleeps = Sleeps()
    ex = FakeExchange(binance_fx, faults={3: ccxt.RequestTimeout("binance GET https://api.binance.com/api/v3/klines timed out")})
    (rep,) = run(store, ex, sleep=sleeps, policy=RetryPolicy(base_delay=1.0, jitter=0.5))
    assert_store_matches(store, "BTCUSDT", expected_bars(binance_fx), taker=True)
    assert rep.retries == 1 and len(sleeps.calls) == 1
    assert 1.0 <= sleeps.calls[0] < 1.5  # first backoff step with jitter in [0, 50 %)
    assert ex.calls[2] == ex.calls[3]  # the failed page is requested again, unchanged


def test_rate_limit_backs_off_harder_and_grows(tmp_path, binance_fx):
    store = BarStore(tmp_path / "bars", fsync=False)
    sleeps = Sleeps()
    faults = {2: ccxt.RateLimitExceeded("429"), 3: ccxt.DDoSProtection("418"), 4: ccxt.ExchangeNotAvailable("503")}
    ex = FakeExchange(binance_fx, faults=faults)
    run(store, ex, sleep=sleeps, policy=RetryPolicy(base_delay=1.0, jitter=0.0, rate_limit_factor=5.0))
    assert_store_matches(store, "BTCUSDT", expected_bars(binance_fx), taker=True)
    # calls 2..4 fail for the same page: attempts 0, 1, 2 -> 1*5, 2*5, then 4 (not a rate limit)
    assert sleeps.calls == [5.0, 10.0, 4.0]


def test_batches_every_n_pages(tmp_path, binance_fx, okx_fx):
    store = MemoryStore()
    run(store, FakeExchange(okx_fx), batch_pages=2)
    # windows of 300: [0,300) 300 bars, [300,600) 150 then the 310-minute gap, [gap, +300) empty,
    # [gap+300, +600) starts 10 bars late: 290, then the last 260 bars of which one is forming
    assert [n for _, n, _ in store.writes] == [300 + 150, 0 + 290, 259]
    store = MemoryStore()
    run(store, FakeExchange(binance_fx))  # default 50 pages: one write
    assert [n for _, n, _ in store.writes] == [2349]


# -------------------------------------------------------------- resume
def test_crash_after_batch_2_then_resume_is_bit_identical(tmp_path, binance_fx):
    clean = BarStore(tmp_path / "clean", fsync=False)
    run(clean, FakeExchange(binance_fx), batch_pages=1)

    store = BarStore(tmp_path / "crashed", fsync=False)
    with pytest.raises(RuntimeError, match="process killed"):
        run(store, FakeExchange(binance_fx, faults={3: "crash"}), batch_pages=1)
    assert store.read("BTCUSDT", "1m").ts.shape[0] == 2000  # two batches survived
    ex = FakeExchange(binance_fx)
    (rep,) = run(store, ex, batch_pages=1)
    assert rep.resumed and rep.bars_written == 349
    assert [c["startTime"] for c in ex.calls] == [clean.read("BTCUSDT", "1m").ts[2000] // 10**6]
    a, b = clean.read("BTCUSDT", "1m"), store.read("BTCUSDT", "1m")
    for col in a.columns:
        assert np.array_equal(getattr(a, col), getattr(b, col)), col
    assert store.fingerprint() == clean.fingerprint()  # same partition bytes


def test_second_run_downloads_only_what_is_new(tmp_path, binance_fx):
    store = BarStore(tmp_path / "bars", fsync=False)
    ref = expected_bars(binance_fx)
    until = ref["ts"][1500]
    (first,) = run(store, FakeExchange(binance_fx), until=until)
    assert first.bars_written == 1500 and store.last_ts("BTCUSDT", "1m") == ref["ts"][1499]
    ex = FakeExchange(binance_fx)
    (second,) = run(store, ex)
    assert second.resumed and second.bars_written == 849
    assert ex.calls[0]["startTime"] == until // 10**6
    assert_store_matches(store, "BTCUSDT", ref, taker=True)
    ex = FakeExchange(binance_fx)
    (third,) = run(store, ex)
    assert third.bars_written == 0 and ex.calls == []  # nothing closed is missing: no request at all
    assert "up to date" in third.summary()


def test_first_download_needs_since(tmp_path, binance_fx):
    with pytest.raises(ConfigError, match="BTCUSDT 1m is not in the store yet; pass --since"):
        run(BarStore(tmp_path / "bars", fsync=False), FakeExchange(binance_fx), since=None)


# ------------------------------------------------------------- failures
def test_offline_fails_fast_with_one_line_and_writes_nothing(tmp_path, binance_fx):
    store = BarStore(tmp_path / "bars", fsync=False)
    sleeps = Sleeps()
    err = ccxt.ExchangeNotAvailable("binance GET https://api.binance.com/api/v3/exchangeInfo Name or service not known")
    ex = FakeExchange(binance_fx, always=err)
    t0 = time.perf_counter()
    with pytest.raises(SourceError) as info:
        run(store, ex, sleep=sleeps)
    msg = str(info.value)
    assert msg.startswith("could not reach binance: ") and msg.endswith("; nothing was written")
    assert "\n" not in msg and "Name or service not known" in msg
    assert time.perf_counter() - t0 < 2.0
    # the waits a real offline run would spend: a couple of quick retries, seconds in total
    assert len(sleeps.calls) == 2 and sum(sleeps.calls) <= 3.0
    assert not (tmp_path / "bars").exists() or store.symbols() == []


def test_network_lost_mid_download_keeps_verified_batches(tmp_path, binance_fx):
    store = BarStore(tmp_path / "bars", fsync=False)
    faults = {k: ccxt.NetworkError("connection reset") for k in range(3, 20)}
    with pytest.raises(SourceError, match=r"lost connection to binance during BTCUSDT 1m: connection reset; 2000 bars up to"):
        run(store, FakeExchange(binance_fx, faults=faults), policy=RetryPolicy(max_retries=3))
    assert store.read("BTCUSDT", "1m").ts.tolist() == expected_bars(binance_fx)["ts"][:2000]


def test_bad_symbol_is_a_clear_source_error(tmp_path, binance_fx):
    with pytest.raises(SourceError, match=r"binance has no market 'DOGE/XYZ'.*check the symbol"):
        download(BarStore(tmp_path / "bars", fsync=False), FakeExchange(binance_fx), ["DOGE/XYZ"], "1m",
                 since="2024-01-01", progress=False)


def test_authentication_error_never_shows_the_key(tmp_path, binance_fx):
    ex = FakeExchange(binance_fx, faults={1: ccxt.AuthenticationError('binance {"code":-2015,"msg":"Invalid API-key sk-TOPSECRET"}')})
    ex.apiKey, ex.secret = "sk-TOPSECRET", "shh-SECRET2"
    with pytest.raises(SourceError) as info:
        run(BarStore(tmp_path / "bars", fsync=False), ex)
    assert "NEXUS_BINANCE_API_KEY" in str(info.value) and "TOPSECRET" not in str(info.value)


def test_unsupported_timeframe(tmp_path, okx_fx):
    with pytest.raises(ConfigError, match="okx does not serve '2m' bars"):
        download(MemoryStore(), FakeExchange(okx_fx), ["BTC/USDT"], "2m", since="2024-01-01", progress=False)


# --------------------------------------------------------------- secrets
def test_credentials_only_from_environment_and_never_stored(tmp_path, binance_fx):
    env = {"NEXUS_BINANCE_API_KEY": "k-123456789", "NEXUS_BINANCE_SECRET": "s-987654321", "NEXUS_OKX_API_KEY": "other"}
    assert credentials_from_env("binance", env) == {"apiKey": "k-123456789", "secret": "s-987654321"}
    assert credentials_from_env("bybit", env) == {}
    ex = make_exchange("binance", env=env)
    assert ex.apiKey == "k-123456789" and ex.secret == "s-987654321"
    fake = FakeExchange(binance_fx)
    fake.apiKey, fake.secret = env["NEXUS_BINANCE_API_KEY"], env["NEXUS_BINANCE_SECRET"]
    store = BarStore(tmp_path / "bars", fsync=False)
    (rep,) = run(store, fake)
    blobs = b"".join(p.read_bytes() for p in (tmp_path / "bars").rglob("*") if p.is_file())
    assert b"k-123456789" not in blobs and b"s-987654321" not in blobs
    assert "k-123456789" not in repr(rep) and "k-123456789" not in rep.summary()


def test_progress_bar_shows_bars_rate_and_eta(tmp_path, binance_fx, capsys):
    run(BarStore(tmp_path / "bars", fsync=False), FakeExchange(binance_fx), progress=True)
    err = capsys.readouterr().err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("binance BTCUSDT 1m: 100%") and "2.35k/2.35k" in last  # bars done / to do
    assert "bar/s" in last and "kept=2349" in last  # rate and bars kept
    assert re.search(r"\[\d\d:\d\d<00:00, ", last)  # elapsed<remaining: the ETA, nothing left at the end (elapsed varies with load)


def test_symbols_given_in_store_form(tmp_path, binance_fx):
    store = MemoryStore()
    (rep,) = download(store, FakeExchange(binance_fx), ["BTCUSDT"], "1m", since="2024-01-01", progress=False)
    assert rep.symbol == "BTC/USDT" and rep.store_symbol == "BTCUSDT" and rep.bars_written == 2349


def test_module_has_no_network_defaults_leaking():
    # the default policy must make an offline first contact cost seconds, not minutes
    p = RetryPolicy()
    worst = sum(p.delay(a, rate_limited=False, rng=None, first_contact=True) * (1 + p.jitter) for a in range(p.first_contact_retries))
    assert worst <= 3.0
    assert ccxt_source.PAGE_LIMITS["okx"] == 300


def test_bad_bar_from_the_exchange_is_refused_with_its_time(tmp_path, binance_fx):
    import copy

    from nexus.errors import ValidationError

    fx = copy.deepcopy(binance_fx)
    row = fx["pages"][1]["response"][17]
    row[2] = "1.00000000"  # high far below open and close
    store = BarStore(tmp_path / "bars", fsync=False)
    with pytest.raises(ValidationError, match=r"BTCUSDT 1m row 17 \(2024-01-01T16:57:00\+00:00\): rule 'high_below_open_close'"):
        run(store, FakeExchange(fx), batch_pages=1)
    assert store.last_ts("BTCUSDT", "1m") == expected_bars(binance_fx)["ts"][999]  # the first batch stays


def test_recorder_writes_what_the_fake_replays(tmp_path, binance_fx, okx_fx, monkeypatch):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("record_ccxt", Path(__file__).resolve().parents[2] / "scripts" / "record_ccxt.py")
    rec = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rec)
    for fx in (binance_fx, okx_fx):
        monkeypatch.setattr(ccxt, fx["exchange"], lambda config, fx=fx: FakeExchange(fx))
        n = len(expected_bars(fx)["ts"]) + 1 + (310 if fx["exchange"] == "okx" else 0)
        out = rec.record(fx["exchange"], "BTC/USDT", "1m", n, None)
        assert out["method"] == fx["method"] and out["page_limit"] == fx["page_limit"] and out["recorded"] is True
        assert [p["request"] for p in out["pages"]] == [p["request"] for p in fx["pages"]]
        assert [p["response"] for p in out["pages"]] == [p["response"] for p in fx["pages"]]


def test_zip_history_then_api_top_up_continues_seamlessly(tmp_path, binance_fx):
    """The usual workflow: bulk history from data.binance.vision, then the API fills in up to now."""
    from tests.sources.test_binance_files import write_zip

    from nexus.data.sources.binance_files import import_binance

    rows = [r for p in binance_fx["pages"] for r in p["response"]][:1200]
    write_zip(tmp_path / "dl", "BTCUSDT-1m-2024-01-01.zip", [",".join(str(x) for x in r) for r in rows], checksum="ok")
    store = BarStore(tmp_path / "bars", fsync=False)
    import_binance(store, [tmp_path / "dl"])
    ex = FakeExchange(binance_fx)
    (rep,) = run(store, ex, since=None)
    assert rep.resumed and ex.calls[0]["startTime"] == int(rows[-1][0]) + 60_000
    assert_store_matches(store, "BTCUSDT", expected_bars(binance_fx), taker=True)
    assert store.dataset_meta("BTCUSDT", "1m")["sources"] == ["binance-files", "ccxt:binance"]


def _as_eth(fx: dict) -> dict:
    import copy

    eth = copy.deepcopy(fx)
    eth["symbol"] = "ETH/USDT"
    eth["market"].update(id="ETHUSDT", symbol="ETH/USDT", base="ETH")
    for page in eth["pages"]:
        for row in page["response"]:
            for i in (1, 2, 3, 4):
                row[i] = f"{float(row[i]) / 16:.8f}"
    return eth


def test_two_symbols_in_one_run(tmp_path, binance_fx):
    eth = _as_eth(binance_fx)
    store = BarStore(tmp_path / "bars", fsync=False)
    ex = FakeExchange(binance_fx, more=(eth,))
    reports = download(store, ex, ["BTC/USDT", "ETH/USDT"], "1m", since="2024-01-01", progress=False)
    assert [r.store_symbol for r in reports] == ["BTCUSDT", "ETHUSDT"] and ex.load_markets_calls == 1
    assert_store_matches(store, "BTCUSDT", expected_bars(binance_fx), taker=True)
    assert_store_matches(store, "ETHUSDT", expected_bars(eth), taker=True)
    assert {c["symbol"] for c in ex.calls} == {"BTCUSDT", "ETHUSDT"}


def test_real_ccxt_objects_expose_the_methods_used():
    """No network: the raw Binance endpoints and the windowing choice on real ccxt classes."""
    from nexus.data.sources.ccxt_source import _Fetcher

    binance = make_exchange("binance")
    spot = _Fetcher(binance, "BTC/USDT", {"id": "BTCUSDT", "spot": True}, "1m", 60_000)
    assert spot.raw_method == binance.publicGetKlines and spot.has_taker and not spot.windowed
    perp = _Fetcher(binance, "BTC/USDT:USDT", {"id": "BTCUSDT", "spot": False, "linear": True}, "1m", 60_000)
    assert perp.raw_method == binance.fapiPublicGetKlines
    okx = _Fetcher(make_exchange("okx"), "BTC/USDT", {"id": "BTC-USDT", "spot": True}, "1m", 60_000)
    assert okx.raw_method is None and okx.windowed and not okx.has_taker
    bybit = _Fetcher(make_exchange("bybit"), "BTC/USDT", {"id": "BTCUSDT", "spot": True}, "1m", 60_000)
    assert bybit.windowed
    import inspect

    params = inspect.signature(make_exchange("bybit").fetch_ohlcv).parameters
    assert list(params)[:5] == ["symbol", "timeframe", "since", "limit", "params"]
