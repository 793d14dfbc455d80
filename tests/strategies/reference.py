"""Slow, independent plain-Python references of every strategy, written from the docstrings.

Windows are rescanned per bar, statistics are two-pass, nothing is shared with
the kernels (no numba, no running sums, no shared context). Each function
returns (signal list[int], confidence list[float]) before the warm-up mask.
"""

from __future__ import annotations

import math


def _clip(x):
    return min(1.0, max(0.0, x))


def _conf(x, thr):
    return _clip(x / (2.0 * thr)) if thr > 0 else 1.0


def _sign(x):
    return 1 if x > 0 else (-1 if x < 0 else 0)


class Bars0:
    """Plain lists from Bars, with the helpers the rules are written in."""

    def __init__(self, b):
        self.O = b.open.tolist()
        self.H = b.high.tolist()
        self.L = b.low.tolist()
        self.C = b.close.tolist()
        self.V = b.volume.tolist()
        self.ts = b.ts.tolist()
        self.base = b.timeframe_ns
        self.N = len(self.C)
        tb = None if b.taker_buy_volume is None else b.taker_buy_volume.tolist()
        self.D = []
        for i in range(self.N):
            if tb is not None:
                self.D.append(2 * tb[i] - self.V[i])
            else:
                rng = self.H[i] - self.L[i]
                self.D.append(((self.C[i] - self.L[i]) - (self.H[i] - self.C[i])) / rng * self.V[i] if rng > 0 else 0.0)
        self.R = [float("nan")] + [self.C[i] / self.C[i - 1] - 1 for i in range(1, self.N)]
        self.TR = [self.H[0] - self.L[0]] + [
            max(self.H[i] - self.L[i], abs(self.H[i] - self.C[i - 1]), abs(self.L[i] - self.C[i - 1])) for i in range(1, self.N)
        ]

    @staticmethod
    def window(x, t, n):
        """x[t-n+1 .. t] or None when it starts before 0 or holds a NaN."""
        if t - n + 1 < 0 or t >= len(x):
            return None
        w = x[t - n + 1:t + 1]
        return None if any(v != v for v in w) else w

    def mean(self, x, t, n):
        w = self.window(x, t, n)
        return None if w is None else sum(w) / n

    def std(self, x, t, n):
        w = self.window(x, t, n)
        if w is None:
            return None
        mu = sum(w) / n
        return math.sqrt(sum((v - mu) ** 2 for v in w) / n)

    def z(self, x, t, n):
        s = self.std(x, t, n)
        if s is None or s <= 0:
            return None
        return (x[t] - self.mean(x, t, n)) / s

    def atr(self, t, n):
        return self.mean(self.TR, t, n)

    def sum(self, x, t, n):
        w = self.window(x, t, n)
        return None if w is None else sum(w)


def _gt(a, b):
    return a is not None and b is not None and a > b


def event_driven(b, n=60, k=4.0, z=3.0, hold=15):
    S, Q = [0] * b.N, [0.0] * b.N
    pend = None
    act = None
    left = 0
    for t in range(b.N):
        if pend is not None:
            if b.R[t] * pend[0] > 0:
                act, left = pend, hold
            pend = None
        if left > 0:
            S[t], Q[t] = act
            left -= 1
        if t >= 1:
            s = b.std(b.R, t - 1, n)
            vz = b.z(b.V, t, n)
            if s and s > 0 and _gt(vz, z) and abs(b.R[t]) > k * s:
                pend = (_sign(b.R[t]), _conf(abs(b.R[t]) / s, k))
    return S, Q


def _bins(b, bps):
    return [math.floor(math.log(c) / (bps * 1e-4)) for c in b.C]


def _profile(bins, V, t, window):
    prof = {}
    for j in range(t - window, t):
        prof[bins[j]] = prof.get(bins[j], 0.0) + V[j]
    return prof


def _value_area(prof, va_frac):
    lo, hi = min(prof), max(prof)
    poc = max(sorted(prof), key=lambda k: (prof[k], -k))  # fullest, lowest bin on ties
    total = sum(prof.values())
    a = z = poc
    acc = prof[poc]
    while acc < va_frac * total:
        up = prof.get(z + 1, 0.0) if z + 1 <= hi else -1.0
        dn = prof.get(a - 1, 0.0) if a - 1 >= lo else -1.0
        if up < 0 and dn < 0:
            break
        if up >= dn:
            z += 1
            acc += up
        else:
            a -= 1
            acc += dn
    return poc, a, z


def low_volume_node(b, window=240, bin_bps=10.0, frac=0.3):
    S, Q = [0] * b.N, [0.0] * b.N
    bins = _bins(b, bin_bps)
    for t in range(max(1, window), b.N):
        if bins[t] == bins[t - 1]:
            continue
        prof = _profile(bins, b.V, t, window)
        mean = sum(prof.values()) / len(prof)
        node = prof.get(bins[t], 0.0)
        if mean > 0 and node < frac * mean:
            S[t] = 1 if bins[t] > bins[t - 1] else -1
            Q[t] = 1 - 0.5 * node / (frac * mean)
    return S, Q


def absorption(b, n=20, z=2.0, range_frac=0.6, hold=30):
    S, Q = [0] * b.N, [0.0] * b.N
    level = None  # (bar, high, low, conf)
    for t in range(b.N):
        if level is not None and t - level[0] > hold:
            level = None
        if level is not None:
            if b.C[t] > level[1]:
                S[t], Q[t], level = 1, level[3], None
            elif b.C[t] < level[2]:
                S[t], Q[t], level = -1, level[3], None
        vz = b.z(b.V, t, n)
        a = b.atr(t, n)
        if _gt(vz, z) and a is not None and b.H[t] - b.L[t] < range_frac * a:
            level = (t, b.H[t], b.L[t], _conf(vz, z))
    return S, Q


def momentum_breakout(b, n=20, z=2.0):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(b.N):
        zc = b.z(b.C, t, n)
        if zc is not None and abs(zc) > z:
            S[t], Q[t] = _sign(zc), _conf(abs(zc), z)
    return S, Q


def market_microstructure(b, n=60, k=1.5, ac_thr=0.1):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(b.N):
        s = b.std(b.R, t, n)
        if not s or not abs(b.R[t]) > k * s:
            continue
        xs = b.window(b.R, t, n)
        ys = b.window(b.R, t - 1, n)
        if xs is None or ys is None:
            continue
        mx, my = sum(xs) / n, sum(ys) / n
        vx = sum((x - mx) ** 2 for x in xs) / n
        vy = sum((y - my) ** 2 for y in ys) / n
        if vx <= 0 or vy <= 0:
            continue
        ac = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / n / math.sqrt(vx * vy)
        if ac > ac_thr:
            S[t] = _sign(b.R[t])
        elif ac < -ac_thr:
            S[t] = -_sign(b.R[t])
        else:
            continue
        Q[t] = _conf(abs(ac), ac_thr)
    return S, Q


def order_book_imbalance(b, n=10, thr=0.25):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(n - 1, b.N):
        vs = b.sum(b.V, t, n)
        if vs > 0:
            imb = b.sum(b.D, t, n) / vs
            if abs(imb) > thr:
                S[t], Q[t] = _sign(imb), _conf(abs(imb), thr)
    return S, Q


def liquidity_absorption(b, m=5, n=60, thr=0.15, vmult=1.2):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(m, b.N):
        vs = b.sum(b.V, t, m)
        vm = b.mean(b.V, t, n)
        if vm is None or not vs > 0 or not vs > vmult * m * vm:
            continue
        imb = b.sum(b.D, t, m) / vs
        move = b.C[t] - b.C[t - m]
        if imb < -thr and move >= 0:
            S[t] = 1
        elif imb > thr and move <= 0:
            S[t] = -1
        else:
            continue
        Q[t] = _conf(abs(imb), thr)
    return S, Q


def spoofing(b, n=20, z=1.0, thr=0.3):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(1, b.N):
        p = t - 1
        if not _gt(b.z(b.V, p, n), z) or b.V[p] <= 0:
            continue
        f = b.D[p] / b.V[p]
        if f > thr and b.C[t] < b.O[p]:
            S[t] = -1
        elif f < -thr and b.C[t] > b.O[p]:
            S[t] = 1
        else:
            continue
        Q[t] = _conf(abs(f), thr)
    return S, Q


def iceberg(b, m=5, n=60, vmult=1.3, range_k=2.0, thr=0.1):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(b.N):
        vm = b.mean(b.V, t, n)
        a = b.atr(t, n)
        if vm is None or a is None or t < m - 1 or vm <= 0:
            continue
        vs = sum(b.V[t - m + 1:t + 1])
        ratio = vs / (m * vm)
        rng = max(b.H[t - m + 1:t + 1]) - min(b.L[t - m + 1:t + 1])
        if ratio > vmult and rng < range_k * a and vs > 0:
            imb = sum(b.D[t - m + 1:t + 1]) / vs
            if abs(imb) > thr:
                S[t], Q[t] = -_sign(imb), _conf(ratio, vmult)
    return S, Q


def liquidation(b, n=60, m=5, z=2.5, v_thr=2.0):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(m + 1, b.N):
        a, ap = b.atr(t, n), b.atr(t - 1, n)
        if not a or not ap or not _gt(b.z(b.V, t, n), z):
            continue
        vel = (b.C[t] - b.C[t - m]) / a
        if abs(vel) <= v_thr:
            continue
        acc = vel - (b.C[t - 1] - b.C[t - 1 - m]) / ap
        d = _sign(vel)
        S[t] = d if acc * d > 0 else -d
        Q[t] = _conf(abs(vel), v_thr)
    return S, Q


def liquidity_trap(b, n=60, atr_n=20, k=0.1):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(n, b.N):
        a = b.atr(t, atr_n)
        if not a:
            continue
        js = range(t - n, t)
        best = max(js, key=lambda j: (b.V[j], j))  # highest volume, latest on ties
        level = b.C[best]
        rng = b.H[t] - b.L[t]
        if b.C[t - 1] < level and b.H[t] > level + k * a and b.C[t] < level:
            S[t], Q[t] = -1, (_clip((b.H[t] - b.C[t]) / rng) if rng > 0 else 0.0)
        elif b.C[t - 1] > level and b.L[t] < level - k * a and b.C[t] > level:
            S[t], Q[t] = 1, (_clip((b.C[t] - b.L[t]) / rng) if rng > 0 else 0.0)
    return S, Q


def _htf_dev(b, htf, k):
    """Per bar: last closed HTF close minus the mean of the last k closed ones (None before k)."""
    buckets = {}
    order = []
    for i, ts in enumerate(b.ts):
        bk = ts // htf
        if bk not in buckets:
            buckets[bk] = []
            order.append(bk)
        buckets[bk].append(i)
    done_at = []  # (bar index from which the bucket counts, its close)
    for pos, bk in enumerate(order):
        last = buckets[bk][-1]
        if b.ts[last] + b.base >= (bk + 1) * htf:
            done_at.append((last, b.C[last]))
        elif pos + 1 < len(order):
            done_at.append((buckets[order[pos + 1]][0], b.C[last]))
    out = [None] * b.N
    p = 0
    closed = []
    for t in range(b.N):
        while p < len(done_at) and done_at[p][0] <= t:
            closed.append(done_at[p][1])
            p += 1
        if len(closed) >= k:
            out[t] = closed[-1] - sum(closed[-k:]) / k
    return out


def mtf_alignment(b, n=20, k5=12, k60=6):
    S, Q = [0] * b.N, [0.0] * b.N
    d5 = _htf_dev(b, 300_000_000_000, k5)
    d60 = _htf_dev(b, 3_600_000_000_000, k60)
    for t in range(b.N):
        sma, a = b.mean(b.C, t, n), b.atr(t, n)
        if sma is None or not a or d5[t] is None or d60[t] is None:
            continue
        d1 = b.C[t] - sma
        s = _sign(d1)
        if s != 0 and s == _sign(d5[t]) == _sign(d60[t]):
            S[t], Q[t] = s, 0.5 + 0.5 * min(1.0, abs(d1) / a)
    return S, Q


def cumulative_delta(b, n=60, thr=2.0):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(n - 1, b.N):
        sd = b.std(b.D, t, n)
        if not sd:
            continue
        zd = b.sum(b.D, t, n) / (sd * math.sqrt(n))
        if abs(zd) > thr and (b.C[t] - b.mean(b.C, t, n)) * zd > 0:
            S[t], Q[t] = _sign(zd), _conf(abs(zd), thr)
    return S, Q


def delta_divergence(b, n=30):
    S, Q = [0] * b.N, [0.0] * b.N
    cvd = []
    acc = 0.0
    for d in b.D:
        acc += d
        cvd.append(acc)
    for t in range(n, b.N):
        lo, hi = min(b.L[t - n:t]), max(b.H[t - n:t])
        cmin, cmax = min(cvd[t - n:t]), max(cvd[t - n:t])
        bull = b.L[t] < lo and cvd[t] > cmin
        bear = b.H[t] > hi and cvd[t] < cmax
        if bull == bear:
            continue
        span = cmax - cmin
        x = ((cvd[t] - cmin) if bull else (cmax - cvd[t])) / span if span > 0 else 0.0
        S[t], Q[t] = (1 if bull else -1), 0.5 + 0.5 * min(1.0, x)
    return S, Q


def open_drive(b, session_minutes=1440, open_minutes=30, k=0.7, atr_n=20):
    S, Q = [0] * b.N, [0.0] * b.N
    sess_ns, open_ns = session_minutes * 60_000_000_000, open_minutes * 60_000_000_000
    root = math.sqrt(max(1, open_ns // b.base))
    sessions = {}
    for i, ts in enumerate(b.ts):
        sessions.setdefault(ts // sess_ns, []).append(i)
    for sid, idx in sessions.items():
        start = sid * sess_ns
        if b.ts[idx[0]] - start >= open_ns:
            continue  # joined late
        s_open = b.O[idx[0]]
        ev = next((i for i in idx if b.ts[i] + b.base >= start + open_ns), None)
        if ev is None:
            continue
        a = b.atr(ev, atr_n)
        if not a:
            continue
        d = (b.C[ev] - s_open) / (a * root)
        if abs(d) <= k:
            continue
        drive = _sign(d)
        state = drive
        for i in idx[idx.index(ev):]:
            if i > ev and state == drive and (b.C[i] - s_open) * drive < 0:
                state = -drive
            S[i], Q[i] = state, _conf(abs(d), k)
    return S, Q


def profile_rotation(b, window=240, bin_bps=10.0, va_frac=0.7):
    S, Q = [0] * b.N, [0.0] * b.N
    bins = _bins(b, bin_bps)
    for t in range(max(1, window), b.N):
        bb, pb = bins[t], bins[t - 1]
        if bb == pb:
            continue
        poc, val, vah = _value_area(_profile(bins, b.V, t, window), va_frac)
        if not val <= bb <= vah:
            continue
        if pb < val:
            S[t], room = 1, poc - bb
        elif pb > vah:
            S[t], room = -1, bb - poc
        else:
            continue
        Q[t] = 0.5 + 0.5 * min(1.0, max(0, room) / max(1.0, (vah - val) / 2))
    return S, Q


def vwap_reversion(b, n=60, atr_n=60, k=3.0):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(n - 1, b.N):
        a = b.atr(t, atr_n)
        vs = sum(b.V[t - n + 1:t + 1])
        if not a or vs <= 0:
            continue
        vwap = sum((b.H[j] + b.L[j] + b.C[j]) / 3 * b.V[j] for j in range(t - n + 1, t + 1)) / vs
        dev = (b.C[t] - vwap) / a
        if abs(dev) > k:
            S[t], Q[t] = -_sign(dev), _conf(abs(dev), k)
    return S, Q


def stop_run(b, n=60, atr_n=20, tol=0.5, near=1.0):
    S, Q = [0] * b.N, [0.0] * b.N
    h = max(1, n // 2)
    for t in range(2 * h, b.N):
        a = b.atr(t, atr_n)
        if not a:
            continue
        ha, hb = max(b.H[t - 2 * h:t - h]), max(b.H[t - h:t])
        la, lb = min(b.L[t - 2 * h:t - h]), min(b.L[t - h:t])
        up = dn = 0.0
        if abs(ha - hb) <= tol * a and b.C[t] > b.C[t - 1] and 0 < max(ha, hb) - b.C[t] <= near * a:
            up = 1 - 0.5 * (max(ha, hb) - b.C[t]) / (near * a)
        if abs(la - lb) <= tol * a and b.C[t] < b.C[t - 1] and 0 < b.C[t] - min(la, lb) <= near * a:
            dn = 1 - 0.5 * (b.C[t] - min(la, lb)) / (near * a)
        if up > 0 and dn == 0:
            S[t], Q[t] = 1, up
        elif dn > 0 and up == 0:
            S[t], Q[t] = -1, dn
    return S, Q


def momentum_ignition(b, n=60, k=3.0, z=2.0, quiet=10, quiet_z=1.5, body=0.6):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(1, b.N):
        s = b.std(b.R, t - 1, n)
        rng = b.H[t] - b.L[t]
        if not s or rng <= 0 or t - quiet < 0:
            continue
        prior = [b.z(b.V, j, n) for j in range(t - quiet, t)]
        if any(p is None for p in prior) or max(prior) >= quiet_z:
            continue
        if abs(b.R[t]) > k * s and _gt(b.z(b.V, t, n), z) and abs(b.C[t] - b.O[t]) > body * rng:
            S[t], Q[t] = _sign(b.R[t]), _conf(abs(b.R[t]) / s, k)
    return S, Q


def volume_imbalance(b, n=20, thr=0.6, w_v=1.0, w_d=1.0, w_r=0.5):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(n, b.N):
        js = range(t - n + 1, t + 1)
        up = sum(b.V[j] for j in js if b.C[j] > b.O[j])
        dn = sum(b.V[j] for j in js if b.C[j] < b.O[j])
        vs = sum(b.V[j] for j in js)
        s = b.std(b.R, t, n)
        if up + dn <= 0 or vs <= 0 or not s:
            continue
        x = w_v * (up - dn) / (up + dn) + w_d * sum(b.D[j] for j in js) / vs + w_r * sum(b.R[j] for j in js) / (s * math.sqrt(n))
        score = math.tanh(x)
        if abs(score) > thr:
            S[t], Q[t] = _sign(score), abs(score)
    return S, Q


def sma_crossover(b, fast=10, slow=50):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(b.N):
        f, s = b.mean(b.C, t, fast), b.mean(b.C, t, slow)
        if f is not None and s is not None and f != s:
            S[t], Q[t] = _sign(f - s), 1.0
    return S, Q


def zscore_reversion(b, n=20, k=2.0):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(b.N):
        zc = b.z(b.C, t, n)
        if zc is not None and abs(zc) > k:
            S[t], Q[t] = -_sign(zc), _conf(abs(zc), k)
    return S, Q


def ts_momentum(b, lookback=60):
    S, Q = [0] * b.N, [0.0] * b.N
    for t in range(lookback, b.N):
        s = _sign(b.C[t] - b.C[t - lookback])
        S[t], Q[t] = s, float(s != 0)
    return S, Q


def donchian_breakout(b, n=20):
    S, Q = [0] * b.N, [0.0] * b.N
    state = 0
    for t in range(n, b.N):
        if b.C[t] > max(b.H[t - n:t]):
            state = 1
        elif b.C[t] < min(b.L[t - n:t]):
            state = -1
        S[t], Q[t] = state, float(state != 0)
    return S, Q


REFERENCES = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_") and name not in ("Bars0", "math")}
