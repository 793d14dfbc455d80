"""The per-element helpers against their definitions, called from a kernel as the callers do."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from nexus.indicators.scalar import clip01_nb, conf_nb, sign_nb, tanh_pos_nb


@njit
def _apply(x, thr, neutral):
    out = np.empty((x.shape[0], 4))
    for i in range(x.shape[0]):
        out[i, 0] = sign_nb(x[i])
        out[i, 1] = clip01_nb(x[i], neutral)
        out[i, 2] = conf_nb(x[i], thr)
        out[i, 3] = tanh_pos_nb(x[i]) if x[i] >= 0.0 or x[i] != x[i] else 0.0
    return out


def test_hand_values():
    x = np.array([-1.5, -0.0, 0.0, 0.25, 1.0, 3.0, 50.0, np.nan])
    got = _apply(x, 2.0, 0.5)
    assert got[:, 0].tolist()[:7] == [-1, 0, 0, 1, 1, 1, 1] and got[7, 0] == 0
    assert got[:, 1].tolist() == [0.0, 0.0, 0.0, 0.25, 1.0, 1.0, 1.0, 0.5]
    assert got[:, 2].tolist()[:7] == [0.0, 0.0, 0.0, 0.0625, 0.25, 0.75, 1.0] and np.isnan(got[7, 2])
    assert np.isnan(_apply(np.array([np.nan]), 2.0, np.nan)[0, 1])  # a NaN neutral keeps NaN
    assert _apply(np.array([3.0]), 0.0, 0.5)[0, 2] == 1.0  # no threshold: full confidence


def test_tanh_matches_libm():
    x = np.r_[np.linspace(0.0, 25.0, 20001), [1e-12, 19.49, 19.51, 700.0]]
    got = _apply(x, 1.0, 0.5)[:, 3]
    np.testing.assert_allclose(got, [math.tanh(v) for v in x], rtol=0, atol=2e-14)
