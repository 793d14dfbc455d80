"""Pipeline kernels against plain-Python references and hand-checked book scenarios."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nexus.pipeline import reasons as R
from nexus.pipeline.kernels import WARMUP_RETURNS, rule_scores_nb
from nexus.pipeline.layers.execution import book_targets, place_on_clock
from tests.conftest import make_bars


def _rule_ref(o, h, l, c, v, lf, ls):
    n = len(c)
    vf, vs, dq, an = [math.nan] * n, [math.nan] * n, [0.0] * n, [0.0] * n
    var_f = var_s = None
    seen = 0
    for t in range(n):
        bad = v[t] <= 0 or h[t] < l[t] or c[t] <= 0
        r = c[t] / c[t - 1] - 1 if t > 0 else None
        sigma = math.sqrt(var_f) if seen >= WARMUP_RETURNS else None
        if r is not None:
            if sigma:
                dq[t] = min(1.0, abs(r) / sigma / 8)
                an[t] = min(1.0, abs(r) / sigma / 5)
            var_f = r * r if var_f is None else lf * var_f + (1 - lf) * r * r
            var_s = r * r if var_s is None else ls * var_s + (1 - ls) * r * r
            seen += 1
        if bad:
            dq[t] = 1.0
        if seen >= WARMUP_RETURNS:
            vf[t], vs[t] = math.sqrt(var_f), math.sqrt(var_s)
    return vf, vs, dq, an


def test_rule_scores_match_loop():
    b = make_bars(400, seed=2)
    vol = b.volume.copy()
    vol[50] = 0.0
    close = b.close.copy()
    close[300] *= 1.05  # a jump: data-quality and anomaly scores rise
    got = rule_scores_nb(b.open, np.maximum(b.high, close), b.low, close, vol, 0.94, 0.995)
    ref = _rule_ref(b.open, np.maximum(b.high, close), b.low, close, vol, 0.94, 0.995)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, np.array(r), rtol=1e-12, equal_nan=True)
    assert got[2][50] == 1.0 and got[3][300] == 1.0


def test_rule_scores_causal():
    from nexus.lookahead import check_causal

    b = make_bars(300, seed=4)
    rep = check_causal(lambda x: rule_scores_nb(x.open, x.high, x.low, x.close, x.volume, 0.94, 0.995), b, n_random=15)
    rep.raise_if_failed()


def _run(dec, px=None, high=None, low=None, tradable=None, day=None, **kw):
    n, k = dec.shape
    px = np.full((n, k), 100.0) if px is None else px
    params = dict(stop_loss=0.02, take_profit=0.04, symbol_cap=0.2, gross_cap=1.0, daily_loss_limit=0.02,
                  max_drawdown=0.15, max_hold_rows=0, pyramid=True, cost_rate=0.0)
    params.update(kw)
    return book_targets(dec, np.ones((n, k), bool) if tradable is None else tradable,
                        px if high is None else high, px if low is None else low, px,
                        np.zeros(n, np.int64) if day is None else day, **params)


def test_pyramid_up_to_symbol_cap_then_refuse():
    dec = np.full((4, 1), np.nan)
    dec[:, 0] = 0.08
    out = _run(dec)
    assert out.target[:, 0].tolist() == pytest.approx([0.08, 0.16, 0.2, np.nan], nan_ok=True)
    assert out.reason[3, 0] == R.SAME_DIRECTION_CAPPED
    out = _run(dec, pyramid=False)
    assert np.isnan(out.target[1:, 0]).all() and (out.reason[1:, 0] == R.SAME_DIRECTION_CAPPED).all()


def test_gross_cap_scales_then_refuses():
    dec = np.full((2, 3), np.nan)
    dec[0] = [0.1, 0.1, 0.1]
    out = _run(dec, gross_cap=0.25)
    assert out.target[0].tolist() == pytest.approx([0.1, 0.1, 0.05])
    dec[1, 0] = -0.1  # a flip frees its own weight: room = 0.25 - 0.15
    out = _run(dec, gross_cap=0.25)
    assert out.target[1, 0] == pytest.approx(-0.1)


def test_gross_at_cap_up_to_rounding_lets_no_dust_increment_through():
    """Regression: six weights summing to the gross cap left, after rounding, a room 2.8e-17 above
    the first weight, and adding to that position placed an order of that size (an MQScore change
    in the last bits flipped two decisions of the golden run this way)."""
    w = [0.151, 0.176, 0.19, 0.102, 0.182, 0.199]
    dec = np.full((2, 6), np.nan)
    dec[0] = w
    dec[1, 0] = 0.05
    out = _run(dec, gross_cap=1.0)
    assert out.target[0].tolist() == pytest.approx(w)
    assert np.isnan(out.target[1, 0]) and out.reason[1, 0] == R.GROSS_CAP


def test_stop_loss_and_take_profit_close_then_allow_reentry():
    from nexus.pipeline.overlay_kernels import EXIT_STOP_LOSS, EXIT_TAKE_PROFIT

    dec = np.full((6, 1), np.nan)
    dec[0, 0] = 0.1
    dec[1, 0] = 0.1  # decided on the bar the stop is hit: refused, no same-bar re-entry
    dec[2, 0] = -0.1
    low = np.full((6, 1), 100.0)
    low[1, 0] = 97.9  # below 98 = entry * (1 - 2 %)
    high = np.full((6, 1), 100.0)
    high[4, 0] = 96.0  # short from 100: take profit at 96 (4 %) is reached from below? no: needs low <= 96
    low[4, 0] = 95.9
    out = _run(dec, low=low, high=high)
    assert out.target[:, 0].tolist() == pytest.approx([0.1, 0.0, -0.1, np.nan, 0.0, np.nan], nan_ok=True)
    assert out.exit_code[1, 0] == EXIT_STOP_LOSS and out.exit_code[4, 0] == EXIT_TAKE_PROFIT
    assert out.reason[1, 0] == R.SYMBOL_CLOSED
    assert out.held[:, 0].tolist() == pytest.approx([0.1, 0.0, -0.1, -0.1, 0.0, 0.0])


def test_daily_loss_limit_flattens_and_blocks_until_next_day():
    n = 6
    dec = np.full((n, 2), np.nan)
    dec[0] = [0.2, 0.0]
    dec[3, 1] = 0.1  # same day, after the breach: refused
    dec[5, 1] = 0.1  # next day: allowed
    px = np.full((n, 2), 100.0)
    px[2:, 0] = 88.0  # -12 % on a 0.2 weight = -2.4 % book: breach at row 2 (no stop: SL off)
    day = np.array([0, 0, 0, 0, 1, 1])
    out = _run(dec, px=px, day=day, stop_loss=0.0, take_profit=0.0)
    assert out.target[2, 0] == 0.0
    assert out.reason[3, 1] == R.DAILY_LOSS_LIMIT and np.isnan(out.target[3, 1])
    assert out.target[5, 1] == pytest.approx(0.1)
    assert out.equity[2] == pytest.approx(1 - 0.2 * 0.12)


def test_drawdown_stop_is_final():
    n = 5
    dec = np.full((n, 1), np.nan)
    dec[0, 0] = 1.0
    dec[3, 0] = 0.5
    px = np.full((n, 1), 100.0)
    px[1:, 0] = 80.0
    out = _run(dec, px=px, symbol_cap=1.0, stop_loss=0.0, take_profit=0.0, daily_loss_limit=0.0, max_drawdown=0.15)
    assert out.target[1, 0] == 0.0 and out.reason[3, 0] == R.DRAWDOWN_STOP
    from nexus.pipeline.overlay_kernels import EXIT_DRAWDOWN

    assert out.exit_code[1, 0] == EXIT_DRAWDOWN


def test_time_stop_and_closed_market():
    dec = np.full((5, 1), np.nan)
    dec[0, 0] = 0.1
    tradable = np.ones((5, 1), bool)
    tradable[2, 0] = False  # due at row 2, market closed: flatten waits for row 3
    out = _run(dec, tradable=tradable, max_hold_rows=2)
    assert np.isnan(out.target[2, 0]) and out.target[3, 0] == 0.0
    dec2 = np.full((3, 1), np.nan)
    dec2[1, 0] = 0.1
    out = _run(dec2, tradable=np.array([[True], [False], [True]]))
    assert out.reason[1, 0] == R.SYMBOL_CLOSED


def test_costs_lower_the_estimate():
    dec = np.full((2, 1), np.nan)
    dec[0, 0] = 0.1
    out = _run(dec, cost_rate=0.0015)
    assert out.equity[0] == pytest.approx(1 - 0.1 * 0.0015)


def test_place_on_clock_waits_for_the_close():
    minute = 60
    read = np.arange(1, 11) * minute  # clock bars 0..9 close at 1..10 min
    close_ts = np.array([5, 10, 11]) * minute  # 5m bars closing at 5 and 10 min, and one after the end
    rows = place_on_clock(read, close_ts, np.array([0, 1, 2]))
    assert rows.tolist() == [4, 9, -1]


def test_min_hold_refuses_early_reversal():
    dec = np.full((5, 1), np.nan)
    dec[0, 0] = 0.1
    dec[2, 0] = -0.1  # held 2 rows < 3: refused
    dec[4, 0] = -0.1  # held 4 rows: reverses
    out = _run(dec, min_hold_rows=3)
    assert out.reason[2, 0] == R.MIN_HOLD and np.isnan(out.target[2, 0])
    assert out.target[4, 0] == pytest.approx(-0.1)


def test_place_on_clock_drops_decisions_before_the_clock():
    read = np.arange(11, 21) * 60  # clock bars open 10..19 min
    rows = place_on_clock(read, np.array([5, 11, 12]) * 60, np.array([0, 1, 2]), clock_start=10 * 60)
    assert rows.tolist() == [-1, 0, 1]


def test_asof_on_clock_coarse_series_never_fills_at_a_past_open():
    from nexus.pipeline.book import asof_on_clock, union_sorted
    from tests.conftest import MINUTE_NS, T0

    five = make_bars(4, seed=1, timeframe="5m", step_ns=5 * MINUTE_NS)
    clock_ts = T0 + np.arange(20) * MINUTE_NS
    read = clock_ts + MINUTE_NS
    o, h, lo, c, tr = asof_on_clock(five, read, MINUTE_NS, "24/7")
    # bar 0 closes at T0 + 5 min = read of row 4
    assert np.isnan(np.where(tr, 0.0, np.nan)[:4]).all() and tr[4:].all()
    assert c[4] == five.close[0] and c[8] == five.close[0] and c[9] == five.close[1]
    assert h[9] == five.high[1] and h[8] == c[8]  # the bar's range only on the row it became known
    assert o[10] == c[9] and o[9] == c[8]  # a fill pays the last known price, not bar 1's open
    one = make_bars(5, seed=2)
    o1, *_ = asof_on_clock(one, T0 + (np.arange(5) + 1) * MINUTE_NS, MINUTE_NS, "24/7")
    assert o1.tolist() == one.open.tolist()
    assert union_sorted([np.array([1, 3, 5]), np.array([2, 3, 6])]).tolist() == [1, 2, 3, 5, 6]


def test_drawdown_cooloff_resumes_from_a_new_peak():
    n = 8
    dec = np.full((n, 1), np.nan)
    dec[0, 0] = 1.0
    dec[2, 0] = 0.5  # refused: stopped
    dec[5, 0] = 0.5  # cool-off of 4 rows over (stopped at row 1): accepted
    px = np.full((n, 1), 100.0)
    px[1:, 0] = 80.0
    out = _run(dec, px=px, symbol_cap=1.0, stop_loss=0.0, take_profit=0.0, daily_loss_limit=0.0, max_drawdown=0.15,
               cooloff_rows=4)
    assert out.reason[2, 0] == R.DRAWDOWN_STOP and out.target[5, 0] == pytest.approx(0.5)
