"""Rolling volume profile against a plain-Python profile rebuilt from the window at every bar."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nexus.indicators.profile import price_bins_nb, rolling_profile
from nexus.lookahead import check_causal
from tests.conftest import make_bars


def _reference(close, volume, window, bps, va_frac):
    bins = [math.floor(math.log(c) / (bps * 1e-4)) for c in close]
    n = len(close)
    node, mean = np.full(n, np.nan), np.full(n, np.nan)
    poc, val, vah = np.zeros(n, int), np.zeros(n, int), np.zeros(n, int)
    for t in range(window, n):
        prof = {}
        for j in range(t - window, t):
            prof[bins[j]] = prof.get(bins[j], 0.0) + volume[j]
        node[t] = prof.get(bins[t], 0.0)
        mean[t] = sum(prof.values()) / len(prof)
        lo, hi = min(prof), max(prof)
        p = max(sorted(prof), key=lambda k: (prof[k], -k))
        a = z = p
        acc, target = prof[p], va_frac * sum(prof.values())
        while acc < target:
            up = prof.get(z + 1, 0.0) if z + 1 <= hi else -1.0
            dn = prof.get(a - 1, 0.0) if a - 1 >= lo else -1.0
            if up < 0 and dn < 0:
                break
            if up >= dn:
                z, acc = z + 1, acc + up
            else:
                a, acc = a - 1, acc + dn
        poc[t], val[t], vah[t] = p, a, z
    return np.array(bins), node, mean, poc, val, vah


def test_hand_example():
    c = np.array([100.0, 100.0, 101.0, 100.0])
    v = np.array([5.0, 5.0, 1.0, 2.0])
    node, mean, poc, val, vah = rolling_profile(c, v, window=3, bin_bps=10)
    assert np.isnan(node[:3]).all()
    assert node[3] == 10.0 and mean[3] == 5.5
    assert poc[3] == val[3] == vah[3] == math.floor(math.log(100.0) / 1e-3)  # 10 of 11 units: POC alone covers 70 %


@pytest.mark.parametrize("window,bps,va", [(30, 10.0, 0.7), (100, 5.0, 0.5), (7, 20.0, 0.9)])
def test_matches_reference(window, bps, va):
    b = make_bars(800, seed=window, vol=0.003)
    bins, node, mean, poc, val, vah = _reference(b.close.tolist(), b.volume.tolist(), window, bps, va)
    np.testing.assert_array_equal(price_bins_nb(b.close, bps * 1e-4), bins)
    got = rolling_profile(b.close, b.volume, window, bps, va)
    np.testing.assert_allclose(got[0], node, rtol=1e-9, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(got[1], mean, rtol=1e-9, equal_nan=True)
    for g, w in zip(got[2:], (poc, val, vah)):
        np.testing.assert_array_equal(g[window:], w[window:])
    # the change-only mode agrees wherever the bin changed
    lazy = rolling_profile(b.close, b.volume, window, bps, va, va_on_change=True)
    ch = np.flatnonzero(np.r_[False, bins[1:] != bins[:-1]])
    ch = ch[ch >= window]
    for g, w in zip(lazy[2:], (poc, val, vah)):
        np.testing.assert_array_equal(g[ch], w[ch])


def test_causal_and_start_independent():
    b = make_bars(1000, seed=2)
    check_causal(lambda x: rolling_profile(x.close, x.volume, 50), b).raise_if_failed()
    # absolute bins: starting later changes nothing once a full window is in
    full = rolling_profile(b.close, b.volume, 50)
    part = rolling_profile(b.close[300:], b.volume[300:], 50)
    np.testing.assert_allclose(part[0][50:], full[0][350:], rtol=1e-9)
    np.testing.assert_array_equal(part[2][50:], full[2][350:])
