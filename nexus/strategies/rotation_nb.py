"""Kernels of the rotation strategies (see rotation.py for the rules).

Each strategy kernel fills zeroed ``sig`` (int8) and ``conf`` (float32) arrays the
caller supplies (a column of the signal matrix, or fresh zeros) and returns them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nexus.indicators.scalar import conf_nb
from nexus.strategies.shared_nb import bucket_nb


@njit(cache=True)
def open_drive_nb(ts, open_, close, atr, base_ns, session_ns, open_ns, k, sig, conf):
    m = close.shape[0]
    m_bars = max(np.int64(1), open_ns // base_ns)
    root = np.sqrt(m_bars)
    sess = np.int64(0)
    sess_open = 0.0
    state = 0
    drive = 0
    c_s = 0.0
    evaluated = True
    s = np.int64(0)
    s_end = np.int64(-1) << 62  # divide only when a bar leaves the current session
    for t in range(m):
        s, s_end = bucket_nb(ts[t], s, s_end, session_ns)
        if t == 0 or s != sess:
            sess = s
            sess_open = open_[t]
            state = 0
            drive = 0
            c_s = 0.0
            # a session joined after its opening window closed cannot be judged
            evaluated = ts[t] - s * session_ns >= open_ns
        if not evaluated:
            if ts[t] + base_ns >= sess * session_ns + open_ns:
                evaluated = True
                if atr[t] > 0.0:
                    d = (close[t] - sess_open) / (atr[t] * root)
                    if abs(d) > k:
                        drive = 1 if d > 0.0 else -1
                        state = drive
                        c_s = conf_nb(abs(d), k)
        elif drive != 0 and state == drive:
            if (drive > 0 and close[t] < sess_open) or (drive < 0 and close[t] > sess_open):
                state = -drive
        if state != 0:
            sig[t] = state
            conf[t] = c_s
    return sig, conf


@njit(cache=True)
def profile_rotation_nb(bins, node, poc, val, vah, sig, conf):
    m = bins.shape[0]
    for t in range(1, m):
        if np.isnan(node[t]):
            continue
        b = bins[t]
        pb = bins[t - 1]
        if b < val[t] or b > vah[t]:
            continue
        if pb < val[t]:
            sig[t] = 1
            room = poc[t] - b
        elif pb > vah[t]:
            sig[t] = -1
            room = b - poc[t]
        else:
            continue
        half = (vah[t] - val[t]) / 2.0
        x = max(0.0, room) / max(1.0, half)
        conf[t] = 0.5 + 0.5 * min(1.0, x)
    return sig, conf
