"""``Portfolio.from_targets``: target weights / amounts / values per column, cash shared within a group.

:func:`simulate_targets` runs the simulation and returns what ``Portfolio.from_run`` needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nexus.errors import ConfigError
from nexus.portfolio import enums
from nexus.portfolio.kernels_targets import count_target_bars_nb, simulate_targets_nb
from nexus.portfolio.prepare import execution_options, prepare_run, record_starts
from nexus.portfolio.records import order_dt


def simulate_targets(
    close,
    target,
    *,
    target_type: str = "weight",
    open=None,
    high=None,
    low=None,
    volume=None,
    price: str = "next_open",
    rebalance_threshold: float | np.ndarray = 0.0,
    group_by=True,
    cash_sharing: bool = True,
    **execution: Any,
) -> dict:
    """Rebalance toward target positions, one column per asset, cash shared within each group.

    ``target`` is ``[n_bars, n_cols]``; NaN leaves a column alone on that bar
    (so a sparse rebalance schedule is NaN except on rebalance bars).

    - ``target_type="weight"``: fraction of the group's total value (cash plus
      every position marked at the rebalance prices, i.e. equity, not free
      cash); negative weights are shorts. ``"amount"``: units (contracts).
      ``"value"``: quote currency.
    - Timing as in ``from_signals``: targets on bar t trade at t+1's open by
      default, at t's close with ``price="close"``, at t+1's high (buys) / low
      (sells) with ``"next_worst"``.
    - Within a bar all sells and reductions go first (in column order), then
      all buys and additions; an addition is capped by ``leverage`` x the
      group's equity (see ``from_signals``), so a buy may fill partly.
    - ``rebalance_threshold``: skip a column whose trade would be smaller than
      this fraction of the group's value (a target of 0 always closes).
    - Costs, rounding, multiplier, funding and the other ``execution`` keywords as in ``from_signals``; a
      reversal is a close then an open. Orders carry reason "rebalance".

    >>> import numpy as np
    >>> close = np.array([[10.0, 20.0], [10.0, 20.0], [12.0, 20.0]])
    >>> w = np.array([[0.5, 0.5], [np.nan, np.nan], [np.nan, np.nan]])
    >>> from nexus.portfolio import Portfolio
    >>> pf = Portfolio.from_targets(close, w, price="close", init_cash=1000.0)
    >>> pf.orders["size"].tolist(), float(pf.value[-1, 0])
    ([50.0, 25.0], 1100.0)
    """
    tt = enums.parse(enums.TargetType, target_type, "target_type")
    ex = execution_options("from_targets", execution)
    prep, pt, sm = prepare_run(
        close, ex, open=open, high=high, low=low, volume=volume, price=price, frames={"target": target},
        params={"rebalance_threshold": rebalance_threshold}, nonneg=("rebalance_threshold",), group_by=group_by,
        cash_sharing=cash_sharing,
    )
    n, m, fx = prep.n, prep.m, prep.flex
    tgt = fx["__frames__"]["target"].values
    if tgt.dtype != np.float64:
        tgt = tgt.astype(np.float64)
    if np.isinf(tgt).any():
        r, c = np.argwhere(np.isinf(tgt))[0]
        raise ConfigError(f"target row {r}, column {c}: infinite; use NaN to leave a column alone")
    funding = fx.get("funding_rate", np.zeros((1, 1)))
    has_funding = "funding_rate" in fx
    cap = count_target_bars_nb(n, m, tgt) * 2
    rec_start, total = record_starts(cap)
    kg = prep.kernel_groups
    g = kg.shape[0] - 1

    def run(save_cash: bool, save_pos: bool, save_value: bool = True):
        buf = np.empty(max(total, 1), dtype=order_dt)
        value = np.empty((n, g))
        cash_out = np.empty((n, g)) if save_cash else np.empty((1, 1))
        pos_out = np.empty((n, m)) if save_pos else np.empty((1, 1))
        counts = simulate_targets_nb(
            n, prep.close, prep.open, prep.high, prep.low, prep.volume, prep.has_open, prep.has_high, prep.has_low,
            tgt, tt, pt, fx["fees"], fx["fixed_fees"], fx["slippage"], sm, float(ex["max_participation"]),
            prep.init_cash, fx["multiplier"], fx["lot_size"], fx["tick_size"], fx["leverage"],
            fx["rebalance_threshold"], funding, has_funding, kg, rec_start, buf, value, cash_out, pos_out,
            save_cash, save_pos,
        )
        return buf, counts, value, cash_out, pos_out

    return dict(run=run, rec_start=rec_start, n=n, n_cols=m, prep=prep, mult=fx["multiplier"], freq=ex["freq"])
