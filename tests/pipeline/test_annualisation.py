"""Regression: the NQ-1h book was annualised on 365 days because CME's week opens on Sunday evening."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

import nexus as nx
from nexus.data import instruments
from nexus.pipeline.runner import _stats, _year_days


def test_year_days_follow_the_instrument_calendar():
    nq, btc = instruments.get("NQ"), instruments.get("BTCUSDT")
    assert _year_days(SimpleNamespace(instruments=[nq])) == 252.0
    assert _year_days(SimpleNamespace(instruments=[btc, nq])) == 365.0
    assert _year_days(SimpleNamespace(instruments=[])) is None


def test_a_cme_book_with_sunday_bars_reports_252_days():
    # hourly bars from Sunday 23:00 UTC (CME's Sunday-evening open) through Friday
    idx = pd.date_range("2026-10-04 23:00", periods=24 * 5, freq="1h", tz="UTC")
    close = pd.Series(20_000 + np.cumsum(np.sin(np.arange(len(idx)))), index=idx)
    pf = nx.Portfolio.from_signals(close, np.r_[True, np.zeros(len(idx) - 1, bool)], np.zeros(len(idx), bool),
                                   price="close", multiplier=20.0, init_cash=1e6)
    assert _stats(pf, 252.0)["Annualisation [days/year]"] == 252.0
    assert _stats(pf)["Annualisation [days/year]"] == 365.0  # what the weekday rule alone concludes
