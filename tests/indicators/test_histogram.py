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
