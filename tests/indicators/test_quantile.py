from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus.errors import ConfigError
from nexus.indicators.quantile import quantiles_block_nb, rolling_quantile, rolling_quantiles_nb
from nexus.lookahead import check_causal


@pytest.mark.parametrize("n", [1, 2, 5, 50])
def test_matches_pandas_with_ties_and_nans(n):
    rng = np.random.default_rng(n)
    x = np.round(rng.gamma(2.0, 3.0, 3000), 1)  # many ties
    x[[100, 101, 2000]] = np.nan
    qs = np.array([0.0, 0.1, 0.25, 0.5, 0.75, 1.0])
    got = rolling_quantiles_nb(x, n, qs)
    for i, q in enumerate(qs):
        ref = pd.Series(x).rolling(n).quantile(q).to_numpy()
        np.testing.assert_array_equal(np.isnan(got[:, i]), np.isnan(ref))
        np.testing.assert_allclose(got[:, i], ref, rtol=0, atol=1e-12)


def test_blocks_give_the_same_as_one_pass():
    x = np.random.default_rng(0).normal(size=1000)
    qs = np.array([0.25, 0.75])
    whole = rolling_quantiles_nb(x, 50, qs)
    buf, ist, out = np.empty(50), np.zeros(2, np.int64), np.empty((64, 2))
    parts = []
    for t0 in range(0, 1000, 64):
        t1 = min(1000, t0 + 64)
        quantiles_block_nb(x, t0, t1, 50, buf, ist, qs, out)
        parts.append(out[: t1 - t0].copy())
    np.testing.assert_array_equal(np.vstack(parts), whole)


def test_wrapper_and_causality():
    x = np.arange(6.0)
    assert rolling_quantile(x, 3, 0.5).tolist()[2:] == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ConfigError):
        rolling_quantile(x, 3, 1.5)
    y = np.random.default_rng(1).normal(size=400)
    check_causal(lambda a: rolling_quantile(a, 20, 0.3), y, n_random=10).raise_if_failed()
