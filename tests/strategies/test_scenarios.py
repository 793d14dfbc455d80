"""Per strategy: a hand-built scenario where it must fire (bar and direction asserted) and a control where it must not."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.strategies import get_spec
from nexus.strategies.technical_nb import htf_deviation_nb
from tests.strategies.scenarios import MINUTE, T0, base_share, base_volume, mk, noise


def run(name, bars, **params):
    return get_spec(name).compute(bars, params)


# ------------------------------------------------------------------ event / breakout
def test_event_driven_fires_after_confirmation_and_holds():
    c = noise(100)
    c[60:] += 2.0  # +2 % shock
    c[61:] += 0.1  # the next bar confirms
    v = base_volume(100)
    v[60] *= 10
    s, q = run("event_driven", mk(c, v), n=30, k=4.0, z=3.0, hold=5)
    assert s[60] == 0 and s[61:66].tolist() == [1] * 5 and s[66] == 0
    assert np.count_nonzero(s) == 5 and q[61] == pytest.approx(1.0)
    c2 = c.copy()
    c2[61:] -= 0.2  # the next bar disowns the shock
    s2, _ = run("event_driven", mk(c2, v), n=30, k=4.0, z=3.0, hold=5)
    assert not s2.any()


def test_low_volume_node_breakout_into_thin_price():
    c = noise(90)
    c[80:] = 100.5 + 0.01 * np.sin(np.arange(10))  # jump 50 bps into bins nobody traded
    s, q = run("low_volume_node", mk(c), window=60, bin_bps=10.0, frac=0.3)
    assert s[80] == 1 and q[80] == pytest.approx(1.0)  # node volume 0
    c2 = c.copy()
    c2[30:51] = 100.5  # the same price traded heavily inside the window: a high-volume node
    s2, _ = run("low_volume_node", mk(c2), window=60, bin_bps=10.0, frac=0.3)
    assert s2[80] == 0


def test_absorption_breakout_above_the_absorption_bar():
    c = noise(70)
    v = base_volume(70)
    v[50] *= 8
    hi = np.maximum(np.r_[c[0], c[:-1]], c) + 0.05
    lo = np.minimum(np.r_[c[0], c[:-1]], c) - 0.05
    o = np.r_[c[0], c[:-1]]
    o[50] = c[50]
    hi[50], lo[50] = c[50] + 0.01, c[50] - 0.01  # tiny range on heavy volume
    c[51:53] = c[50]
    o[51:54] = c[50]
    hi[51:53], lo[51:53] = c[50] + 0.005, c[50] - 0.005
    c[53:] = c[50] + 0.3  # breaks out above
    o[54:] = c[53:-1]
    s, _ = run("absorption", mk(c, v, high=hi, low=lo, open_=o), n=20, z=2.0, range_frac=0.6, hold=10)
    assert s[53] == 1 and np.flatnonzero(s).tolist() == [53]
    v2 = base_volume(70)
    s2, _ = run("absorption", mk(c, v2, high=hi, low=lo, open_=o), n=20, z=2.0, range_frac=0.6, hold=10)
    assert s2[53] == 0


def test_momentum_breakout_on_a_two_sigma_close():
    c = noise(80)
    c[60:] -= 1.0
    s, q = run("momentum_breakout", mk(c), n=20, z=2.0)
    assert s[60] == -1 and q[60] > 0.5
    s2, _ = run("momentum_breakout", mk(noise(80)), n=20, z=2.0)
    assert not s2.any()  # a wiggle never reaches 2 sigma


# ------------------------------------------------------------------ microstructure
def _runs(n, run_len, a=0.0005):
    r = np.array([a if (i // run_len) % 2 == 0 else -a for i in range(n)])
    return 100 * np.cumprod(1 + r)


def test_market_microstructure_follows_in_persistent_flow_and_fades_in_bounce():
    for run_len, want in ((3, 1), (1, -1)):  # runs of three: ac > 0 follow; alternating: ac < 0 fade
        c = _runs(80, run_len)
        c[70:] *= 1.003  # a large up bar
        s, _ = run("market_microstructure", mk(c), n=30, k=1.5, ac_thr=0.1)
        assert s[70] == want, run_len
    c = _runs(80, 3)
    s, _ = run("market_microstructure", mk(c), n=30, k=1.5, ac_thr=0.1)
    assert s[70] == 0  # no large bar: no signal


def test_order_book_imbalance_sides_with_aggressive_flow():
    for level, want in ((0.8, 1), (0.2, -1), (0.55, 0)):
        sh = base_share(60)
        sh[40:50] = level
        s, _ = run("order_book_imbalance", mk(noise(60), share=sh), n=10, thr=0.25)
        assert s[49] == want, level


def test_liquidity_absorption_buys_when_selling_does_not_move_price():
    c = noise(70)
    sh = base_share(70)
    v = base_volume(70)
    sh[50:55] = 0.2
    v[50:55] *= 2
    c[50:55] = c[49] + 0.01  # price held
    s, _ = run("liquidity_absorption", mk(c, v, sh), m=5, n=30, thr=0.15, vmult=1.2)
    assert s[54] == 1
    c2 = c.copy()
    c2[50:55] = c[49] - np.linspace(0.05, 0.3, 5)  # the selling got its result
    s2, _ = run("liquidity_absorption", mk(c2, v, sh), m=5, n=30, thr=0.15, vmult=1.2)
    assert s2[54] == 0


# ------------------------------------------------------------------ detection
def test_spoofing_fades_buying_pressure_that_price_disowns():
    c = noise(70)
    v = base_volume(70)
    sh = base_share(70)
    v[50] *= 3
    sh[50] = 0.9
    c[50] = c[49] + 0.05
    c[51] = c[49] - 0.1  # below bar 50's open
    s, _ = run("spoofing", mk(c, v, sh), n=20, z=1.0, thr=0.3)
    assert s[51] == -1
    c2 = c.copy()
    c2[51] = c[50] + 0.05
    s2, _ = run("spoofing", mk(c2, v, sh), n=20, z=1.0, thr=0.3)
    assert s2[51] == 0


def test_iceberg_sides_with_the_hidden_order():
    c = noise(70)
    v = base_volume(70)
    sh = base_share(70)
    v[50:55] *= 3
    sh[50:55] = 0.8  # aggressive buying ...
    c[50:55] = c[49]  # ... that cannot lift price: a hidden seller
    s, _ = run("iceberg", mk(c, v, sh, wick=0.01), m=5, n=30, vmult=1.3, range_k=2.0, thr=0.1)
    assert s[54] == -1
    c2 = c.copy()
    c2[50:55] = c[49] + np.linspace(0.3, 1.5, 5)  # price ran: no hidden order
    s2, _ = run("iceberg", mk(c2, v, sh, wick=0.01), m=5, n=30, vmult=1.3, range_k=2.0, thr=0.1)
    assert s2[54] == 0


def test_liquidation_cascade_and_exhaustion():
    c = noise(70)
    drop = np.cumsum([0.2, 0.4, 0.8, 1.6, 3.2])
    c[56:61] = c[55] - drop
    c[61:] = c[60]
    v = base_volume(70)
    v[60] *= 10
    s, _ = run("liquidation", mk(c, v), n=30, m=5, z=2.5, v_thr=2.0)
    assert s[60] == -1  # accelerating: ride the cascade
    c2 = c.copy()
    c2[60] = c2[59] + 0.3  # the drop stalls and bounces on the volume climax
    c2[61:] = c2[60]
    s2, _ = run("liquidation", mk(c2, v), n=30, m=5, z=2.5, v_thr=2.0)
    assert s2[60] == 1
    s3, _ = run("liquidation", mk(c, base_volume(70)), n=30, m=5, z=2.5, v_thr=2.0)
    assert s3[60] == 0  # no volume burst


def test_liquidity_trap_fades_a_failed_break_of_the_volume_level():
    c = noise(60, 100.5)
    v = base_volume(60)
    c[20] = 101.0
    v[20] *= 10  # the level: close of the highest-volume bar
    hi = np.maximum(np.r_[c[0], c[:-1]], c) + 0.05
    hi[45] = 101.3
    c[45] = 100.6
    s, q = run("liquidity_trap", mk(c, v, high=hi), n=30, atr_n=20, k=0.1)
    assert s[45] == -1 and 0.5 < q[45] <= 1.0
    c2 = c.copy()
    c2[45] = 101.2  # closed above: a real break
    s2, _ = run("liquidity_trap", mk(c2, v, high=hi), n=30, atr_n=20, k=0.1)
    assert s2[45] == 0


# ------------------------------------------------------------------ technical
def test_htf_bars_count_only_after_they_closed():
    c = np.arange(1.0, 21.0)
    ts = T0 + np.arange(20, dtype=np.int64) * MINUTE
    d = htf_deviation_nb(ts, c, MINUTE, 5 * MINUTE, 2)
    # 5-minute buckets close with bars 4, 9, 14, 19; two are needed for the mean
    assert np.isnan(d[:9]).all()
    assert d[9] == pytest.approx(10 - (5 + 10) / 2) and d[13] == pytest.approx(2.5) and d[14] == pytest.approx(15 - 12.5)
    # with a gap the bucket counts at the first bar of a later bucket, never earlier
    keep = np.r_[0:8, 11:20]
    d2 = htf_deviation_nb(ts[keep], c[keep], MINUTE, 5 * MINUTE, 2)
    assert np.isnan(d2[:8]).all() and d2[8] == pytest.approx(8 - (5 + 8) / 2)


def test_mtf_alignment_needs_all_three_timeframes():
    n = 298  # the last closed 5-minute bar ends with bar 294
    c = 100 + 0.01 * np.arange(n) + 0.02 * np.sin(np.arange(n))
    s, _ = run("mtf_alignment", mk(c), n=10, k5=3, k60=2)
    assert s[-1] == 1 and s[-60:].min() == 1
    c2 = c.copy()
    c2[-3:] = c[-4] - 0.1 * np.arange(1, 4)  # the 1-minute trend turned; 5m and 1h (closed bars) still up
    s2, _ = run("mtf_alignment", mk(c2), n=10, k5=3, k60=2)
    assert s2[-1] == 0


def test_cumulative_delta_follows_confirmed_flow():
    n = 80
    sh = base_share(n)
    sh[40:] = np.where(np.arange(40) % 2 == 0, 0.65, 0.75)
    c = noise(n)
    c[40:] += 0.02 * np.arange(1, 41)
    s, _ = run("cumulative_delta", mk(c, share=sh), n=30, thr=2.0)
    assert s[69] == 1
    c2 = noise(n)
    c2[40:] -= 0.02 * np.arange(1, 41)  # buying but price below its mean: unconfirmed
    s2, _ = run("cumulative_delta", mk(c2, share=sh), n=30, thr=2.0)
    assert s2[69] == 0


def test_delta_divergence_new_low_without_new_delta_low():
    n = 70
    c = noise(n, 101)
    sh = base_share(n)
    c[40:56] = 101 - 0.06 * np.arange(1, 17)
    sh[40:56] = 0.2  # heavy selling: cvd makes its low at 55
    c[56:60] = c[55] + 0.02
    sh[56:60] = 0.8
    c[60] = c[55] - 0.1  # price: a new low ...
    sh[60] = 0.45  # ... on mild selling: cvd stays above its low
    c[61:] = c[60]
    s, _ = run("delta_divergence", mk(c, share=sh), n=20)
    assert s[60] == 1
    v = base_volume(n)
    v[60] *= 20
    sh2 = sh.copy()
    sh2[60] = 0.05  # the new low comes with a new delta low
    s2, _ = run("delta_divergence", mk(c, v, sh2), n=20)
    assert s2[60] == 0


# ------------------------------------------------------------------ rotation
def test_open_drive_then_fade():
    n = 200
    c = noise(n)
    c[120:130] = c[119] + 0.1 * np.arange(1, 11)  # session 3 (bars 120-179) opens with a drive up
    c[130:150] = c[129]
    c[150:180] = c[119] - 0.2  # later it falls back through the session open
    c[180:] = c[119]
    p = dict(session_minutes=60, open_minutes=10, k=0.5, atr_n=10)
    s, q = run("open_drive", mk(c), **p)
    assert s[120:129].tolist() == [0] * 9
    assert s[129] == 1 and s[149] == 1 and q[129] > 0.5
    assert s[150] == -1 and s[179] == -1 and s[180] == 0
    c2 = c.copy()
    c2[120:150] = c[119]  # no drive
    s2, _ = run("open_drive", mk(c2), **p)
    assert not s2[120:180].any()


def test_profile_rotation_re_entering_value_area():
    c = noise(90)
    c[80:85] = 99.5  # below the value area
    c[85:] = 100.0
    s, _ = run("profile_rotation", mk(c), window=60, bin_bps=10.0, va_frac=0.7)
    assert s[85] == 1
    c2 = c.copy()
    c2[85:] = 99.5
    s2, _ = run("profile_rotation", mk(c2), window=60, bin_bps=10.0, va_frac=0.7)
    assert s2[85] == 0


# ------------------------------------------------------------------ reversion
def test_vwap_reversion_fades_a_stretch():
    c = noise(80)
    c[60:] += 1.0
    s, _ = run("vwap_reversion", mk(c), n=30, atr_n=30, k=2.0)
    assert s[60] == -1
    s2, _ = run("vwap_reversion", mk(noise(80)), n=30, atr_n=30, k=2.0)
    assert not s2.any()


def test_stop_run_towards_equal_highs():
    c = noise(60)
    hi = np.maximum(np.r_[c[0], c[:-1]], c) + 0.05
    hi[15], hi[35] = 101.0, 101.02  # equal highs in both halves of the lookback: stops rest above
    c[45] = 100.9
    c[44] = 100.8
    s, q = run("stop_run", mk(c, high=hi), n=40, atr_n=20, tol=0.5, near=1.0)
    assert s[45] == 1 and 0.5 < q[45] < 1.0
    hi2 = hi.copy()
    hi2[35] = 100.3  # a single top: no cluster
    s2, _ = run("stop_run", mk(c, high=hi2), n=40, atr_n=20, tol=0.5, near=1.0)
    assert s2[45] == 0


# ------------------------------------------------------------------ ML-flavoured
def test_momentum_ignition_after_a_quiet_tape():
    c = noise(80)
    c[60:] += 1.0
    o = np.r_[c[0], c[:-1]]
    v = base_volume(80)
    v[60] *= 10
    p = dict(n=30, k=3.0, z=2.0, quiet=10, quiet_z=1.5, body=0.6)
    s, _ = run("momentum_ignition", mk(c, v, open_=o, wick=0.01), **p)
    assert s[60] == 1 and np.count_nonzero(s) == 1
    v2 = v.copy()
    v2[55] *= 6  # the tape was not quiet
    s2, _ = run("momentum_ignition", mk(c, v2, open_=o, wick=0.01), **p)
    assert s2[60] == 0


def test_volume_imbalance_scores_one_sided_volume():
    n = 70
    c = noise(n)
    c[40:60] = c[39] + 0.03 * np.arange(1, 21)
    sh = base_share(n)
    sh[40:60] = 0.8
    s, q = run("volume_imbalance", mk(c, share=sh), n=20, thr=0.6)
    assert s[59] == 1 and q[59] > 0.9
    s2, _ = run("volume_imbalance", mk(noise(n)), n=20, thr=0.6)
    assert s2[59] == 0


# ------------------------------------------------------------------ baselines
def test_sma_crossover_hand_values():
    c = np.array([5, 4, 3, 2, 3, 4, 5, 6], dtype=float)
    s, q = run("sma_crossover", mk(c), fast=2, slow=4)
    # sma2: -, 4.5, 3.5, 2.5, 2.5, 3.5, 4.5, 5.5 ; sma4: -, -, -, 3.5, 3, 3, 3.5, 4.5
    assert s.tolist() == [0, 0, 0, 0, -1, 1, 1, 1] and q[5] == 1.0


def test_zscore_reversion_and_ts_momentum_and_donchian():
    c = noise(80)
    c[60:] += 1.0
    s, _ = run("zscore_reversion", mk(c), n=20, k=2.0)
    assert s[60] == -1 and not run("zscore_reversion", mk(noise(80)), n=20, k=2.0)[0].any()
    up = 100 + 0.1 * np.arange(50)
    assert run("ts_momentum", mk(up), lookback=10)[0][10:].min() == 1
    assert run("ts_momentum", mk(up[::-1]), lookback=10)[0][10:].max() == -1
    d = noise(80)
    d[50:] += 1.0  # break up at 50 ...
    d[70:] -= 3.0  # ... and down at 70
    s, _ = run("donchian_breakout", mk(d), n=20)
    assert s[50:70].tolist() == [1] * 20 and s[70:].min() == -1 and s[49] != 1
