"""Feature matrix: values against pandas / plain loops, chunk invariance, causality, bad input."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from nexus.errors import ModelError, ValidationError
from nexus.lookahead import check_causal
from nexus.models.feature_kernels import BAR_WARMUP
from nexus.models.features import BAR_FEATURES, MQ_FEATURES, SIG_FEATURES, build_features
from tests.conftest import make_bars


@pytest.fixture(scope="module")
def bars():
    return make_bars(1500, seed=7)


def _col(fm, name):
    return fm.values[:, fm.names.index(name)].astype(np.float64)


def test_bar_features_match_pandas(bars):
    fm = build_features(bars)
    assert fm.names == BAR_FEATURES and fm.values.dtype == np.float32
    assert fm.warmup == BAR_WARMUP and np.isnan(fm.values[:BAR_WARMUP]).all()
    c, h, l, v = (pd.Series(a) for a in (bars.close, bars.high, bars.low, bars.volume))
    lr = np.log(c).diff()
    rng = (h - l) / c
    d = c.diff()
    gain, loss = d.clip(lower=0).rolling(14).sum(), (-d).clip(lower=0).rolling(14).sum()
    clv = ((c - l) - (h - c)) / (h - l)
    flow = (2 * bars.taker_buy_volume - bars.volume) / bars.volume
    ref = {
        "ret_1": lr, "ret_5": np.log(c / c.shift(5)), "ret_60": np.log(c / c.shift(60)),
        "rv_20": lr.rolling(20).std(), "rv_60": lr.rolling(60).std(),
        "rv_ratio": lr.rolling(20).std() / lr.rolling(60).std() - 1,
        "range_1": rng, "range_20": rng.rolling(20).mean(), "range_ratio": rng / rng.rolling(20).mean() - 1,
        "vol_ratio_20": v / v.rolling(20).mean() - 1, "vol_z_60": (v - v.rolling(60).mean()) / v.rolling(60).std(),
        "rsi_14": (gain - loss) / (gain + loss),
        "dist_sma20": c / c.rolling(20).mean() - 1, "dist_sma100": c / c.rolling(100).mean() - 1,
        "z_close_20": (c - c.rolling(20).mean()) / c.rolling(20).std(),
        "clv": clv, "clv_20": clv.rolling(20).mean(), "flow_20": pd.Series(flow).rolling(20).mean(),
        "ret_z_60": lr / lr.rolling(60).std(),
        "ret_240": np.log(c / c.shift(240)), "ret_960": np.log(c / c.shift(960)),
        "rv_240": lr.rolling(240).std(), "rv_960": lr.rolling(960).std(),
        "vol_level": np.log(lr.rolling(60).std() / lr.rolling(960).std()),
        "trend_960": np.log(c / c.shift(960)) / (lr.rolling(960).std() * np.sqrt(960)),
    }
    lv = np.log(pd.Series(_col(fm, "rv_60")))  # the EMA runs on the stored float32 rv_60
    ref["vol_rel_long"] = lv - lv.ewm(span=4320, adjust=False).mean()
    for name, r in ref.items():
        got = _col(fm, name)[fm.warmup:]
        want = r.to_numpy()[fm.warmup:]
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6, err_msg=name)


def test_calendar_features(bars):
    fm = build_features(bars)
    idx = pd.DatetimeIndex(pd.to_datetime(bars.ts, utc=True))
    tod = (idx.hour * 60 + idx.minute) / 1440.0
    np.testing.assert_allclose(_col(fm, "tod_sin")[fm.warmup:], np.sin(2 * np.pi * tod)[fm.warmup:], atol=1e-6)
    np.testing.assert_allclose(_col(fm, "dow_cos")[fm.warmup:], np.cos(2 * np.pi * idx.day_of_week / 7)[fm.warmup:], atol=1e-6)


def test_flow_falls_back_to_close_location_without_taker():
    b = make_bars(1200, seed=3, taker=False)
    fm = build_features(b)
    np.testing.assert_allclose(_col(fm, "flow_20")[960:], _col(fm, "clv_20")[960:], atol=1e-6)


def test_chunking_does_not_change_anything():
    b = make_bars(20_000, seed=11)
    a = build_features(b, chunk=4096)
    c = build_features(b, chunk=1 << 20)
    np.testing.assert_array_equal(a.values, c.values)


def _ref_sig(signal, conf, close, min_conf=0.57):
    n, k = signal.shape
    agg = np.zeros(n)
    for t in range(n):
        m = (conf[t] >= min_conf) & (signal[t] != 0)
        den = conf[t][m].sum()
        agg[t] = (signal[t][m] * conf[t][m]).sum() / den if den > 0 else 0.0
    d = np.sign(agg)
    r = np.diff(np.log(close))
    hit, pnl = np.full(n, np.nan), np.full(n, np.nan)
    for t in range(100, n):
        ds, rs = d[t - 100:t], r[t - 100:t]  # decisions at t-100..t-1, realised at t-99..t
        act = ds != 0
        hit[t] = ((ds * rs) > 0)[act].mean() if act.any() else 0.5
        pnl[t] = (ds * rs).sum() / np.sqrt((rs * rs).sum())
    return agg, hit, pnl


def test_signal_features_match_loop(bars):
    rng = np.random.default_rng(0)
    n = len(bars)
    sig = SimpleNamespace(signal=rng.integers(-1, 2, size=(n, 5)).astype(np.int8),
                          confidence=rng.uniform(0.3, 1.0, size=(n, 5)).astype(np.float32))
    sig.signal[:, 4] = 0
    fm = build_features(bars, sig=sig)
    assert fm.names == BAR_FEATURES + SIG_FEATURES
    agg, hit, pnl = _ref_sig(sig.signal, sig.confidence, bars.close)
    np.testing.assert_allclose(_col(fm, "sig_agg"), agg, atol=1e-6)
    np.testing.assert_allclose(_col(fm, "sig_hit_100")[100:], hit[100:], atol=1e-6)
    np.testing.assert_allclose(_col(fm, "sig_pnl_100")[100:], pnl[100:], rtol=1e-5, atol=1e-6)
    passed = (sig.confidence >= 0.57) & (sig.signal != 0)
    np.testing.assert_allclose(_col(fm, "sig_active"), passed.mean(axis=1), atol=1e-6)
    np.testing.assert_allclose(_col(fm, "sig_long"), (passed & (sig.signal > 0)).sum(1) / 5, atol=1e-6)


def test_bar_features_are_causal():
    b = make_bars(1400, seed=5)
    check_causal(lambda x: build_features(x, chunk=4096).values, b, n_random=12, extra_cuts=(959, 960, 961)).raise_if_failed()


def test_full_feature_matrix_with_mqscore_and_signals_is_causal():
    from nexus.mqscore import mqscore
    from nexus.strategies import signals

    b = make_bars(1300, seed=9)

    def fn(x):
        fm = build_features(x, mqscore(x), signals(x))
        return fm.values

    fm = build_features(b, mqscore(b), signals(b))
    assert fm.names == BAR_FEATURES + MQ_FEATURES + SIG_FEATURES
    assert np.isfinite(fm.values[fm.warmup:]).all()
    check_causal(fn, b, n_random=6, extra_cuts=(fm.warmup, fm.warmup + 1)).raise_if_failed()


def test_bad_bars_are_refused_with_row_and_field():
    b = make_bars(300, seed=1)
    close = b.close.copy()
    close[123] = np.nan
    with pytest.raises(ValidationError, match=r"row 123: field 'close'"):
        build_features(b.with_columns(close=close))


def test_select_names_missing_columns(bars):
    fm = build_features(bars)
    assert fm.select(["rv_20", "ret_1"]).shape == (len(bars), 2)
    np.testing.assert_array_equal(fm.select(["rv_20"])[:, 0], fm.values[:, fm.names.index("rv_20")])
    with pytest.raises(ModelError, match="mq_composite"):
        fm.select(["mq_composite"])


def test_feature_code_never_imports_labels():
    code = ("import sys, nexus.models, nexus.models.features, nexus.models.registry, nexus.models.inference; "
            "assert 'nexus.models.labels' not in sys.modules, 'labels imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
