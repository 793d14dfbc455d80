"""``Portfolio.from_signals``: entries and exits (long, short or both) to orders, cash and value.

:func:`simulate_signals` runs the simulation and returns what ``Portfolio.from_run`` needs.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from nexus.errors import ConfigError
from nexus.portfolio import enums
from nexus.portfolio.kernels_column import simulate_column_nb
from nexus.portfolio.kernels_signals import (
    count_signal_bars_nb, simulate_signals_nb, simulate_signals_serial_nb,
)
from nexus.portfolio.prepare import (blocks, execution_options, prepare_run, record_starts, signal_bars,
                                     signal_flex)
from nexus.portfolio.records import order_dt

_NAN = np.full((1, 1), np.nan)
_COLUMN_KERNEL = True  # tests switch it off to compare the single-column kernel with the general one


def simulate_signals(
    close,
    entries=None,
    exits=None,
    *,
    open=None,
    high=None,
    low=None,
    volume=None,
    short_entries=None,
    short_exits=None,
    direction: str = "long",
    size: float | np.ndarray = np.inf,
    size_type: str = "amount",
    price: str = "next_open",
    sl_stop: float | np.ndarray | None = None,
    tp_stop: float | np.ndarray | None = None,
    tsl_stop: float | np.ndarray | None = None,
    group_by=None,
    cash_sharing: bool = False,
    **execution: Any,
) -> dict:
    """Simulate entry/exit signals over ``[n_bars, n_cols]`` in one numba call.

    Inputs are 1-D or 2-D numpy arrays, pandas or polars objects. Every
    parameter broadcasts lazily: a scalar, one value per column, one per bar
    (a 1-D array as long as the bars) or a full matrix; a parameter with more
    columns than ``close`` makes extra columns (a sweep in one call).

    ``execution`` holds the keywords ``from_targets`` takes as well (``prepare.EXECUTION``): ``fees``,
    ``fixed_fees``, ``slippage``, ``slippage_model`` ("fixed"), ``max_participation`` (0.1),
    ``init_cash`` (10,000), ``multiplier`` (1), ``lot_size``, ``tick_size``, ``leverage`` (1),
    ``funding_rate``, ``ts``, ``tz``, ``freq`` and ``allow_high_fees``; any other name is refused.

    Execution rules (each has a five-bar test in tests/portfolio/test_rules.py):

    - Timing: a signal on bar t fills at the open of t+1 (``price="next_open"``,
      the default); without ``open=`` the open of t+1 is taken as the close of
      t. ``price="close"`` fills at t's close (aggressive; vectorbt's default).
      ``price="next_worst"`` fills at t+1's high for buys and low for sells
      (conservative). A signal on the last bar with a next-bar price never fills.
    - Signals: ``direction="long"``: entries open longs, exits close them.
      ``"short"``: entries open shorts, exits close them. ``"both"``: entries go
      long and exits go short, reversing an opposite position (vectorbt's
      convention). Passing ``short_entries`` / ``short_exits`` uses all four
      signals. An entry while already in that direction is ignored (no
      pyramiding); opposite signals on the same bar cancel. A reversal is two
      orders: the close, then the new position.
    - Sizes: ``size_type="amount"`` (units/contracts), ``"value"`` (quote
      currency), ``"percent"`` (fraction of the cash group's total value, i.e.
      cash plus all positions marked at the phase's prices, not of free cash).
      Value and percent convert at the unslipped price. ``size=inf`` buys as
      much as the leverage cap allows. Sizes round down to ``lot_size``.
    - Leverage cap: gross exposure of the cash group stays at most
      ``leverage`` x its equity after fees; ``leverage=1`` means a long is paid
      in cash (vectorbt's size = cash / (price x (1 + fees))).
    - Costs: fill = base price moved against the order by the slippage model
      (see costs.py: "fixed" fraction, "spread" fraction of the bar's high-low
      range, "volume" square-root impact capped at ``max_participation`` of the
      bar volume), rounded to ``tick_size`` against the order; fees =
      ``fees`` x notional + ``fixed_fees`` per order. Notional = size x price x
      ``multiplier``. ``fees`` above 0.1 (10 %) are refused unless
      ``allow_high_fees=True``; ``leverage`` must be > 0.
    - Stops (fractions of the entry fill price; ``tsl_stop`` trails the highest
      high / lowest low seen after the entry bar): checked on each bar after the
      entry bar on its open/high/low, before that bar's signals. A gap through a
      stop fills at the open; otherwise at the stop level. When the stop-loss
      (or trailing stop) and the take-profit are both touched in one bar the
      stop-loss wins. Stop levels are taken at the entry bar.
    - Funding (perpetuals): at each bar's close, cash -= position x close x
      multiplier x ``funding_rate`` (longs pay a positive rate).
    - The end: a position still open at the last bar stays open; its trade is
      reported with status open, marked to the last close.

    >>> import numpy as np
    >>> close = np.array([100.0, 101.0, 102.0, 103.0, 104.0])
    >>> from nexus.portfolio import Portfolio
    >>> pf = Portfolio.from_signals(close, [1, 0, 0, 0, 0], [0, 0, 1, 0, 0], size=1.0, price="close", init_cash=1000.0)
    >>> pf.orders["price"].tolist(), float(pf.value[-1])
    ([100.0, 102.0], 1002.0)
    """
    d = enums.parse(enums.Direction, direction, "direction")
    st = enums.parse(enums.SizeType, size_type, "size_type")
    ex = execution_options("from_signals", execution)
    if entries is None and short_entries is None:
        raise ConfigError("from_signals needs entries= (or short_entries=); pass a boolean array per bar")
    four = short_entries is not None or short_exits is not None
    if four and d == enums.Direction.short:
        raise ConfigError("short_entries/short_exits mean direction='both'; drop direction='short'")
    stops = {"sl_stop": sl_stop, "tp_stop": tp_stop, "tsl_stop": tsl_stop}
    frames = {"entries": entries, "exits": exits, "short_entries": short_entries, "short_exits": short_exits}
    prep, pt, sm = prepare_run(
        close, ex, open=open, high=high, low=low, volume=volume, price=price, frames=frames,
        params={"size": size, **stops}, nonneg=("sl_stop", "tp_stop", "tsl_stop"), group_by=group_by,
        cash_sharing=cash_sharing,
    )
    n, m, fx = prep.n, prep.m, prep.flex
    fr = fx["__frames__"]
    sig = {k: signal_flex(fr.get(k), n, m, k) for k in frames}
    if four:
        le, lx, se, sx = sig["entries"], sig["exits"], sig["short_entries"], sig["short_exits"]
    elif d == enums.Direction.long:
        le, lx, se, sx = sig["entries"], sig["exits"], sig["short_entries"], sig["short_exits"]
    elif d == enums.Direction.short:
        le, lx, se, sx = sig["short_entries"], sig["short_exits"], sig["entries"], sig["exits"]
    else:
        le, lx, se, sx = sig["entries"], sig["short_exits"], sig["exits"], sig["short_entries"]
    if np.any(fx["size"] < 0) or np.isnan(fx["size"]).any():
        raise ConfigError("size must be non-negative (direction comes from the signals)")
    use_stops = any(v is not None for v in stops.values())
    sl_a = fx.get("sl_stop", _NAN)
    tp_a = fx.get("tp_stop", _NAN)
    tsl_a = fx.get("tsl_stop", _NAN)
    funding = fx.get("funding_rate", np.zeros((1, 1)))
    has_funding = "funding_rate" in fx

    counts_bound = count_signal_bars_nb(n, m, le, lx, se, sx)
    cap = counts_bound * (3 if use_stops else 2)
    rec_start, total = record_starts(cap)
    kg = prep.kernel_groups
    g = kg.shape[0] - 1
    # blocks of ~8 adjacent columns (one cache line of float64 per row), at least one per thread
    n_blocks = max(-(-m // 8), min(m, numba.get_num_threads()))
    bs = blocks(kg, target_cols=-(-m // n_blocks))

    # one column without stops or funding: a kernel that jumps from one signal bar to the next
    column_case = _COLUMN_KERNEL and m == 1 and not use_stops and not has_funding
    cand = signal_bars(n, le, lx, se, sx) if column_case else None

    def run(save_cash: bool, save_pos: bool, save_value: bool = True):
        buf = np.empty(max(total, 1), dtype=order_dt)
        value = np.empty((n, g)) if save_value or not column_case else np.empty((1, 1))
        cash_out = np.empty((n, g)) if save_cash else np.empty((1, 1))
        pos_out = np.empty((n, m)) if save_pos else np.empty((1, 1))
        if column_case:
            counts = simulate_column_nb(
                n, prep.close[:, 0], prep.open, prep.high, prep.low, prep.volume, prep.has_open, prep.has_high,
                prep.has_low, le, lx, se, sx, cand, fx["size"], st, pt, fx["fees"], fx["fixed_fees"],
                fx["slippage"], sm, float(ex["max_participation"]), prep.init_cash, fx["multiplier"], fx["lot_size"],
                fx["tick_size"], fx["leverage"], rec_start, buf, value[:, 0], cash_out[:, 0], pos_out[:, 0],
                save_value, save_cash, save_pos,
            )
            return buf, counts, value if save_value else None, cash_out, pos_out
        # threads pay off only on big runs; on small ones their start-up and contention cost more than they save
        kern = simulate_signals_nb if bs.shape[0] > 2 and n * m >= (1 << 22) else simulate_signals_serial_nb
        counts = kern(
            n, prep.close, prep.open, prep.high, prep.low, prep.volume, prep.has_open, prep.has_high, prep.has_low,
            le, lx, se, sx, fx["size"], st, pt,
            fx["fees"], fx["fixed_fees"], fx["slippage"], sm, float(ex["max_participation"]),
            prep.init_cash, sl_a, tp_a, tsl_a, use_stops,
            fx["multiplier"], fx["lot_size"], fx["tick_size"], fx["leverage"], funding, has_funding,
            kg, bs, rec_start, buf, value, cash_out, pos_out, save_cash, save_pos,
        )
        return buf, counts, value, cash_out, pos_out

    # the column kernel's value is computed on first access, as cash and position are: the simulation
    # itself then reads the prices once and writes only the orders (what vectorbt's from_signals does)
    return dict(run=run, rec_start=rec_start, n=n, n_cols=m, prep=prep, mult=fx["multiplier"], freq=ex["freq"],
                lazy_value=column_case)
