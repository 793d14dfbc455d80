"""numba kernels of the synthetic market (see ``synth.py`` for the model).

Every path is generated *backwards* from a fixed end instant: step ``k`` is
the bar ``k`` places before the end. A series of ``n`` bars is therefore
exactly the last ``n`` bars of any longer one with the same seed, so a
scaled-down test set is the tail of the full-size set. The regime chain runs
on the time-reversed transition matrix so that, read forwards, it is the
Markov chain with the intended matrix. Random draws happen in a fixed order
per step, seeded inside the kernel (numba keeps its own generator state).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# layout of the per-symbol parameter vector ``p`` passed to symbol_path_nb
(P_SIGMA, P_RHO, P_KAPPA, P_LOG_ANCHOR, P_START_SD, P_IDIO_PHI, P_IDIO_SD, P_VBASE, P_TRADE_SIZE, P_DF, P_VAR_CORR,
 P_HALF_SPREAD, P_TICK, P_PRE_OPEN) = range(14)
N_PARAMS = 14


@njit(cache=True)
def _t_unit(df):
    """Student-t draw scaled to unit variance."""
    return np.random.standard_t(df) * np.sqrt((df - 2.0) / df)


@njit(cache=True)
def _categorical(cum, u):
    j = 0
    last = cum.shape[0] - 1
    while j < last and u >= cum[j]:
        j += 1
    return j


@njit(cache=True)
def market_path_nb(n, seed, pi_cum, back_cum, phis, sds, df):
    """Shared market state, backwards from the end: regime code, log-vol factor, unit-variance t shock."""
    np.random.seed(seed)
    c = phis.shape[0]
    regime = np.empty(n, dtype=np.int8)
    logvol = np.empty(n)
    z = np.empty(n)
    h = np.empty(c)
    for j in range(c):
        h[j] = sds[j] * np.random.standard_normal()
    s = _categorical(pi_cum, np.random.random())
    for k in range(n):
        if k > 0:
            s = _categorical(back_cum[s], np.random.random())
            for j in range(c):
                h[j] = phis[j] * h[j] + sds[j] * np.sqrt(1.0 - phis[j] * phis[j]) * np.random.standard_normal()
        total = 0.0
        for j in range(c):
            total += h[j]
        regime[k] = s
        logvol[k] = total
        z[k] = _t_unit(df)
    return regime, logvol, z


@njit(cache=True)
def symbol_path_nb(seed, p, regime, mlogvol, zm, vol_season, volume_season, gap_sd, drift, vol_mult, volume_mult, flow):
    """One instrument's bars from the shared market state (inputs indexed backwards, outputs forwards).

    The mid price follows r = drift[regime] * sigma + kappa * (log mid - log anchor) + sigma_t * eps + gap
    with eps = rho * market shock + sqrt(1 - rho^2) * own t shock and sigma_t the base volatility
    times the market and own log-vol factors, the intraday season and the regime multiplier.
    A ``P_PRE_OPEN`` share of the bar's variance happens between the previous bar's last print and
    this bar's first (the open), so the open is a new price, not a copy of the previous close.
    Open and close are trade prints: the mid plus or minus the quoted half-spread, the side drawn
    independently per print (bid/ask bounce that does not make the mid predictable). The half-spread
    widens with volatility and narrows with liquidity (never below half a tick).
    Wicks extend past the body by half-normal multiples of sigma_t; volume scales with the same
    volatility factors, the season, the regime and |eps|; the taker-buy share leans with eps and,
    persistently, with the regime's ``flow`` (buyers press in trend_up, sellers in trend_down: the
    regime shows in the order flow while the price stays a near-martingale).
    ``gap_sd`` (per bar, forwards) is the sd of a jump between the previous close and this
    bar's open (NQ: the first bar after the daily break or the weekend; 0 elsewhere).
    Returns open, high, low, close, volume, taker-buy share, trades (float), relative
    half-spread, forwards in time.
    """
    n = regime.shape[0]
    np.random.seed(seed)
    sigma = p[P_SIGMA]
    rho = p[P_RHO]
    rho_c = np.sqrt(1.0 - rho * rho)
    kappa = p[P_KAPPA]
    anchor = p[P_LOG_ANCHOR]
    phi = p[P_IDIO_PHI]
    idio_sd = p[P_IDIO_SD]
    idio_step = idio_sd * np.sqrt(1.0 - phi * phi)
    df = p[P_DF]
    var_corr = p[P_VAR_CORR]
    hs_base = p[P_HALF_SPREAD]
    half_tick = 0.5 * p[P_TICK]
    pre = np.sqrt(p[P_PRE_OPEN])
    body = np.sqrt(1.0 - p[P_PRE_OPEN])
    o_out = np.empty(n)
    h_out = np.empty(n)
    l_out = np.empty(n)
    c_out = np.empty(n)
    v_out = np.empty(n)
    share_out = np.empty(n)
    trades_out = np.empty(n)
    hs_out = np.empty(n)
    lc = anchor + p[P_START_SD] * np.random.standard_normal()
    h = idio_sd * np.random.standard_normal()
    for k in range(n):
        i = n - 1 - k
        if k > 0:
            h = phi * h + idio_step * np.random.standard_normal()
        zi = _t_unit(df)
        w1 = np.random.standard_normal()
        w2 = np.random.standard_normal()
        vn = np.random.standard_normal()
        tn = np.random.standard_normal()
        tr = np.random.standard_normal()
        gap = gap_sd[i] * np.random.standard_normal()
        zo = np.random.standard_normal()
        side_o = 1.0 if np.random.random() < 0.5 else -1.0
        side_c = 1.0 if np.random.random() < 0.5 else -1.0
        s = regime[k]
        lv = mlogvol[k] + h
        vfac = np.exp(lv - var_corr) * vol_season[i] * vol_mult[s]
        sig = sigma * vfac
        eps = rho * zm[k] + rho_c * zi
        move_open = gap + sig * pre * zo
        # the pull towards the anchor acts on the backward step (lc_prev - anchor = (1 - kappa)(lc - anchor) - ...),
        # the stable direction; a stationary AR(1) read forwards has the same law
        r = drift[s] * sigma + kappa * (lc - anchor) + sig * body * eps + move_open
        lo_prev = lc - r
        liq = volume_season[i] * volume_mult[s]
        hs = hs_base * vfac**0.7 / np.sqrt(liq)
        # prints bounce by the model half-spread; the quote reported is at least one tick wide
        c = np.exp(lc + side_c * hs)
        o = np.exp(lo_prev + move_open + side_o * hs)
        hs = max(hs, half_tick / c)
        top = max(o, c)
        bot = min(o, c)
        o_out[i] = o
        c_out[i] = c
        h_out[i] = top * np.exp(0.5 * sig * abs(w1))
        l_out[i] = bot * np.exp(-0.5 * sig * abs(w2))
        hs_out[i] = hs
        vol = p[P_VBASE] * volume_season[i] * volume_mult[s] * np.exp(0.8 * (lv - var_corr) + 0.45 * vn - 0.10125)
        vol *= 0.6 + 0.4 * abs(eps)
        v_out[i] = vol
        share = 0.5 + 0.25 * np.tanh(0.7 * eps) + flow[s] + 0.05 * tn
        share_out[i] = min(0.98, max(0.02, share))
        trades_out[i] = vol / p[P_TRADE_SIZE] * np.exp(0.25 * tr)
        lc = lo_prev
    return o_out, h_out, l_out, c_out, v_out, share_out, trades_out, hs_out
