from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import savgol_coeffs

from nexus.errors import ConfigError
from nexus.indicators.savgol import savgol_causal_coeffs, savgol_causal_nb
from nexus.lookahead import check_causal


@pytest.mark.parametrize("window,order", [(21, 3), (11, 2), (5, 1)])
def test_coefficients_equal_scipy_endpoint_coefficients(window, order):
    np.testing.assert_allclose(savgol_causal_coeffs(window, order),
                               savgol_coeffs(window, order, pos=window - 1, use="dot"), atol=1e-12)


def test_smooth_is_the_endpoint_of_a_trailing_cubic_fit():
    x = 40_000 + np.cumsum(np.random.default_rng(0).normal(size=300))
    got = savgol_causal_nb(x, savgol_causal_coeffs(21, 3))
    assert np.isnan(got[:20]).all()
    for t in range(20, 300, 17):
        z = np.arange(21.0)
        fit = np.polyval(np.polyfit(z, x[t - 20:t + 1] - x[t], 3), 20.0) + x[t]
        assert abs(got[t] - fit) < 1e-8


def test_causal_and_validated():
    x = np.cumsum(np.random.default_rng(1).normal(size=300))
    h = savgol_causal_coeffs(21, 3)
    check_causal(lambda a: savgol_causal_nb(a, h), x, n_random=10).raise_if_failed()
    with pytest.raises(ConfigError):
        savgol_causal_coeffs(3, 3)
