"""yfinance source against recorded frames of the real shape (no network)."""

from __future__ import annotations

import logging
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from nexus.data.sources.yfinance_source import download_yfinance, frame_to_columns, plan_requests
from nexus.data.store import BarStore
from nexus.errors import ConfigError, SourceError
from tests.sources.fake_exchange import FIXTURES

DAY = 86_400_000_000_000
MIN = 60_000_000_000


def load_nq_frame() -> pd.DataFrame:
    """The recorded frame as yf.download returns it: tz-aware exchange-time index, (Price, Ticker) columns."""
    df = pd.read_csv(FIXTURES / "yfinance_NQF_5m.csv", header=[0, 1], index_col=0)
    df.index = pd.DatetimeIndex(pd.to_datetime(df.index, utc=True).tz_convert("America/New_York"), name="Datetime")
    df.columns = df.columns.set_names(["Price", "Ticker"])
    return df


class FakeYahoo:
    """Stands in for yf.download: serves [start, end) of a frame; logs and returns empty like yfinance."""

    def __init__(self, frame: pd.DataFrame, ticker: str = "NQ=F", fail: Exception | None = None) -> None:
        self.frame, self.ticker, self.fail = frame, ticker, fail
        self.calls: list[dict] = []

    def __call__(self, tickers, start=None, end=None, interval="1d", **kw):
        self.calls.append({"tickers": tickers, "start": start, "end": end, "interval": interval, **kw})
        if self.fail is not None:
            raise self.fail
        if tickers != self.ticker:
            logging.getLogger("yfinance").error(
                "\n1 Failed download:")
            logging.getLogger("yfinance").error(
                f"['{tickers}']: YFPricesMissingError('possibly delisted; no price data found  (period=5d)')")
            return pd.DataFrame(columns=pd.MultiIndex.from_product([["Close"], [tickers]], names=["Price", "Ticker"]))
        idx = self.frame.index
        keep = (idx >= pd.Timestamp(start)) & (idx < pd.Timestamp(end))
        return self.frame[keep]


def reference_ts(frame: pd.DataFrame) -> list[int]:
    """UTC ns of each index label, via the standard library from the ISO text with its offset."""
    return [int(datetime.fromisoformat(str(t)).timestamp()) * 1_000_000_000 for t in frame.index]


def test_nq_5m_real_shape_to_utc(tmp_path):
    frame = load_nq_frame()
    frame[("Adj Close", "NQ=F")] = frame[("Close", "NQ=F")] + 1000.0  # must not be used
    last = reference_ts(frame)[-1]
    now = last + 2 * MIN  # the last bar is still forming
    fake = FakeYahoo(frame)
    store = BarStore(tmp_path / "bars", fsync=False)
    (rep,) = download_yfinance(store, ["NQ=F"], "5m", download_fn=fake, now=now)
    assert len(fake.calls) == 1
    call = fake.calls[0]
    assert call["interval"] == "5m" and call["auto_adjust"] is False and call["ignore_tz"] is False
    assert call["multi_level_index"] is True and call["tickers"] == "NQ=F"
    assert (pd.Timestamp(call["end"]) - pd.Timestamp(call["start"])) <= pd.Timedelta(days=60)
    got = store.read("NQ", "5m")
    ref = reference_ts(frame)[:-1]
    assert got.ts.tolist() == ref and rep.bars_written == len(frame) - 1
    assert got.close.tolist() == frame[("Close", "NQ=F")].tolist()[:-1]
    assert got.open.tolist() == frame[("Open", "NQ=F")].tolist()[:-1]
    assert got.volume.tolist() == frame[("Volume", "NQ=F")].astype(float).tolist()[:-1]
    assert not got.has("taker_buy_volume")
    # EDT before the 2024-11-03 switch, EST after: 18:00 New York is 22:00 then 23:00 UTC
    stamps = set(pd.DatetimeIndex(got.ts.astype("datetime64[ns]")).strftime("%Y-%m-%d %H:%M"))
    assert "2024-10-31 22:00" in stamps and "2024-11-03 23:00" in stamps and "2024-11-03 22:00" not in stamps
    assert store.dataset_meta("NQ", "5m")["sources"] == ["yfinance"]


def test_second_run_asks_only_for_new_bars(tmp_path):
    frame = load_nq_frame()
    ts = reference_ts(frame)
    store = BarStore(tmp_path / "bars", fsync=False)
    mid = ts[700]
    download_yfinance(store, ["NQ=F"], "5m", download_fn=FakeYahoo(frame), now=mid)  # ts[699] closes exactly at now
    assert store.last_ts("NQ", "5m") == ts[699]
    fake = FakeYahoo(frame)
    (rep,) = download_yfinance(store, ["NQ=F"], "5m", download_fn=fake, now=ts[-1] + 5 * MIN)
    assert rep.resumed and pd.Timestamp(fake.calls[0]["start"]).value == ts[700]
    assert store.read("NQ", "5m").ts.tolist() == ts


def test_one_minute_requests_are_chunked_by_seven_days(tmp_path):
    idx = pd.date_range("2024-11-01", "2024-11-26", freq="1min", tz="America/Chicago", inclusive="left", name="Datetime")
    n = len(idx)
    price = 20_000 + np.arange(n) % 50 * 0.25
    cols = pd.MultiIndex.from_product([["Adj Close", "Close", "High", "Low", "Open", "Volume"], ["NQ=F"]], names=["Price", "Ticker"])
    frame = pd.DataFrame(np.column_stack([price, price, price + 1, price - 1, price, np.full(n, 10.0)]), index=idx, columns=cols)
    now = pd.Timestamp("2024-11-26", tz="America/Chicago").value
    since = now - 25 * DAY
    fake = FakeYahoo(frame)
    (rep,) = download_yfinance(BarStore(tmp_path / "bars", fsync=False), ["NQ=F"], "1m", since=since,
                               download_fn=fake, now=now)
    spans = [(pd.Timestamp(c["start"]).value, pd.Timestamp(c["end"]).value) for c in fake.calls]
    assert spans == [(since + k * 7 * DAY, min(since + (k + 1) * 7 * DAY, now)) for k in range(4)]
    assert rep.bars_written == 25 * 1440


def test_history_limit_moves_since_up_with_a_note(tmp_path):
    frame = load_nq_frame()
    now = reference_ts(frame)[-1] + 5 * MIN
    fake = FakeYahoo(frame)
    (rep,) = download_yfinance(BarStore(tmp_path / "bars", fsync=False), ["NQ=F"], "5m", since="2020-01-01",
                               download_fn=fake, now=now)
    start = pd.Timestamp(fake.calls[0]["start"]).value
    assert now - 60 * DAY < start <= now - 59 * DAY
    assert any("only for the last 60 days" in n for n in rep.notes)


def test_daily_bars_are_stamped_at_utc_midnight_of_the_trading_date(tmp_path):
    dates = pd.bdate_range("2024-10-28", "2024-11-08", tz="America/New_York", name="Date")
    cols = pd.MultiIndex.from_product([["Adj Close", "Close", "High", "Low", "Open", "Volume"], ["NQ=F"]], names=["Price", "Ticker"])
    c = 20_000.0 + np.arange(len(dates)) * 10
    frame = pd.DataFrame(np.column_stack([c, c, c + 50, c - 50, c - 5, np.full(len(dates), 400_000.0)]), index=dates, columns=cols)
    store = BarStore(tmp_path / "bars", fsync=False)
    now = pd.Timestamp("2024-11-09 12:00", tz="UTC").value
    (rep,) = download_yfinance(store, ["NQ=F"], "1d", since="2024-10-01", download_fn=FakeYahoo(frame), now=now)
    got = store.read("NQ", "1d")
    want = [pd.Timestamp(d.strftime("%Y-%m-%d"), tz="UTC").value for d in dates]
    assert got.ts.tolist() == want  # 04:00 UTC (EDT) and 05:00 UTC (EST) both become 00:00 UTC
    assert got.close.tolist() == c.tolist()


def test_empty_frame_is_an_error_with_yahoos_reason(tmp_path):
    frame = load_nq_frame()
    with pytest.raises(SourceError, match=r"yfinance returned no 5m bars for NQX=F .*possibly delisted; no price data found.*nothing was written"):
        download_yfinance(BarStore(tmp_path / "bars", fsync=False), ["NQX=F"], "5m", download_fn=FakeYahoo(frame),
                          now=reference_ts(frame)[-1])
    assert not (tmp_path / "bars").exists()


def test_network_failure_is_one_line(tmp_path):
    fake = FakeYahoo(load_nq_frame(), fail=ConnectionError("Failed to resolve 'query2.finance.yahoo.com'"))
    with pytest.raises(SourceError, match=r"^could not reach Yahoo Finance for NQ=F: ConnectionError: Failed to resolve .*; nothing was written$"):
        download_yfinance(BarStore(tmp_path / "bars", fsync=False), ["NQ=F"], "5m", download_fn=fake, now="2024-11-06")


def test_frame_levels_in_either_order_and_bad_shapes():
    frame = load_nq_frame().iloc[:10]
    a = frame_to_columns(frame, "NQ=F", "5m")
    swapped = frame.swaplevel(0, 1, axis=1)  # group_by="ticker" gives (Ticker, Price)
    b = frame_to_columns(swapped, "NQ=F", "5m")
    for k in a:
        assert np.array_equal(a[k], b[k])
    flat = frame.droplevel("Ticker", axis=1)  # multi_level_index=False
    assert np.array_equal(frame_to_columns(flat, "NQ=F", "5m")["close"], a["close"])
    naive = frame.copy()
    naive.index = naive.index.tz_localize(None)
    with pytest.raises(SourceError, match="carry no zone"):
        frame_to_columns(naive, "NQ=F", "5m")
    with pytest.raises(SourceError, match=r"holds \['NQ=F'\], not 'ES=F'"):
        frame_to_columns(frame, "ES=F", "5m")


def test_plan_requests_and_bad_timeframe(tmp_path):
    assert plan_requests(0, 10 * DAY, 7) == [(0, 7 * DAY), (7 * DAY, 10 * DAY)]
    assert plan_requests(0, 10 * DAY, None) == [(0, 10 * DAY)]
    assert plan_requests(5, 5, 7) == []
    with pytest.raises(ConfigError, match="timeframe '3m' is not served"):
        download_yfinance(BarStore(tmp_path / "bars", fsync=False), ["NQ=F"], "3m", download_fn=FakeYahoo(load_nq_frame()))
