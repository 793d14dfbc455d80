"""Trade statistics per column (or group) from trade records.

Closed trades only count for win rate, profit factor, expectancy and the
averages; open trades are listed in 'Open Trades'. Win = pnl > 0, loss =
pnl < 0 (a zero-PnL trade is neither but counts in the win-rate denominator).
Profit Factor = gross wins / |gross losses|: +inf with wins and no losses,
NaN with neither. Without closed trades these are NaN, counts are 0.
"""

from __future__ import annotations

import numpy as np


def trade_stats(trades: np.ndarray, group_of_col: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    g = group_of_col[trades["col"]] if len(trades) else np.zeros(0, dtype=np.int64)
    closed = trades["status"] == 1
    out: dict[str, np.ndarray] = {}

    def per_group(mask: np.ndarray, vals: np.ndarray, how: str) -> np.ndarray:
        # trades are sorted by column and groups are contiguous, so each group's trades form one segment
        res = np.full(n_groups, np.nan)
        gs, vs = g[mask], vals[mask]
        if vs.size == 0:
            return res
        if how == "mean":
            cnt = np.bincount(gs, minlength=n_groups)
            tot = np.bincount(gs, weights=vs, minlength=n_groups)
            ok = cnt > 0
            res[ok] = tot[ok] / cnt[ok]
            return res
        starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
        red = np.maximum.reduceat(vs, starts) if how == "max" else np.minimum.reduceat(vs, starts)
        res[gs[starts]] = red
        return res

    pnl = trades["pnl"]
    ret = trades["return"]
    n_closed = np.bincount(g[closed], minlength=n_groups).astype(np.float64)
    n_open = np.bincount(g[~closed], minlength=n_groups).astype(np.float64)
    wins = closed & (pnl > 0)
    losses = closed & (pnl < 0)
    n_win = np.bincount(g[wins], minlength=n_groups).astype(np.float64)
    gross_win = np.bincount(g[wins], weights=pnl[wins], minlength=n_groups)
    gross_loss = np.bincount(g[losses], weights=pnl[losses], minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        win_rate = np.where(n_closed > 0, n_win / n_closed * 100.0, np.nan)
        pf = np.where(gross_loss < 0, gross_win / np.abs(gross_loss), np.where(gross_win > 0, np.inf, np.nan))
        expectancy = np.where(n_closed > 0, np.bincount(g[closed], weights=pnl[closed], minlength=n_groups)
                              / n_closed, np.nan)
    out["Total Trades"] = n_closed + n_open
    out["Closed Trades"] = n_closed
    out["Open Trades"] = n_open
    out["Win Rate [%]"] = win_rate
    out["Profit Factor"] = pf
    out["Expectancy [$]"] = expectancy
    out["Avg Winning Trade [$]"] = per_group(wins, pnl, "mean")
    out["Avg Losing Trade [$]"] = per_group(losses, pnl, "mean")
    out["Largest Win [$]"] = per_group(wins, pnl, "max")
    out["Largest Loss [$]"] = per_group(losses, pnl, "min")
    out["Avg Winning Trade [%]"] = per_group(wins, ret, "mean") * 100.0
    out["Avg Losing Trade [%]"] = per_group(losses, ret, "mean") * 100.0
    out["Avg Trade Duration [bars]"] = per_group(closed, trades["duration"].astype(np.float64), "mean")
    return out
