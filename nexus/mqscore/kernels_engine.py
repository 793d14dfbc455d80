"""The MQScore engine: all 34 components for every bar, a block of bars at a time.

For each block of ``BLOCK`` bars the engine (1) writes the derived series
(returns, ranges, flows, ...) into buffers that also hold the last ``H``
bars of the previous block, (2) advances every trailing-window statistic
over the block with one tight pass per statistic (``nexus.indicators.block_stats``),
(3) derives the series that depend on those statistics (VWAP deviation,
price impact, SMA side and agreement) and advances their statistics,
(4) runs the recursive indicators (RSI, MACD with its running maximum, ADX)
and the sorted-window structures (volume quartiles, price-bin concentration),
then (5) turns the statistics into components (one vectorised loop each)
and dimensions.

Why blocks of passes instead of one fused loop over the bars: a fused body
carries ~150 live scalars and ~30 independent update chains, spills them to
the stack every bar and mispredicts on data-dependent counts; a pass per
statistic keeps its few scalars in registers and its loop free of data
branches, and the block keeps every buffer in L2. Formulas and neutral
values: docs/mqscore.md; component order: ``config.COMPONENT_NAMES``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.block_stats import pair_nb, slot_nb
from nexus.indicators.histogram import bin_share_block2_nb
from nexus.indicators.quantile import quantiles_block_nb
from nexus.indicators.scalar import (
    bar_true_range_nb, clip01_nb, directional_moves_nb, ema_step_nb, tanh_pos_nb, wilder_step_nb,
)

BLOCK = 1024
N_COMPONENTS = 34

# derived series (rows of the history + block buffer)
(XC, XV, XRNG, XR, XR2, XABSR, XIMP, XPV, XDEV, XFLOW, XSIZE, XDCV, XSG, XRES, XSMA, XDEV2, XDC, XPCT,
 XPDM, XMDM, XSIDE, XAGREE, XH, XL) = range(24)
N_SERIES = 24

# statistics over the block (rows of the output buffer)
(M_C20, V_C20, M_C50, M_C100, M_V20, V_V20, M_V50, M_RG, V_RG, M_IMP, V_R20, V_R50, V_R100, K_R2, V_AR,
 M_PV, M_VW, M_DEV, M_FL, M_SZ, V_SZ, M_DCV, M_PDM, M_MDM, M_SD, M_AGR, V_SG, V_RS, V_SM, V_D2, V_DC20,
 V_DC5, V_PCT, K_CV, K_R, O_RSI, O_HIST, O_HMAX, O_ADX, O_SKIP) = range(40)
N_OUT = 40


@njit(cache=True, nogil=True)
def history_length(window):
    """Bars of history kept before each block: the longest lookback (window W or 100, plus a lag), rounded to 8."""
    return -(-(max(window, 101) + 2) // 8) * 8


@njit(cache=True, nogil=True, error_model="numpy")
def _slots_inputs(S, O, p0, p1, W):
    """Statistics of the series computed straight from the bars."""
    skip = O[O_SKIP]
    slot_nb(S[XC], p0, p1, 20, 20, O[M_C20], O[V_C20], True, True)
    slot_nb(S[XC], p0, p1, 50, 50, O[M_C50], skip, True, False)
    slot_nb(S[XC], p0, p1, 100, 100, O[M_C100], skip, True, False)
    slot_nb(S[XV], p0, p1, 20, 20, O[M_V20], O[V_V20], True, True)
    slot_nb(S[XV], p0, p1, 50, 50, O[M_V50], skip, True, False)
    slot_nb(S[XRNG], p0, p1, 20, 20, O[M_RG], O[V_RG], True, True)
    slot_nb(S[XR], p0, p1, 20, 20, skip, O[V_R20], False, True)
    slot_nb(S[XR], p0, p1, 50, 50, skip, O[V_R50], False, True)
    slot_nb(S[XR], p0, p1, 100, 100, skip, O[V_R100], False, True)
    slot_nb(S[XABSR], p0, p1, 20, 20, skip, O[V_AR], False, True)
    slot_nb(S[XPV], p0, p1, W, 1, O[M_PV], skip, True, False)
    slot_nb(S[XV], p0, p1, W, 1, O[M_VW], skip, True, False)
    slot_nb(S[XFLOW], p0, p1, 20, 20, O[M_FL], skip, True, False)
    slot_nb(S[XSIZE], p0, p1, 20, 20, O[M_SZ], O[V_SZ], True, True)
    slot_nb(S[XDCV], p0, p1, 20, 20, O[M_DCV], skip, True, False)
    slot_nb(S[XPDM], p0, p1, 14, 14, O[M_PDM], skip, True, False)
    slot_nb(S[XMDM], p0, p1, 14, 14, O[M_MDM], skip, True, False)
    slot_nb(S[XSG], p0, p1, 20, 20, skip, O[V_SG], False, True)
    slot_nb(S[XRES], p0, p1, 20, 20, skip, O[V_RS], False, True)
    slot_nb(S[XDC], p0, p1, 20, 20, skip, O[V_DC20], False, True)
    slot_nb(S[XDC], p0, p1, 5, 5, skip, O[V_DC5], False, True)
    slot_nb(S[XPCT], p0, p1, 20, 2, skip, O[V_PCT], False, True)
    pair_nb(S[XR2], S[XR2], 1, p0, p1, 19, 19, O[K_R2])
    pair_nb(S[XC], S[XV], 0, p0, p1, 20, 20, O[K_CV])
    pair_nb(S[XR], S[XR], 1, p0, p1, 19, 19, O[K_R])


@njit(cache=True, nogil=True, error_model="numpy")
def _slots_derived(S, O, p0, p1):
    """Statistics of the series that need the first statistics (impact, VWAP deviation, SMA side, ...)."""
    skip = O[O_SKIP]
    slot_nb(S[XIMP], p0, p1, 20, 1, O[M_IMP], skip, True, False)
    slot_nb(S[XDEV], p0, p1, 20, 1, O[M_DEV], skip, True, False)
    slot_nb(S[XSIDE], p0, p1, 20, 20, O[M_SD], skip, True, False)
    slot_nb(S[XAGREE], p0, p1, 20, 20, O[M_AGR], skip, True, False)
    slot_nb(S[XSMA], p0, p1, 20, 20, skip, O[V_SM], False, True)
    slot_nb(S[XDEV2], p0, p1, 20, 20, skip, O[V_D2], False, True)


@njit(cache=True, nogil=True, error_model="numpy")
def _components_nb(O, S, H, qout, hout, nb, CB):
    """Components of the block's bars into ``CB`` [34, BLOCK], one loop per component.

    Branch-free bodies over contiguous rows: the compiler vectorises them
    (divisions and square roots several bars at a time), which one per-bar
    body mixing 34 formulas did not.
    """
    for i in range(nb):
        CB[0, i] = clip01_nb(1.0 - O[M_RG, i], 0.5)
        v = O[V_RG, i]
        rs = clip01_nb(1.0 - np.sqrt(v), 0.5)
        CB[3, i] = rs
        CB[7, i] = rs
        CB[32, i] = rs
    for i in range(nb):
        m = O[M_V20, i]
        CB[1, i] = clip01_nb(1.0 - np.sqrt(O[V_V20, i]) / m if m > 0.0 else np.nan, 0.5)
        CB[4, i] = clip01_nb((qout[i, 1] - qout[i, 0]) / m if m > 0.0 else np.nan, 0.5)
    for i in range(nb):
        CB[2, i] = clip01_nb(1.0 / (1.0 + O[M_IMP, i]), 0.5)
    for i in range(nb):
        s20 = np.sqrt(O[V_R20, i])
        s50 = np.sqrt(O[V_R50, i])
        s100 = np.sqrt(O[V_R100, i])
        CB[5, i] = clip01_nb(1.0 - abs(s20 / s50 - 1.0) if s50 > 0.0 else np.nan, 0.5)
        CB[8, i] = clip01_nb(1.0 - abs(s50 / s100 - 1.0) if s100 > 0.0 else np.nan, 0.5)
    for i in range(nb):
        CB[6, i] = clip01_nb(abs(O[K_R2, i]), 0.5)
        CB[31, i] = clip01_nb(abs(O[K_CV, i]), 0.5)
        CB[33, i] = clip01_nb(abs(O[K_R, i]), 0.5)
    close = S[XC, H:H + nb]
    volume = S[XV, H:H + nb]
    c20 = S[XC, H - 20:H - 20 + nb]  # NaN before the first bar: momentum neutral there
    c50 = S[XC, H - 50:H - 50 + nb]
    for i in range(nb):
        c = close[i]
        CB[9, i] = clip01_nb(abs(c / c20[i] - 1.0), 0.5)
        CB[10, i] = clip01_nb(abs(c / c50[i] - 1.0), 0.5)
    for i in range(nb):
        m = O[M_V50, i]
        CB[11, i] = clip01_nb(abs(volume[i] / m - 1.0) if m > 0.0 else np.nan, 0.5)
    for i in range(nb):
        a = O[M_C20, i]
        b = O[M_C50, i]
        d = O[M_C100, i]
        CB[12, i] = (1.0 if (a > b) == (b > d) else 0.0) if d == d else 0.5
        CB[23, i] = clip01_nb(abs(a - d) / d, 0.5)
    for i in range(nb):
        CB[13, i] = clip01_nb(O[O_RSI, i], 0.5)
        hm = O[O_HMAX, i]
        CB[14, i] = clip01_nb(O[O_HIST, i] / hm if hm > 0.0 else np.nan, 0.5)
        CB[15, i] = clip01_nb(1.0 - np.sqrt(O[V_AR, i]), 0.5)
    for i in range(nb):
        ms = O[M_SZ, i]
        CB[16, i] = clip01_nb(1.0 - abs(O[M_DEV, i]), 0.5)
        CB[17, i] = clip01_nb(1.0 - abs(O[M_FL, i]), 0.5)
        CB[18, i] = clip01_nb(1.0 - np.sqrt(O[V_SZ, i]) / ms if ms > 0.0 else np.nan, 0.5)
        CB[19, i] = clip01_nb(1.0 - hout[i], 0.5)
        CB[20, i] = clip01_nb(1.0 / (1.0 + abs(O[M_DCV, i] * 20.0)), 0.5)
    for i in range(nb):
        ap = O[M_PDM, i]
        am = O[M_MDM, i]
        CB[21, i] = clip01_nb(O[O_ADX, i] / 100.0, 0.5)
        CB[22, i] = clip01_nb(abs(ap - am) / (ap + am) if ap + am > 0.0 else np.nan, 0.5)
        CB[24, i] = clip01_nb(abs(O[M_SD, i] - 0.5) * 2.0, 0.5)
        CB[26, i] = clip01_nb(O[M_AGR, i], 0.5)
    for i in range(nb):
        # Bollinger excursion: how far the close is outside SMA20 +- 2 std, relative to the band
        a = O[M_C20, i]
        sd = np.sqrt(O[V_C20, i])
        c = close[i]
        upper = a + 2.0 * sd
        lower = a - 2.0 * sd
        eu = (c - upper) / upper if upper > 0.0 else 0.0
        el = (lower - c) / lower if lower > 0.0 else 0.0
        e = max(0.0, max(eu, el))
        CB[25, i] = clip01_nb(e, 0.5) if upper == upper else 0.5
    for i in range(nb):
        v_res = O[V_RS, i]
        v_dev = O[V_D2, i]
        s5 = np.sqrt(O[V_DC5, i])
        sp = np.sqrt(O[V_PCT, i])
        CB[27, i] = O[V_SG, i] / v_res / 10.0 if v_res > 0.0 else np.nan
        CB[28, i] = O[V_SM, i] / v_dev / 10.0 if v_dev > 0.0 else np.nan
        CB[29, i] = np.sqrt(O[V_DC20, i]) / s5 / 5.0 if s5 > 0.0 else np.nan
        CB[30, i] = O[M_V20, i] / sp / 10.0 if sp > 0.0 else np.nan
    _tanh_rows_nb(CB, 27, 31, nb)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def _tanh_rows_nb(CB, k0, k1, nb):
    """``clip01_nb(tanh(x), 0.5)`` in place over rows k0..k1-1: a loop of nothing else vectorises,
    and fused multiply-adds halve the polynomial's latency."""
    for k in range(k0, k1):
        for i in range(nb):
            CB[k, i] = clip01_nb(tanh_pos_nb(CB[k, i]), 0.5)


@njit(cache=True, nogil=True, error_model="numpy")
def _dims_nb(CB, wcomp, off, warm, t0, nb, dims, acc):
    """Each dimension = its components' weighted sum, clipped; NaN before bar ``warm``."""
    for di in range(6):
        for i in range(nb):
            acc[i] = 0.0
        for k in range(off[di], off[di + 1]):
            w = wcomp[k]
            row = CB[k, :nb]
            for i in range(nb):
                acc[i] += w * row[i]
        out = dims[di, t0:t0 + nb]
        for i in range(nb):
            s = min(1.0, max(0.0, acc[i]))
            out[i] = s if t0 + i >= warm else np.nan


@njit(cache=True, nogil=True, error_model="numpy")
def _series_nb(S, H, nb, open_b, high_b, low_b, close_b, vol_b, taker_b, use_taker, sg, acc):
    """(1) The block's series straight from the bars, into buffer positions H..H+nb-1.

    Previous-bar values come from the buffers' history (NaN before the first
    bar, which makes every first-bar difference NaN as the formulas want).
    Every loop reads and writes views indexed from 0 and writes other rows
    than it reads, so the compiler vectorises them.
    """
    c = S[XC, H:H + nb]
    v = S[XV, H:H + nb]
    hh = S[XH, H:H + nb]
    ll = S[XL, H:H + nb]
    for i in range(nb):
        c[i] = close_b[i]
        v[i] = vol_b[i]
        hh[i] = high_b[i]
        ll[i] = low_b[i]
    pc = S[XC, H - 1:H - 1 + nb]
    pv = S[XV, H - 1:H - 1 + nb]
    ph = S[XH, H - 1:H - 1 + nb]
    pl = S[XL, H - 1:H - 1 + nb]
    rng = S[XRNG, H:H + nb]
    r_ = S[XR, H:H + nb]
    r2 = S[XR2, H:H + nb]
    ar = S[XABSR, H:H + nb]
    pvw = S[XPV, H:H + nb]
    size = S[XSIZE, H:H + nb]
    dcv = S[XDCV, H:H + nb]
    dc = S[XDC, H:H + nb]
    pct = S[XPCT, H:H + nb]
    for i in range(nb):
        ci = c[i]
        vi = v[i]
        r = ci / pc[i] - 1.0
        rng[i] = (hh[i] - ll[i]) / ci
        r_[i] = r
        r2[i] = r * r
        ar[i] = abs(r)
        pvw[i] = (hh[i] + ll[i] + ci) / 3.0 * vi
        size[i] = abs(r) * vi
        dcv[i] = (ci - pc[i]) * vi
        dc[i] = ci - pc[i]
        vp = pv[i]
        pct[i] = (vi - vp) / vp if vp > 0.0 else np.nan
    pdm = S[XPDM, H:H + nb]
    mdm = S[XMDM, H:H + nb]
    for i in range(nb):
        p, m = directional_moves_nb(hh[i], ll[i], ph[i], pl[i])
        first = ph[i] != ph[i]
        pdm[i] = np.nan if first else p
        mdm[i] = np.nan if first else m
    flow = S[XFLOW, H:H + nb]
    for i in range(nb):
        vi = v[i]
        if use_taker:
            f = (2.0 * taker_b[i] - vi) / vi
        else:
            f = 1.0 if c[i] > open_b[i] else (-1.0 if c[i] < open_b[i] else 0.0)
        flow[i] = f if vi > 0.0 else 0.0
    # Savitzky-Golay: smooth = c + sum_j sg[j] (c[t - nsg + 1 + j] - c); NaN until nsg closes exist
    nsg = sg.shape[0]
    for i in range(nb):
        acc[i] = 0.0
    for j in range(nsg):
        w = sg[j]
        cj = S[XC, H - nsg + 1 + j:H - nsg + 1 + j + nb]
        for i in range(nb):
            acc[i] += w * (cj[i] - c[i])
    sgs = S[XSG, H:H + nb]
    res = S[XRES, H:H + nb]
    for i in range(nb):
        sm = c[i] + acc[i]
        sgs[i] = sm
        res[i] = c[i] - sm


@njit(cache=True, nogil=True, error_model="numpy")
def _derived_nb(S, O, H, nb):
    """(3) Series built on the first statistics: price impact, VWAP deviation, SMA side and agreement.

    One loop per series: each reads two or three rows and writes its own.
    """
    v = S[XV, H:H + nb]
    mv20 = O[M_V20, :nb]
    r_ = S[XR, H:H + nb]
    imp = S[XIMP, H:H + nb]
    for i in range(nb):
        vi = v[i]
        r = r_[i]
        m = mv20[i]
        imp[i] = abs(r) / (vi / m) if (vi > 0.0) & (m > 0.0) & (r == r) else np.nan
    c = S[XC, H:H + nb]
    mpv = O[M_PV, :nb]
    mvw = O[M_VW, :nb]
    dev = S[XDEV, H:H + nb]
    for i in range(nb):
        mv = mvw[i]
        vwap = mpv[i] / mv if mv > 0.0 else np.nan
        dev[i] = (c[i] - vwap) / vwap
    mc20 = O[M_C20, :nb]
    sma = S[XSMA, H:H + nb]
    dev2 = S[XDEV2, H:H + nb]
    side = S[XSIDE, H:H + nb]
    for i in range(nb):
        s = mc20[i]
        sma[i] = s
        dev2[i] = c[i] - s
        side[i] = (1.0 if c[i] > s else 0.0) if s == s else np.nan
    # agreement of the SMA's 5-bar slope with volume above its mean (the SMA 5 bars back is history
    # for the first bars of the block, NaN before bar 5)
    old = S[XSMA, H - 5:H - 5 + nb]
    agree = S[XAGREE, H:H + nb]
    for i in range(nb):
        o = old[i]
        m = mv20[i]
        a = 1.0 if (mc20[i] > o) == (v[i] > m) else 0.0
        agree[i] = a if (o == o) & (m == m) else np.nan


@njit(cache=True, nogil=True, error_model="numpy")
def engine_nb(open_, high, low, close, volume, taker, use_taker, window, sg, wcomp, keep_comps):
    """Dimensions [6, N] (NaN before bar window-1) and, if ``keep_comps``, components [34, N]."""
    N = close.shape[0]
    W = window
    warm = W - 1
    H = history_length(W)
    L = H + BLOCK
    S = np.full((N_SERIES, L), np.nan)  # bars before the first are NaN: skipped by every statistic
    O = np.empty((N_OUT, BLOCK))
    dims = np.empty((6, N))
    comps = np.empty((N_COMPONENTS, N if keep_comps else 1))
    CB = np.empty((N_COMPONENTS, BLOCK))
    acc = np.empty(BLOCK)
    off = np.array([0, 5, 9, 16, 21, 27, 34])
    # sorted-window structures: volume quartiles over 50, price bins over W
    R = 1
    while R <= max(W, 128):
        R *= 2
    mask = R - 1
    qs = np.array([0.25, 0.75])
    qbuf = np.empty(50)
    qist = np.zeros(2, np.int64)
    qout = np.empty((BLOCK, 2))
    hcounts = np.zeros(80, np.int64)
    hedges = np.empty(21)
    hfs = np.full(4, np.nan)
    hist_ist = np.zeros(2, np.int64)
    hout = np.empty(BLOCK)
    # MACD |histogram| and its running maximum over W (monotonic deque of bar indices into a ring)
    hring = np.empty(R)
    dq = np.empty(R, np.int64)
    dq_head = 0
    dq_len = 0
    ema12 = 0.0
    ema26 = 0.0
    ema9 = 0.0
    ag = 0.0
    al = 0.0
    s_tr = 0.0
    s_p = 0.0
    s_m = 0.0
    adx = np.nan
    dx_sum = 0.0
    for t0 in range(0, N, BLOCK):
        t1 = min(N, t0 + BLOCK)
        nb = t1 - t0
        p0 = H
        p1 = H + nb
        # (1) series straight from the bars, (2) their trailing statistics
        _series_nb(S, H, nb, open_[t0:t1], high[t0:t1], low[t0:t1], close[t0:t1], volume[t0:t1],
                   taker[t0:t1] if use_taker else taker, use_taker, sg, acc)
        _slots_inputs(S, O, p0, p1, W)
        # (3) series built on those statistics, and theirs
        _derived_nb(S, O, H, nb)
        _slots_derived(S, O, p0, p1)
        # (4) recursions and sorted windows
        cb = S[XC, H - 1:H + nb]  # cb[i + 1] is bar t0 + i, cb[i] the bar before
        hb = S[XH, H:H + nb]
        lb = S[XL, H:H + nb]
        pdm_b = S[XPDM, H:H + nb]
        mdm_b = S[XMDM, H:H + nb]
        for i in range(nb):
            t = t0 + i
            c = cb[i + 1]
            pc = cb[i]
            # RSI: Wilder averages of gains and losses seeded by the mean of bars 1..14
            if t > 0:
                d = c - pc
                g = d if d > 0.0 else 0.0
                ls = -d if d < 0.0 else 0.0
                if t <= 14:
                    ag += g
                    al += ls
                    if t == 14:
                        ag /= 14.0
                        al /= 14.0
                else:
                    ag = wilder_step_nb(ag, g, 14.0)
                    al = wilder_step_nb(al, ls, 14.0)
            rs = ag + al
            O[O_RSI, i] = abs(ag - al) / rs if (t >= 14 and rs > 0.0) else np.nan
            # MACD(12, 26, 9) on EMAs seeded at the first close
            if t == 0:
                ema12 = c
                ema26 = c
                ema9 = 0.0
            else:
                ema12 = ema_step_nb(ema12, c, 2.0 / 13.0)
                ema26 = ema_step_nb(ema26, c, 2.0 / 27.0)
                ema9 = ema_step_nb(ema9, ema12 - ema26, 0.2)
            hist = abs((ema12 - ema26) - ema9)
            hring[t & mask] = hist
            while dq_len > 0 and hring[dq[(dq_head + dq_len - 1) & mask] & mask] <= hist:
                dq_len -= 1
            dq[(dq_head + dq_len) & mask] = t
            dq_len += 1
            if dq[dq_head] <= t - W:
                dq_head = (dq_head + 1) & mask
                dq_len -= 1
            O[O_HIST, i] = hist
            O[O_HMAX, i] = hring[dq[dq_head] & mask]
            # ADX(14): Wilder averages of TR, +DM, -DM, then of DX
            if t > 0:
                h = hb[i]
                lo = lb[i]
                tr = bar_true_range_nb(h, lo, pc)
                pdm = pdm_b[i]
                mdm = mdm_b[i]
                if t <= 14:
                    s_tr += tr
                    s_p += pdm
                    s_m += mdm
                    if t == 14:
                        s_tr /= 14.0
                        s_p /= 14.0
                        s_m /= 14.0
                else:
                    s_tr = wilder_step_nb(s_tr, tr, 14.0)
                    s_p = wilder_step_nb(s_p, pdm, 14.0)
                    s_m = wilder_step_nb(s_m, mdm, 14.0)
            if t >= 14:
                pdi = 100.0 * s_p / s_tr if s_tr > 0.0 else 0.0
                mdi = 100.0 * s_m / s_tr if s_tr > 0.0 else 0.0
                dx = 100.0 * abs(pdi - mdi) / (pdi + mdi) if pdi + mdi > 0.0 else 0.0
                if t < 27:
                    dx_sum += dx
                elif t == 27:
                    adx = (dx_sum + dx) / 14.0
                else:
                    adx = wilder_step_nb(adx, dx, 14.0)
            O[O_ADX, i] = adx
        quantiles_block_nb(volume, t0, t1, 50, qbuf, qist, qs, qout)
        bin_share_block2_nb(close, t0, t1, W, 20, hcounts, hedges, hfs, hist_ist, hout)
        # (5) components and dimensions
        _components_nb(O, S, H, qout, hout, nb, CB)
        _dims_nb(CB, wcomp, off, warm, t0, nb, dims, acc)
        if keep_comps:
            for k in range(N_COMPONENTS):
                dst = comps[k, t0:t1]
                src = CB[k, :nb]
                for i in range(nb):
                    dst[i] = src[i]
        # keep the last H bars of every series as the next block's history
        for j in range(N_SERIES):
            dst = S[j, :H]
            src = S[j, nb:nb + H]
            for q in range(H):
                dst[q] = src[q]
    return dims, comps


@njit(cache=True, nogil=True, error_model="numpy")
def check_bars_nb(open_, high, low, close, volume, taker, has_taker):
    """First invalid row and a code (1 non-finite price, 2 price <= 0, 3 high < low,
    4 bad volume, 5 bad taker-buy volume); (-1, 0) when every row is valid."""
    for t in range(close.shape[0]):
        o = open_[t]
        h = high[t]
        lo = low[t]
        c = close[t]
        if not (np.isfinite(o) and np.isfinite(h) and np.isfinite(lo) and np.isfinite(c)):
            return t, 1
        if o <= 0.0 or h <= 0.0 or lo <= 0.0 or c <= 0.0:
            return t, 2
        if h < lo:
            return t, 3
        v = volume[t]
        if not (np.isfinite(v) and v >= 0.0):
            return t, 4
        if has_taker:
            b = taker[t]
            if not (np.isfinite(b) and b >= 0.0 and b <= v * (1.0 + 1e-9) + 1e-12):
                return t, 5
    return -1, 0
