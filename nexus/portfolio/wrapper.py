"""The ``Portfolio`` result object: value, cash, position, returns, orders, trades, stats, plot.

Built by ``Portfolio.from_signals`` and ``Portfolio.from_targets`` (the
simulations live in :mod:`nexus.portfolio.signals` and :mod:`nexus.portfolio.targets`). The simulation keeps
only the value per cash group and the order records; cash and position per
bar are recomputed on first access by re-running the (fast, deterministic)
kernel with those outputs switched on, so a 1M x 100 run does not hold three
n x m matrices.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from nexus.portfolio.enums import Reason, TradeDirection, TradeStatus, Side
from nexus.portfolio.signals import simulate_signals
from nexus.portfolio.targets import simulate_targets
from nexus.portfolio.trades import compact_orders_nb, trades_from_orders_nb


class Portfolio:
    """Result of a simulation. Arrays are ``[n_bars, n_cols]`` (1-D when the input was one 1-D series).

    >>> import numpy as np, nexus as nx
    >>> close = np.array([10.0, 11.0, 12.0, 11.0, 13.0])
    >>> pf = nx.Portfolio.from_signals(close, [1, 0, 0, 0, 0], [0, 0, 1, 0, 0], price="close", init_cash=100.0)
    >>> float(pf.value[-1]), len(pf.trades)
    (120.0, 1)
    """

    @classmethod
    @functools.wraps(simulate_signals, assigned=("__doc__",))
    def from_signals(cls, close, entries=None, exits=None, **kwargs: Any) -> "Portfolio":
        return cls.from_run(**simulate_signals(close, entries, exits, **kwargs))

    @classmethod
    @functools.wraps(simulate_targets, assigned=("__doc__",))
    def from_targets(cls, close, target, **kwargs: Any) -> "Portfolio":
        return cls.from_run(**simulate_targets(close, target, **kwargs))

    @classmethod
    def from_run(cls, run: Callable[[bool, bool], tuple], rec_start: np.ndarray, *, n: int, n_cols: int, prep: Any,
                 mult: np.ndarray, freq: str | None, lazy_value: bool = False) -> "Portfolio":
        """Run a simulation once without cash and position arrays, keep the orders, and keep ``run``
        to recompute cash and position on first access (so a wide run never holds three matrices).

        ``run(save_cash, save_pos, save_value)`` returns (order buffer, counts, value or None, cash,
        position); with ``lazy_value`` the value is left for the first access as well.
        """
        buf, counts, value, _, _ = run(False, False, not lazy_value)
        orders = compact_orders_nb(buf, rec_start, counts)
        del buf

        def rerun(save_cash: bool, save_pos: bool):
            _, _, v, c, p = run(save_cash, save_pos, True)
            return v, c, p

        return cls(
            n=n, n_cols=n_cols, close=prep.close, mult=mult, orders=orders, value=value,
            init_cash=prep.init_cash, cash_groups=prep.cash_groups, report_groups=prep.report_groups,
            group_names=prep.group_names, columns=prep.columns, ts=prep.ts, freq=freq, was_1d=prep.was_1d,
            rerun=rerun,
        )

    def __init__(
        self,
        *,
        n: int,
        n_cols: int,
        close: np.ndarray,
        mult: np.ndarray,
        orders: np.ndarray,
        value: np.ndarray | None,
        init_cash: np.ndarray,
        cash_groups: np.ndarray | None,
        report_groups: np.ndarray | None,
        group_names: list | None,
        columns: list,
        ts: np.ndarray | None,
        freq: str | None,
        was_1d: bool,
        rerun: Callable[[bool, bool], tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> None:
        self.n = n
        self.n_cols = n_cols
        self._close = close
        self._mult = mult
        self.orders = orders
        self._value = value  # per cash group (or per column without cash sharing); None until first access
        self._init_raw = init_cash
        self._cash_groups = cash_groups
        self._report_groups = report_groups
        self.group_names = group_names
        self.columns = columns
        self.ts = ts
        self.freq = freq
        self._was_1d = was_1d
        self._rerun = rerun
        self._state: tuple[np.ndarray, np.ndarray] | None = None
        self._trades: np.ndarray | None = None

    # ---- shapes -------------------------------------------------------
    @property
    def grouped(self) -> bool:
        return self._report_groups is not None

    def _out(self, a: np.ndarray) -> np.ndarray:
        return a[:, 0] if self._was_1d and a.ndim == 2 and a.shape[1] == 1 else a

    def _to_report(self, per_raw: np.ndarray) -> np.ndarray:
        """Raw (per cash group or per column) -> reported (per group when grouped)."""
        if self._report_groups is None or self._cash_groups is not None:
            return per_raw
        starts = self._report_groups
        return np.add.reduceat(per_raw, starts[:-1], axis=-1)

    # ---- money --------------------------------------------------------
    @property
    def init_cash(self) -> np.ndarray:
        return self._to_report(self._init_raw)

    @property
    def value(self) -> np.ndarray:
        """Mark-to-market value per column (per group when grouped), after funding, at each bar's close."""
        return self._out(self._to_report(self._value_raw))

    @property
    def close(self) -> np.ndarray:
        c = self._close
        if c.shape[1] != self.n_cols:
            c = np.broadcast_to(c, (self.n, self.n_cols))
        return self._out(c)

    def _ensure_state(self) -> tuple[np.ndarray, np.ndarray]:
        if self._state is None:
            v, c, p = self._rerun(True, True)
            self._state = (c, p)
            if self._value is None:
                self._value = v
        return self._state

    @property
    def _value_raw(self) -> np.ndarray:
        if self._value is None:
            self._value = self._rerun(False, False)[0]
        return self._value

    @property
    def cash(self) -> np.ndarray:
        """Cash per column (per group when grouped or cash is shared) at each bar's close."""
        return self._out(self._to_report(self._ensure_state()[0]))

    @property
    def position(self) -> np.ndarray:
        """Signed position in units (contracts) per column at each bar's close."""
        return self._out(self._ensure_state()[1])

    @property
    def returns(self) -> np.ndarray:
        """Simple per-bar returns of ``value``; bar 0 is measured against the initial cash."""
        v = self._to_report(self._value_raw)
        prev = np.empty_like(v)
        prev[0] = self.init_cash
        prev[1:] = v[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = v / prev - 1.0
        return self._out(r)

    # ---- records ------------------------------------------------------
    @property
    def trades(self) -> np.ndarray:
        """Trade records (``records.trade_dt``), derived from the orders on first access."""
        if self._trades is None:
            self._trades = trades_from_orders_nb(self.orders, self.n, self.n_cols, self._close, self._mult)
        return self._trades

    def orders_df(self):
        """Orders as a pandas DataFrame with readable side and reason."""
        import pandas as pd

        df = pd.DataFrame(self.orders)
        df["side"] = [Side._fields[s] for s in self.orders["side"]]
        df["reason"] = [Reason._fields[s] for s in self.orders["reason"]]
        return df

    def trades_df(self):
        """Trades as a pandas DataFrame with readable direction, status and exit reason."""
        import pandas as pd

        tr = self.trades
        df = pd.DataFrame(tr)
        df["direction"] = [TradeDirection._fields[s] for s in tr["direction"]]
        df["status"] = [TradeStatus._fields[s] for s in tr["status"]]
        df["exit_reason"] = [Reason._fields[s] for s in tr["exit_reason"]]
        return df

    def wrap(self, a: np.ndarray) -> Any:
        """A pandas object with the bar timestamps (UTC) as index and the column/group names."""
        import pandas as pd

        a = np.asarray(a)
        index = pd.to_datetime(self.ts, utc=True) if self.ts is not None else None
        if a.ndim == 1:
            return pd.Series(a, index=index)
        names = self.group_names if a.shape[1] != self.n_cols or self.grouped else self.columns
        return pd.DataFrame(a, index=index, columns=names if names is not None and len(names) == a.shape[1] else None)

    # ---- reports ------------------------------------------------------
    def stats(self, **kwargs: Any):
        """Statistics per column (group): a pandas Series for one, a DataFrame for many. See ``nexus.metrics.stats``
        (keyword arguments: ``basis``, ``year_days``, ``periods_per_year``, ``risk_free``, ``freq``)."""
        from nexus.metrics.stats import stats

        kwargs["freq"] = kwargs.get("freq") or self.freq
        return stats(equity=self._to_report(self._value_raw), init_cash=self.init_cash, trades=self.trades,
                     orders=self.orders, multiplier=self._mult, groups=self._report_groups,
                     names=list(self.group_names if self.grouped else self.columns), ts=self.ts, **kwargs)

    def plot(self, path: str | None = None, column: int = 0, **kwargs: Any):
        """Equity with trades marked and the drawdown underwater (matplotlib Figure; saved when ``path`` is given)."""
        from nexus.report.portfolio_figures import plot_equity

        return plot_equity(self._to_report(self._value_raw), self.init_cash, self.trades, ts=self.ts,
                           groups=self._report_groups, names=self.group_names if self.grouped else self.columns,
                           path=path, column=column, **kwargs)

    def __repr__(self) -> str:
        return f"Portfolio(n_bars={self.n}, n_cols={self.n_cols}, orders={len(self.orders)})"
