"""The before / after split at the models' training end, on a hand-built equity curve."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from nexus.pipeline.segments import SEGMENT_NAMES, oos_start_ns, split_record


def _model(end_ns, windows=None):
    return SimpleNamespace(train_window=(0, end_ns), entry={"train_windows": windows or {}})


def test_oos_start_is_the_first_instant_a_model_scores_any_series():
    a = _model(100, {"BTC/1m": {"end_ns": 50}, "NQ/5m": {"end_ns": 80}})
    b = _model(200, {"BTC/1m": {"end_ns": 70}})  # no NQ window: its overall end (200) applies to NQ
    # BTC: min(50, 70) = 50; NQ: min(80, 200) = 80; models start scoring the book after 50
    assert oos_start_ns({"a": a, "b": b}, ["BTC/1m", "NQ/5m"]) == 50
    assert oos_start_ns({}, ["BTC/1m"]) is None


def test_split_record_hand_checked():
    idx = pd.date_range("2026-01-01", periods=6, freq="1D", tz="UTC")
    equity = pd.Series([100.0, 110.0, 121.0, 121.0, 108.9, 119.79], index=idx)
    trades = pd.DataFrame({"entry_time": [idx[0], idx[1], idx[4]]})
    split = int(idx[2].value)  # the models take over after day 3
    seg = split_record(equity, trades, split, capital=100.0, year_days=365)
    before, after = seg.loc[SEGMENT_NAMES[0]], seg.loc[SEGMENT_NAMES[1]]
    assert before["Total Return [%]"] == pytest.approx(21.0)  # 100 -> 121
    assert after["Total Return [%]"] == pytest.approx(119.79 / 121.0 * 100 - 100)  # from 121, the last value before
    assert before["trades entered"] == 2 and after["trades entered"] == 1
    # daily returns after the split: 0, -10 %, +10 % -> Sharpe = mean / std(ddof=1) * sqrt(365)
    r = np.array([0.0, -0.1, 0.1])
    assert after["Sharpe Ratio (daily)"] == pytest.approx(r.mean() / r.std(ddof=1) * np.sqrt(365))
    assert split_record(equity, trades, None, 100.0) is None


def test_split_record_alpha_beta_against_the_benchmark_hand_checked():
    idx = pd.date_range("2026-01-01", periods=6, freq="1D", tz="UTC")
    equity = pd.Series([100.0, 110.0, 121.0, 121.0, 108.9, 119.79], index=idx)
    bench = pd.Series([100.0, 105.0, 110.25, 115.7625, 104.18625, 114.604875], index=idx)
    split = int(idx[2].value)
    seg = split_record(equity, pd.DataFrame({"entry_time": []}), split, capital=100.0, year_days=365, benchmark=bench)
    after = seg.loc[SEGMENT_NAMES[1]]
    r = np.array([0.0, -0.1, 0.1])  # from 121
    b = np.array([0.05, -0.1, 0.1])  # from 110.25
    rb = b - b.mean()
    beta = (rb * r).mean() / (rb * rb).mean()
    assert after["Beta (daily)"] == pytest.approx(beta, rel=1e-12)
    assert after["Alpha (ann.) [%] (daily)"] == pytest.approx(((1 + (r - beta * b).mean()) ** 365 - 1) * 100, rel=1e-10)
