from __future__ import annotations

import numpy as np
import pytest

from nexus.indicators.histogram import rolling_max_bin_share_nb
from nexus.lookahead import check_causal


def _ref(x, n, bins):
    out = np.full(len(x), np.nan)
    for t in range(n - 1, len(x)):
        w = x[t - n + 1:t + 1]
        if not np.isnan(w).any():
            out[t] = np.histogram(w, bins=bins)[0].max() / n
    return out


@pytest.mark.parametrize("fn", [rolling_max_bin_share_nb])
def test_matches_numpy_histogram_exactly(fn):
    rng = np.random.default_rng(0)
    walk = np.round(100 + np.cumsum(rng.normal(size=4000)), 2)  # ties and values on edges
    walk[500] = np.nan
    walk[2000:2300] = 42.0  # a flat stretch: one bin holds all
    walk[3000] = 1e6  # an outlier stretches the bins
    for n, bins in ((200, 20), (37, 7), (5, 3)):
        got = fn(walk, n, bins)
        ref = _ref(walk, n, bins)
        np.testing.assert_array_equal(got, ref)


def test_hand_example_and_causality():
    x = np.array([1.0, 2, 3, 4, 4, 4, 10])
    np.testing.assert_allclose(rolling_max_bin_share_nb(x, 5, 3)[4:], [0.6, 0.6, 0.8])
    y = np.cumsum(np.random.default_rng(3).normal(size=500))
    check_causal(lambda a: rolling_max_bin_share_nb(a, 50, 20), y, n_random=10).raise_if_failed()


def test_block_by_block_equals_one_pass():
    """The engine advances the histogram a block at a time (state carried in counts/edges/fs/ist):
    blocks of any size, including ones shorter than the window, give the one-pass values."""
    from nexus.indicators.histogram import bin_share_block2_nb

    rng = np.random.default_rng(7)
    x = np.round(100 + np.cumsum(rng.normal(size=3000)), 1)
    x[1234] = np.nan
    x[2100:2150] = x[2099]
    whole = rolling_max_bin_share_nb(x, 200, 20)
    for block in (1, 37, 199, 1024):
        out = np.empty(len(x))
        counts, edges, fs, ist = np.zeros(80, np.int64), np.empty(21), np.full(4, np.nan), np.zeros(2, np.int64)
        for t0 in range(0, len(x), block):
            t1 = min(len(x), t0 + block)
            bin_share_block2_nb(x, t0, t1, 200, 20, counts, edges, fs, ist, out[t0:t1])
        np.testing.assert_array_equal(out, whole)
    np.testing.assert_array_equal(whole, _ref(x, 200, 20))
