"""Per-strategy attribution: who voted for the trades and what they made.

Each trade is traced back to the decision that opened it (the last target
the book emitted for that column at or before the entry fill) and that
decision's vote shares (layer 4's ``contrib``: each agreeing strategy's
``w * c`` over the total of the agreeing side). The trade's P&L and a count
of one are split across strategies by those shares.

>>> import numpy as np
>>> pnl, cnt = split_pnl(np.array([10.0, -4.0]), np.array([[0.5, 0.5], [1.0, 0.0]], np.float32))
>>> pnl.tolist(), cnt.tolist()
([1.0, 5.0], [1.5, 0.5])
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def split_pnl(pnl: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (shares * pnl[:, None]).sum(axis=0), shares.sum(axis=0)


def trade_shares(entry_idx: np.ndarray, col: np.ndarray, target: np.ndarray, decision_rows: list[np.ndarray],
                 contrib: list[np.ndarray], fill_lag: int) -> np.ndarray:
    """Vote shares [n_trades, k] of the decision behind each trade (zeros when none is found)."""
    k = contrib[0].shape[1] if contrib else 0
    out = np.zeros((len(entry_idx), k), dtype=np.float64)
    for j in range(target.shape[1]):
        sel = np.flatnonzero(col == j)
        if not len(sel) or not len(decision_rows[j]):
            continue
        emitted = np.flatnonzero(np.isfinite(target[:, j]) & (target[:, j] != 0))
        if not len(emitted):
            continue
        pos = np.searchsorted(emitted, entry_idx[sel] - fill_lag, side="right") - 1
        ok = pos >= 0
        rows = emitted[np.where(ok, pos, 0)]
        rows_dec = decision_rows[j]
        d = np.searchsorted(rows_dec, rows, side="left")
        d = np.clip(d, 0, len(rows_dec) - 1)
        ok &= rows_dec[d] == rows
        out[sel[ok]] = contrib[j][d[ok]]
    return out


def attribution_table(names: tuple[str, ...], groups: tuple[str, ...], fired: np.ndarray, passed: np.ndarray,
                      decisions_share: np.ndarray, trades_share: np.ndarray, pnl_share: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame({
        "group": list(groups),
        "bars fired": fired.astype(np.int64),
        "bars passed filter": passed.astype(np.int64),
        "decision share": np.round(decisions_share, 3),
        "trade share": np.round(trades_share, 3),
        "pnl": np.round(pnl_share, 2),
    }, index=pd.Index(list(names), name="strategy"))
    return df.sort_values("pnl", ascending=False)
