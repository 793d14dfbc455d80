"""The fused MQScore kernel: one pass over the bars computes all 34 components.

Every component keeps its own running state: window statistics in scalar
"slots" (see :mod:`nexus.mqscore.kernels_rolling`; each slot update below is
the same three-line pattern, re-anchored every n bars), EMA and Wilder
recursions, a sorted window for the volume quartiles and monotonic deques with
a histogram for the price bins (advanced a block of bars at a time), and a
monotonic deque for the MACD maximum. A bar costs O(1) amortised work and the
only full-length arrays written are the outputs. Formulas and neutral values:
docs/mqscore.md; component order: ``config.COMPONENT_NAMES``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.histogram import bin_share_block2_nb
from nexus.indicators.quantile import quantiles_block_nb
from nexus.mqscore.kernels_rolling import (
    clip01, corr_s, mean_s, push, push2, push_m, rebuild, rebuild2, rebuild_m, tanh_pos, var_s,
)

# ring rows (recent values of a series)
(RC, RV, RRNG, RR, RRL, RR2, RR2L, RABSR, RIMP, RPV, RDEV, RFLOW, RSIZE, RDCV, RSG, RRES,
 RSMA, RDEV2, RDC, RPCT, RPDM, RMDM, RSIDE, RAGREE, RHIST) = range(25)
N_RINGS = 25
N_COMPONENTS = 34
BLOCK = 1024


@njit(cache=True, nogil=True)
def engine_nb(open_, high, low, close, volume, taker, use_taker, window, sg, wcomp, keep_comps):
    """Dimensions [6, N] (NaN before bar window-1) and, if ``keep_comps``, components [34, N]."""
    N = close.shape[0]
    W = window
    warm = W - 1
    R = 1
    while R <= max(W, 128):
        R *= 2
    mask = R - 1
    ring = np.full((R, N_RINGS), np.nan)  # one bar's series side by side: few cache lines per bar
    dims = np.empty((6, N))
    comps = np.empty((N_COMPONENTS, N if keep_comps else 1))
    comp = np.empty(N_COMPONENTS)
    off = np.array([0, 5, 9, 16, 21, 27, 34])
    nsg = sg.shape[0]
    # block-wise sorted windows: volume quartiles over 50, price bins over W
    qs = np.array([0.25, 0.75])
    qbuf = np.empty(50)
    qist = np.zeros(2, np.int64)
    qout = np.empty((BLOCK, 2))
    hdmin = np.empty(R, np.int64)
    hdmax = np.empty(R, np.int64)
    hcounts = np.zeros(80, np.int64)
    hedges = np.empty(21)
    hfs = np.full(4, np.nan)
    hist_ist = np.zeros(6, np.int64)
    hout = np.empty(BLOCK)
    # MACD |histogram| maximum over W: monotonic deque of bar indices
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
    c20_k = 0.0
    c20_1 = 0.0
    c20_2 = 0.0
    c20_n = 0
    c20_d = 0
    c20_u = 1
    c50_k = 0.0
    c50_1 = 0.0
    c50_n = 0
    c50_d = 0
    c50_u = 1
    c100_k = 0.0
    c100_1 = 0.0
    c100_n = 0
    c100_d = 0
    c100_u = 1
    v20_k = 0.0
    v20_1 = 0.0
    v20_2 = 0.0
    v20_n = 0
    v20_d = 0
    v20_u = 1
    v50_k = 0.0
    v50_1 = 0.0
    v50_n = 0
    v50_d = 0
    v50_u = 1
    rg_k = 0.0
    rg_1 = 0.0
    rg_2 = 0.0
    rg_n = 0
    rg_d = 0
    rg_u = 1
    imp_k = 0.0
    imp_1 = 0.0
    imp_n = 0
    imp_d = 0
    imp_u = 1
    r20_k = 0.0
    r20_1 = 0.0
    r20_2 = 0.0
    r20_n = 0
    r20_d = 0
    r20_u = 1
    r50_k = 0.0
    r50_1 = 0.0
    r50_2 = 0.0
    r50_n = 0
    r50_d = 0
    r50_u = 1
    r100_k = 0.0
    r100_1 = 0.0
    r100_2 = 0.0
    r100_n = 0
    r100_d = 0
    r100_u = 1
    ar_k = 0.0
    ar_1 = 0.0
    ar_2 = 0.0
    ar_n = 0
    ar_d = 0
    ar_u = 1
    pvw_k = 0.0
    pvw_1 = 0.0
    pvw_n = 0
    pvw_d = 0
    pvw_u = 1
    vw_k = 0.0
    vw_1 = 0.0
    vw_n = 0
    vw_d = 0
    vw_u = 1
    dev_k = 0.0
    dev_1 = 0.0
    dev_n = 0
    dev_d = 0
    dev_u = 1
    fl_k = 0.0
    fl_1 = 0.0
    fl_n = 0
    fl_d = 0
    fl_u = 1
    sz_k = 0.0
    sz_1 = 0.0
    sz_2 = 0.0
    sz_n = 0
    sz_d = 0
    sz_u = 1
    dcv_k = 0.0
    dcv_1 = 0.0
    dcv_n = 0
    dcv_d = 0
    dcv_u = 1
    pdm_k = 0.0
    pdm_1 = 0.0
    pdm_n = 0
    pdm_d = 0
    pdm_u = 1
    mdm_k = 0.0
    mdm_1 = 0.0
    mdm_n = 0
    mdm_d = 0
    mdm_u = 1
    sd_k = 0.0
    sd_1 = 0.0
    sd_n = 0
    sd_d = 0
    sd_u = 1
    agr_k = 0.0
    agr_1 = 0.0
    agr_n = 0
    agr_d = 0
    agr_u = 1
    sg_k = 0.0
    sg_1 = 0.0
    sg_2 = 0.0
    sg_n = 0
    sg_d = 0
    sg_u = 1
    rs_k = 0.0
    rs_1 = 0.0
    rs_2 = 0.0
    rs_n = 0
    rs_d = 0
    rs_u = 1
    sm_k = 0.0
    sm_1 = 0.0
    sm_2 = 0.0
    sm_n = 0
    sm_d = 0
    sm_u = 1
    d2_k = 0.0
    d2_1 = 0.0
    d2_2 = 0.0
    d2_n = 0
    d2_d = 0
    d2_u = 1
    dc20_k = 0.0
    dc20_1 = 0.0
    dc20_2 = 0.0
    dc20_n = 0
    dc20_d = 0
    dc20_u = 1
    dc5_k = 0.0
    dc5_1 = 0.0
    dc5_2 = 0.0
    dc5_n = 0
    dc5_d = 0
    dc5_u = 1
    pct_k = 0.0
    pct_1 = 0.0
    pct_2 = 0.0
    pct_n = 0
    pct_d = 0
    pct_u = 1
    kr2_kx = 0.0
    kr2_ky = 0.0
    kr2_sx = 0.0
    kr2_sy = 0.0
    kr2_sxx = 0.0
    kr2_syy = 0.0
    kr2_sxy = 0.0
    kr2_n = 0
    kr2_dx = 0
    kr2_dy = 0
    kr2_u = 1
    kcv_kx = 0.0
    kcv_ky = 0.0
    kcv_sx = 0.0
    kcv_sy = 0.0
    kcv_sxx = 0.0
    kcv_syy = 0.0
    kcv_sxy = 0.0
    kcv_n = 0
    kcv_dx = 0
    kcv_dy = 0
    kcv_u = 1
    kr_kx = 0.0
    kr_ky = 0.0
    kr_sx = 0.0
    kr_sy = 0.0
    kr_sxx = 0.0
    kr_syy = 0.0
    kr_sxy = 0.0
    kr_n = 0
    kr_dx = 0
    kr_dy = 0
    kr_u = 1
    for t0 in range(0, N, BLOCK):
        t1 = min(N, t0 + BLOCK)
        quantiles_block_nb(volume, t0, t1, 50, qbuf, qist, qs, qout)
        bin_share_block2_nb(close, t0, t1, W, 20, hdmin, hdmax, hcounts, hedges, hfs, hist_ist, hout)
        for t in range(t0, t1):
            i = t & mask
            c = close[t]
            v = volume[t]
            h = high[t]
            lo = low[t]
            # -------------------------------------------------------- shared
            if t > 0:
                pc = close[t - 1]
                r = c / pc - 1.0
                ring[i, RRL] = ring[(t - 1) & mask, RR]
                ring[i, RR2L] = ring[(t - 1) & mask, RR2]
            else:
                pc = np.nan
                r = np.nan
            ring[i, RC] = c
            ring[i, RV] = v
            ring[i, RRNG] = (h - lo) / c
            ring[i, RR] = r
            ring[i, RR2] = r * r
            ring[i, RABSR] = abs(r)
            c20_u -= 1
            if c20_u == 0:
                c20_u, c20_k, c20_1, c20_2, c20_n, c20_d = rebuild(ring, RC, t, 20, mask, c20_k)
            else:
                c20_1, c20_2, c20_n, c20_d = push(c20_k, c20_1, c20_2, c20_n, c20_d, ring[i, RC], ring[(t - 20) & mask, RC], t >= 20)
            c50_u -= 1
            if c50_u == 0:
                c50_u, c50_k, c50_1, c50_n, c50_d = rebuild_m(ring, RC, t, 50, mask, c50_k)
            else:
                c50_1, c50_n, c50_d = push_m(c50_k, c50_1, c50_n, c50_d, ring[i, RC], ring[(t - 50) & mask, RC], t >= 50)
            c100_u -= 1
            if c100_u == 0:
                c100_u, c100_k, c100_1, c100_n, c100_d = rebuild_m(ring, RC, t, 100, mask, c100_k)
            else:
                c100_1, c100_n, c100_d = push_m(c100_k, c100_1, c100_n, c100_d, ring[i, RC], ring[(t - 100) & mask, RC], t >= 100)
            v20_u -= 1
            if v20_u == 0:
                v20_u, v20_k, v20_1, v20_2, v20_n, v20_d = rebuild(ring, RV, t, 20, mask, v20_k)
            else:
                v20_1, v20_2, v20_n, v20_d = push(v20_k, v20_1, v20_2, v20_n, v20_d, ring[i, RV], ring[(t - 20) & mask, RV], t >= 20)
            v50_u -= 1
            if v50_u == 0:
                v50_u, v50_k, v50_1, v50_n, v50_d = rebuild_m(ring, RV, t, 50, mask, v50_k)
            else:
                v50_1, v50_n, v50_d = push_m(v50_k, v50_1, v50_n, v50_d, ring[i, RV], ring[(t - 50) & mask, RV], t >= 50)
            rg_u -= 1
            if rg_u == 0:
                rg_u, rg_k, rg_1, rg_2, rg_n, rg_d = rebuild(ring, RRNG, t, 20, mask, rg_k)
            else:
                rg_1, rg_2, rg_n, rg_d = push(rg_k, rg_1, rg_2, rg_n, rg_d, ring[i, RRNG], ring[(t - 20) & mask, RRNG], t >= 20)
            sma20_c = mean_s(c20_k, c20_1, c20_n, c20_d, 20)
            sd20_c = np.sqrt(var_s(c20_1, c20_2, c20_n, c20_d, 20))
            sma50_c = mean_s(c50_k, c50_1, c50_n, c50_d, 50)
            sma100_c = mean_s(c100_k, c100_1, c100_n, c100_d, 100)
            sma20_v = mean_s(v20_k, v20_1, v20_n, v20_d, 20)
            sd20_v = np.sqrt(var_s(v20_1, v20_2, v20_n, v20_d, 20))
            sma50_v = mean_s(v50_k, v50_1, v50_n, v50_d, 50)
            range_stab = clip01(1.0 - np.sqrt(var_s(rg_1, rg_2, rg_n, rg_d, 20)), 0.5)
            # ----------------------------------------------------- liquidity
            ring[i, RIMP] = abs(r) / (v / sma20_v) if (v > 0.0 and sma20_v > 0.0 and r == r) else np.nan
            imp_u -= 1
            if imp_u == 0:
                imp_u, imp_k, imp_1, imp_n, imp_d = rebuild_m(ring, RIMP, t, 20, mask, imp_k)
            else:
                imp_1, imp_n, imp_d = push_m(imp_k, imp_1, imp_n, imp_d, ring[i, RIMP], ring[(t - 20) & mask, RIMP], t >= 20)
            iqr = qout[t - t0, 1] - qout[t - t0, 0]
            comp[0] = clip01(1.0 - mean_s(rg_k, rg_1, rg_n, rg_d, 20), 0.5)
            comp[1] = clip01(1.0 - sd20_v / sma20_v if sma20_v > 0.0 else np.nan, 0.5)
            comp[2] = clip01(1.0 / (1.0 + mean_s(imp_k, imp_1, imp_n, imp_d, 1)), 0.5)
            comp[3] = range_stab
            comp[4] = clip01(iqr / sma20_v if sma20_v > 0.0 else np.nan, 0.5)
            # ---------------------------------------------------- volatility
            r20_u -= 1
            if r20_u == 0:
                r20_u, r20_k, r20_1, r20_2, r20_n, r20_d = rebuild(ring, RR, t, 20, mask, r20_k)
            else:
                r20_1, r20_2, r20_n, r20_d = push(r20_k, r20_1, r20_2, r20_n, r20_d, ring[i, RR], ring[(t - 20) & mask, RR], t >= 20)
            r50_u -= 1
            if r50_u == 0:
                r50_u, r50_k, r50_1, r50_2, r50_n, r50_d = rebuild(ring, RR, t, 50, mask, r50_k)
            else:
                r50_1, r50_2, r50_n, r50_d = push(r50_k, r50_1, r50_2, r50_n, r50_d, ring[i, RR], ring[(t - 50) & mask, RR], t >= 50)
            r100_u -= 1
            if r100_u == 0:
                r100_u, r100_k, r100_1, r100_2, r100_n, r100_d = rebuild(ring, RR, t, 100, mask, r100_k)
            else:
                r100_1, r100_2, r100_n, r100_d = push(r100_k, r100_1, r100_2, r100_n, r100_d, ring[i, RR], ring[(t - 100) & mask, RR], t >= 100)
            kr2_u -= 1
            if kr2_u == 0:
                kr2_u, kr2_kx, kr2_ky, kr2_sx, kr2_sy, kr2_sxx, kr2_syy, kr2_sxy, kr2_n, kr2_dx, kr2_dy = rebuild2(ring, RR2, RR2L, t, 19, mask, kr2_kx, kr2_ky)
            else:
                kr2_sx, kr2_sy, kr2_sxx, kr2_syy, kr2_sxy, kr2_n, kr2_dx, kr2_dy = push2(
                    kr2_kx, kr2_ky, kr2_sx, kr2_sy, kr2_sxx, kr2_syy, kr2_sxy, kr2_n, kr2_dx, kr2_dy,
                    ring[i, RR2], ring[i, RR2L], ring[(t - 19) & mask, RR2], ring[(t - 19) & mask, RR2L], t >= 19)
            s20 = np.sqrt(var_s(r20_1, r20_2, r20_n, r20_d, 20))
            s50 = np.sqrt(var_s(r50_1, r50_2, r50_n, r50_d, 50))
            s100 = np.sqrt(var_s(r100_1, r100_2, r100_n, r100_d, 100))
            comp[5] = clip01(1.0 - abs(s20 / s50 - 1.0) if s50 > 0.0 else np.nan, 0.5)
            comp[6] = clip01(abs(corr_s(kr2_sx, kr2_sy, kr2_sxx, kr2_syy, kr2_sxy, kr2_n, kr2_dx, kr2_dy, 19)), 0.5)
            comp[7] = range_stab
            comp[8] = clip01(1.0 - abs(s50 / s100 - 1.0) if s100 > 0.0 else np.nan, 0.5)
            # ------------------------------------------------------ momentum
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
                    ag += (g - ag) / 14.0
                    al += (ls - al) / 14.0
            rs = ag + al
            rsi_dist = abs(ag - al) / rs if (t >= 14 and rs > 0.0) else np.nan
            # MACD(12, 26, 9) on EMAs seeded at the first close
            if t == 0:
                ema12 = c
                ema26 = c
                ema9 = 0.0
            else:
                ema12 += 2.0 / 13.0 * (c - ema12)
                ema26 += 2.0 / 27.0 * (c - ema26)
                ema9 += 0.2 * ((ema12 - ema26) - ema9)
            hist = abs((ema12 - ema26) - ema9)
            ring[i, RHIST] = hist
            while dq_len > 0 and ring[dq[(dq_head + dq_len - 1) & mask] & mask, RHIST] <= hist:
                dq_len -= 1
            dq[(dq_head + dq_len) & mask] = t
            dq_len += 1
            if dq[dq_head] <= t - W:
                dq_head = (dq_head + 1) & mask
                dq_len -= 1
            hmax = ring[dq[dq_head] & mask, RHIST]
            ar_u -= 1
            if ar_u == 0:
                ar_u, ar_k, ar_1, ar_2, ar_n, ar_d = rebuild(ring, RABSR, t, 20, mask, ar_k)
            else:
                ar_1, ar_2, ar_n, ar_d = push(ar_k, ar_1, ar_2, ar_n, ar_d, ring[i, RABSR], ring[(t - 20) & mask, RABSR], t >= 20)
            comp[9] = clip01(abs(c / close[t - 20] - 1.0) if t >= 20 else np.nan, 0.5)
            comp[10] = clip01(abs(c / close[t - 50] - 1.0) if t >= 50 else np.nan, 0.5)
            comp[11] = clip01(abs(v / sma50_v - 1.0) if sma50_v > 0.0 else np.nan, 0.5)
            if sma100_c == sma100_c:
                comp[12] = 1.0 if (sma20_c > sma50_c) == (sma50_c > sma100_c) else 0.0
            else:
                comp[12] = 0.5
            comp[13] = clip01(rsi_dist, 0.5)
            comp[14] = clip01(hist / hmax if hmax > 0.0 else np.nan, 0.5)
            comp[15] = clip01(1.0 - np.sqrt(var_s(ar_1, ar_2, ar_n, ar_d, 20)), 0.5)
            # ----------------------------------------------------- imbalance
            ring[i, RPV] = (h + lo + c) / 3.0 * v
            pvw_u -= 1
            if pvw_u == 0:
                pvw_u, pvw_k, pvw_1, pvw_n, pvw_d = rebuild_m(ring, RPV, t, W, mask, pvw_k)
            else:
                pvw_1, pvw_n, pvw_d = push_m(pvw_k, pvw_1, pvw_n, pvw_d, ring[i, RPV], ring[(t - W) & mask, RPV], t >= W)
            vw_u -= 1
            if vw_u == 0:
                vw_u, vw_k, vw_1, vw_n, vw_d = rebuild_m(ring, RV, t, W, mask, vw_k)
            else:
                vw_1, vw_n, vw_d = push_m(vw_k, vw_1, vw_n, vw_d, ring[i, RV], ring[(t - W) & mask, RV], t >= W)
            mv = mean_s(vw_k, vw_1, vw_n, vw_d, 1)
            vwap = mean_s(pvw_k, pvw_1, pvw_n, pvw_d, 1) / mv if mv > 0.0 else np.nan
            ring[i, RDEV] = (c - vwap) / vwap
            f = 0.0
            if v > 0.0:
                if use_taker:
                    f = (2.0 * taker[t] - v) / v
                elif c > open_[t]:
                    f = 1.0
                elif c < open_[t]:
                    f = -1.0
            ring[i, RFLOW] = f
            ring[i, RSIZE] = abs(r) * v
            ring[i, RDCV] = (c - pc) * v
            dev_u -= 1
            if dev_u == 0:
                dev_u, dev_k, dev_1, dev_n, dev_d = rebuild_m(ring, RDEV, t, 20, mask, dev_k)
            else:
                dev_1, dev_n, dev_d = push_m(dev_k, dev_1, dev_n, dev_d, ring[i, RDEV], ring[(t - 20) & mask, RDEV], t >= 20)
            fl_u -= 1
            if fl_u == 0:
                fl_u, fl_k, fl_1, fl_n, fl_d = rebuild_m(ring, RFLOW, t, 20, mask, fl_k)
            else:
                fl_1, fl_n, fl_d = push_m(fl_k, fl_1, fl_n, fl_d, ring[i, RFLOW], ring[(t - 20) & mask, RFLOW], t >= 20)
            sz_u -= 1
            if sz_u == 0:
                sz_u, sz_k, sz_1, sz_2, sz_n, sz_d = rebuild(ring, RSIZE, t, 20, mask, sz_k)
            else:
                sz_1, sz_2, sz_n, sz_d = push(sz_k, sz_1, sz_2, sz_n, sz_d, ring[i, RSIZE], ring[(t - 20) & mask, RSIZE], t >= 20)
            dcv_u -= 1
            if dcv_u == 0:
                dcv_u, dcv_k, dcv_1, dcv_n, dcv_d = rebuild_m(ring, RDCV, t, 20, mask, dcv_k)
            else:
                dcv_1, dcv_n, dcv_d = push_m(dcv_k, dcv_1, dcv_n, dcv_d, ring[i, RDCV], ring[(t - 20) & mask, RDCV], t >= 20)
            ms = mean_s(sz_k, sz_1, sz_n, sz_d, 20)
            comp[16] = clip01(1.0 - abs(mean_s(dev_k, dev_1, dev_n, dev_d, 1)), 0.5)
            comp[17] = clip01(1.0 - abs(mean_s(fl_k, fl_1, fl_n, fl_d, 20)), 0.5)
            comp[18] = clip01(1.0 - np.sqrt(var_s(sz_1, sz_2, sz_n, sz_d, 20)) / ms if ms > 0.0 else np.nan, 0.5)
            comp[19] = clip01(1.0 - hout[t - t0], 0.5)
            comp[20] = clip01(1.0 / (1.0 + abs(mean_s(dcv_k, dcv_1, dcv_n, dcv_d, 20) * 20.0)), 0.5)
            # --------------------------------------------------------- trend
            pdm = np.nan
            mdm = np.nan
            if t > 0:
                tr = max(h - lo, abs(h - pc), abs(lo - pc))
                up = h - high[t - 1]
                dn = low[t - 1] - lo
                pdm = up if (up > dn and up > 0.0) else 0.0
                mdm = dn if (dn > up and dn > 0.0) else 0.0
                if t <= 14:
                    s_tr += tr
                    s_p += pdm
                    s_m += mdm
                    if t == 14:
                        s_tr /= 14.0
                        s_p /= 14.0
                        s_m /= 14.0
                else:
                    s_tr += (tr - s_tr) / 14.0
                    s_p += (pdm - s_p) / 14.0
                    s_m += (mdm - s_m) / 14.0
            if t >= 14:
                pdi = 100.0 * s_p / s_tr if s_tr > 0.0 else 0.0
                mdi = 100.0 * s_m / s_tr if s_tr > 0.0 else 0.0
                dx = 100.0 * abs(pdi - mdi) / (pdi + mdi) if pdi + mdi > 0.0 else 0.0
                if t < 27:
                    dx_sum += dx
                elif t == 27:
                    adx = (dx_sum + dx) / 14.0
                else:
                    adx += (dx - adx) / 14.0
            ring[i, RPDM] = pdm
            ring[i, RMDM] = mdm
            ring[i, RSMA] = sma20_c
            ring[i, RSIDE] = (1.0 if c > sma20_c else 0.0) if sma20_c == sma20_c else np.nan
            agree = np.nan
            if t >= 5:
                old_sma = ring[(t - 5) & mask, RSMA]
                if old_sma == old_sma and sma20_v == sma20_v:
                    agree = 1.0 if (sma20_c > old_sma) == (v > sma20_v) else 0.0
            ring[i, RAGREE] = agree
            pdm_u -= 1
            if pdm_u == 0:
                pdm_u, pdm_k, pdm_1, pdm_n, pdm_d = rebuild_m(ring, RPDM, t, 14, mask, pdm_k)
            else:
                pdm_1, pdm_n, pdm_d = push_m(pdm_k, pdm_1, pdm_n, pdm_d, ring[i, RPDM], ring[(t - 14) & mask, RPDM], t >= 14)
            mdm_u -= 1
            if mdm_u == 0:
                mdm_u, mdm_k, mdm_1, mdm_n, mdm_d = rebuild_m(ring, RMDM, t, 14, mask, mdm_k)
            else:
                mdm_1, mdm_n, mdm_d = push_m(mdm_k, mdm_1, mdm_n, mdm_d, ring[i, RMDM], ring[(t - 14) & mask, RMDM], t >= 14)
            sd_u -= 1
            if sd_u == 0:
                sd_u, sd_k, sd_1, sd_n, sd_d = rebuild_m(ring, RSIDE, t, 20, mask, sd_k)
            else:
                sd_1, sd_n, sd_d = push_m(sd_k, sd_1, sd_n, sd_d, ring[i, RSIDE], ring[(t - 20) & mask, RSIDE], t >= 20)
            agr_u -= 1
            if agr_u == 0:
                agr_u, agr_k, agr_1, agr_n, agr_d = rebuild_m(ring, RAGREE, t, 20, mask, agr_k)
            else:
                agr_1, agr_n, agr_d = push_m(agr_k, agr_1, agr_n, agr_d, ring[i, RAGREE], ring[(t - 20) & mask, RAGREE], t >= 20)
            ap = mean_s(pdm_k, pdm_1, pdm_n, pdm_d, 14)
            am = mean_s(mdm_k, mdm_1, mdm_n, mdm_d, 14)
            comp[21] = clip01(adx / 100.0, 0.5)
            comp[22] = clip01(abs(ap - am) / (ap + am) if ap + am > 0.0 else np.nan, 0.5)
            comp[23] = clip01(abs(sma20_c - sma100_c) / sma100_c, 0.5)
            comp[24] = clip01(abs(mean_s(sd_k, sd_1, sd_n, sd_d, 20) - 0.5) * 2.0, 0.5)
            upper = sma20_c + 2.0 * sd20_c
            lower = sma20_c - 2.0 * sd20_c
            if upper == upper:
                e = 0.0
                if upper > 0.0 and (c - upper) / upper > e:
                    e = (c - upper) / upper
                if lower > 0.0 and (lower - c) / lower > e:
                    e = (lower - c) / lower
                comp[25] = clip01(e, 0.5)
            else:
                comp[25] = 0.5
            comp[26] = clip01(mean_s(agr_k, agr_1, agr_n, agr_d, 20), 0.5)
            # --------------------------------------------------------- noise
            smooth = np.nan
            if t >= nsg - 1:
                acc = 0.0
                for j in range(nsg):  # contiguous closes: the dot product vectorises
                    acc += sg[j] * (close[t - nsg + 1 + j] - c)
                smooth = c + acc
            ring[i, RSG] = smooth
            ring[i, RRES] = c - smooth
            ring[i, RDEV2] = c - sma20_c
            ring[i, RDC] = c - pc
            vp = volume[t - 1] if t > 0 else 0.0
            ring[i, RPCT] = (v - vp) / vp if vp > 0.0 else np.nan
            sg_u -= 1
            if sg_u == 0:
                sg_u, sg_k, sg_1, sg_2, sg_n, sg_d = rebuild(ring, RSG, t, 20, mask, sg_k)
            else:
                sg_1, sg_2, sg_n, sg_d = push(sg_k, sg_1, sg_2, sg_n, sg_d, ring[i, RSG], ring[(t - 20) & mask, RSG], t >= 20)
            rs_u -= 1
            if rs_u == 0:
                rs_u, rs_k, rs_1, rs_2, rs_n, rs_d = rebuild(ring, RRES, t, 20, mask, rs_k)
            else:
                rs_1, rs_2, rs_n, rs_d = push(rs_k, rs_1, rs_2, rs_n, rs_d, ring[i, RRES], ring[(t - 20) & mask, RRES], t >= 20)
            sm_u -= 1
            if sm_u == 0:
                sm_u, sm_k, sm_1, sm_2, sm_n, sm_d = rebuild(ring, RSMA, t, 20, mask, sm_k)
            else:
                sm_1, sm_2, sm_n, sm_d = push(sm_k, sm_1, sm_2, sm_n, sm_d, ring[i, RSMA], ring[(t - 20) & mask, RSMA], t >= 20)
            d2_u -= 1
            if d2_u == 0:
                d2_u, d2_k, d2_1, d2_2, d2_n, d2_d = rebuild(ring, RDEV2, t, 20, mask, d2_k)
            else:
                d2_1, d2_2, d2_n, d2_d = push(d2_k, d2_1, d2_2, d2_n, d2_d, ring[i, RDEV2], ring[(t - 20) & mask, RDEV2], t >= 20)
            dc20_u -= 1
            if dc20_u == 0:
                dc20_u, dc20_k, dc20_1, dc20_2, dc20_n, dc20_d = rebuild(ring, RDC, t, 20, mask, dc20_k)
            else:
                dc20_1, dc20_2, dc20_n, dc20_d = push(dc20_k, dc20_1, dc20_2, dc20_n, dc20_d, ring[i, RDC], ring[(t - 20) & mask, RDC], t >= 20)
            dc5_u -= 1
            if dc5_u == 0:
                dc5_u, dc5_k, dc5_1, dc5_2, dc5_n, dc5_d = rebuild(ring, RDC, t, 5, mask, dc5_k)
            else:
                dc5_1, dc5_2, dc5_n, dc5_d = push(dc5_k, dc5_1, dc5_2, dc5_n, dc5_d, ring[i, RDC], ring[(t - 5) & mask, RDC], t >= 5)
            pct_u -= 1
            if pct_u == 0:
                pct_u, pct_k, pct_1, pct_2, pct_n, pct_d = rebuild(ring, RPCT, t, 20, mask, pct_k)
            else:
                pct_1, pct_2, pct_n, pct_d = push(pct_k, pct_1, pct_2, pct_n, pct_d, ring[i, RPCT], ring[(t - 20) & mask, RPCT], t >= 20)
            kcv_u -= 1
            if kcv_u == 0:
                kcv_u, kcv_kx, kcv_ky, kcv_sx, kcv_sy, kcv_sxx, kcv_syy, kcv_sxy, kcv_n, kcv_dx, kcv_dy = rebuild2(ring, RC, RV, t, 20, mask, kcv_kx, kcv_ky)
            else:
                kcv_sx, kcv_sy, kcv_sxx, kcv_syy, kcv_sxy, kcv_n, kcv_dx, kcv_dy = push2(
                    kcv_kx, kcv_ky, kcv_sx, kcv_sy, kcv_sxx, kcv_syy, kcv_sxy, kcv_n, kcv_dx, kcv_dy,
                    ring[i, RC], ring[i, RV], ring[(t - 20) & mask, RC], ring[(t - 20) & mask, RV], t >= 20)
            kr_u -= 1
            if kr_u == 0:
                kr_u, kr_kx, kr_ky, kr_sx, kr_sy, kr_sxx, kr_syy, kr_sxy, kr_n, kr_dx, kr_dy = rebuild2(ring, RR, RRL, t, 19, mask, kr_kx, kr_ky)
            else:
                kr_sx, kr_sy, kr_sxx, kr_syy, kr_sxy, kr_n, kr_dx, kr_dy = push2(
                    kr_kx, kr_ky, kr_sx, kr_sy, kr_sxx, kr_syy, kr_sxy, kr_n, kr_dx, kr_dy,
                    ring[i, RR], ring[i, RRL], ring[(t - 19) & mask, RR], ring[(t - 19) & mask, RRL], t >= 19)
            v_res = var_s(rs_1, rs_2, rs_n, rs_d, 20)
            v_dev = var_s(d2_1, d2_2, d2_n, d2_d, 20)
            s5 = np.sqrt(var_s(dc5_1, dc5_2, dc5_n, dc5_d, 5))
            sp = np.sqrt(var_s(pct_1, pct_2, pct_n, pct_d, 2))
            comp[27] = clip01(tanh_pos(var_s(sg_1, sg_2, sg_n, sg_d, 20) / v_res / 10.0) if v_res > 0.0 else np.nan, 0.5)
            comp[28] = clip01(tanh_pos(var_s(sm_1, sm_2, sm_n, sm_d, 20) / v_dev / 10.0) if v_dev > 0.0 else np.nan, 0.5)
            comp[29] = clip01(tanh_pos(np.sqrt(var_s(dc20_1, dc20_2, dc20_n, dc20_d, 20)) / s5 / 5.0) if s5 > 0.0 else np.nan, 0.5)
            comp[30] = clip01(tanh_pos(sma20_v / sp / 10.0) if sp > 0.0 else np.nan, 0.5)
            comp[31] = clip01(abs(corr_s(kcv_sx, kcv_sy, kcv_sxx, kcv_syy, kcv_sxy, kcv_n, kcv_dx, kcv_dy, 20)), 0.5)
            comp[32] = range_stab
            comp[33] = clip01(abs(corr_s(kr_sx, kr_sy, kr_sxx, kr_syy, kr_sxy, kr_n, kr_dx, kr_dy, 19)), 0.5)
            # ------------------------------------------------------- outputs
            if keep_comps:
                for k in range(N_COMPONENTS):
                    comps[k, t] = comp[k]
            for di in range(6):
                if t < warm:
                    dims[di, t] = np.nan
                else:
                    s = 0.0
                    for k in range(off[di], off[di + 1]):
                        s += wcomp[k] * comp[k]
                    dims[di, t] = min(1.0, max(0.0, s))
    return dims, comps


@njit(cache=True, nogil=True)
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
