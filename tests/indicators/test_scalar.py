"""The per-element helpers against their definitions, called from a kernel as the callers do."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from nexus.indicators.scalar import (
    bar_true_range_nb, clip01_nb, close_location_value_nb, conf_nb, directional_moves_nb, ema_step_nb, sign_nb, tanh_pos_nb,
    wilder_step_nb,
)


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


@njit
def _bar_formulas(h, lo, c, ph, pl, pc, s, alpha, n):
    out = np.empty((h.shape[0], 6))
    for i in range(h.shape[0]):
        out[i, 0] = bar_true_range_nb(h[i], lo[i], pc[i])
        out[i, 1] = close_location_value_nb(h[i], lo[i], c[i])
        out[i, 2], out[i, 3] = directional_moves_nb(h[i], lo[i], ph[i], pl[i])
        out[i, 4] = ema_step_nb(s[i], c[i], alpha)
        out[i, 5] = wilder_step_nb(s[i], c[i], n)
    return out


def test_bar_formulas_and_steps_match_their_definitions():
    h = np.array([10.0, 12.0, 11.0, 9.0, 10.0])
    lo = np.array([8.0, 10.0, 11.0, 7.0, 9.5])
    c = np.array([9.5, 10.5, 11.0, 7.5, 9.75])
    ph = np.array([9.0, 10.0, 12.0, 11.0, 9.0])
    pl = np.array([7.0, 8.0, 10.0, 11.0, 7.0])
    pc = np.array([8.0, 9.5, 10.5, 11.0, 8.0])
    s = np.array([9.0, 10.0, 10.0, 9.0, 9.0])
    got = _bar_formulas(h, lo, c, ph, pl, pc, s, 0.25, 14)
    assert got[:, 0].tolist() == [2.0, 2.5, 0.5, 4.0, 2.0]  # range, |H - prevC|, |L - prevC| as they win
    assert got[:, 1].tolist() == [0.5, -0.5, 0.0, -0.5, 0.0]  # a bar without range: 0
    assert got[:, 2].tolist() == [1.0, 2.0, 0.0, 0.0, 1.0]  # +DM: up move if larger and positive
    assert got[:, 3].tolist() == [0.0, 0.0, 0.0, 4.0, 0.0]  # -DM: down move if larger and positive
    np.testing.assert_array_equal(got[:, 4], s + 0.25 * (c - s))
    np.testing.assert_array_equal(got[:, 5], s + (c - s) / 14)
