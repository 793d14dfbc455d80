"""The broker interface of a paper session, and the paper broker that fills over the book simulator.

A :class:`Broker` takes the pipeline's decisions as orders (``submit``), can
``cancel`` what has not filled, and reports ``open_orders``, ``positions`` and
``balances``. Orders are what layer 8 produces: a signed target weight of book
equity for one series, decided at a bar's close. A live broker would turn
that weight into a venue order; :class:`PaperBroker` hands it to the same
kernel ``nexus backtest`` runs (``portfolio.book_step``), one bar at a time,
so its fills, fees, slippage and equity are the backtest's to the last digit.

>>> import numpy as np
>>> from nexus.portfolio.book import prepare_book
>>> br = PaperBroker(["BTCUSDT/1m"], 1000.0)
>>> px = np.full((2, 1), 100.0)
>>> oid = br.submit(Order("BTCUSDT/1m", 0.5, row=0))
>>> _ = br.fill(prepare_book(px[:1], px[:1], px[:1], px[:1], np.full((1, 1), np.nan), init_cash=1000.0))
>>> [o.kind for o in br.open_orders()]
['market']
>>> _ = br.fill(prepare_book(px, px, px, px, np.full((2, 1), np.nan), init_cash=1000.0))
>>> br.positions(), br.balances()["equity"]
({'BTCUSDT/1m': 5.0}, 1000.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from nexus.errors import ConfigError
from nexus.portfolio.book import BookInputs
from nexus.portfolio.book_step import BookState, StepRows, step_book
from nexus.portfolio.kernels_book import (C_LIM, C_LIM_PX, C_LIM_REC, C_LIM_W, C_PEND, C_PEND_CODE, C_PEND_W, C_POS,
                                          C_W)


@dataclass(frozen=True)
class Order:
    """A decision sent to the broker: ``weight`` (signed, of book equity) for ``series``, decided on clock ``row``."""

    series: str
    weight: float
    row: int


@dataclass(frozen=True)
class OpenOrder:
    """An order not yet filled: ``kind`` is ``submitted`` (not yet seen by a bar), ``market`` (fills at the next
    bar's open) or ``limit`` (a resting limit entry at ``price``)."""

    id: str
    series: str
    kind: str
    weight: float
    price: float = float("nan")


@runtime_checkable
class Broker(Protocol):
    """What a paper session needs from a broker; a live broker would implement the same five calls."""

    def submit(self, order: Order) -> str: ...

    def cancel(self, order_id: str) -> bool: ...

    def open_orders(self) -> list[OpenOrder]: ...

    def positions(self) -> dict[str, float]: ...

    def balances(self) -> dict[str, float]: ...


class PaperBroker:
    """Fills orders with the backtest's own simulator (fill, slippage and cost models, every book rule).

    ``fill(x)`` runs the bars of ``x`` (a :class:`BookInputs` from row 0 of the session) that the broker
    has not seen, with the submitted orders as the decisions of their rows.
    """

    def __init__(self, series: list[str], init_cash: float, state: BookState | None = None) -> None:
        self.series = list(series)
        self.col = {s: j for j, s in enumerate(self.series)}
        self.state = state if state is not None else BookState.new(len(self.series), init_cash)
        self.queue: dict[str, Order] = {}
        self._next_id = 0
        self.last_value = float(init_cash)

    # ------------------------------------------------------------ the interface
    def submit(self, order: Order) -> str:
        if order.series not in self.col:
            raise ConfigError(f"paper broker: no series {order.series!r} in this book ({', '.join(self.series)})")
        if order.row < self.state.next_row:
            raise ConfigError(f"paper broker: order for row {order.row}, but row {self.state.next_row - 1} is done")
        if not np.isfinite(order.weight):
            raise ConfigError(f"paper broker: order weight {order.weight!r} must be finite")
        self._next_id += 1
        oid = f"o{self._next_id}"
        self.queue[oid] = order
        return oid

    def cancel(self, order_id: str) -> bool:
        if order_id in self.queue:
            del self.queue[order_id]
            return True
        if order_id.startswith("limit-"):
            rec = int(order_id.split("-", 1)[1])
            for j in range(len(self.series)):
                if self.state.ci[C_LIM, j] and int(self.state.ci[C_LIM_REC, j]) == rec:
                    return self.state.cancel_limit(j, self.state.next_row)
        return False

    def open_orders(self) -> list[OpenOrder]:
        out = [OpenOrder(oid, o.series, "submitted", o.weight) for oid, o in self.queue.items()]
        st = self.state
        for j, s in enumerate(self.series):
            if st.ci[C_PEND, j]:
                out.append(OpenOrder(f"pending-{j}", s, "market", float(st.cf[C_PEND_W, j])))
            if st.ci[C_LIM, j]:
                out.append(OpenOrder(f"limit-{int(st.ci[C_LIM_REC, j])}", s, "limit", float(st.cf[C_LIM_W, j]),
                                     float(st.cf[C_LIM_PX, j])))
        return out

    def positions(self) -> dict[str, float]:
        return {s: float(p) for s, p in zip(self.series, self.state.cf[C_POS]) if p != 0.0}

    def balances(self) -> dict[str, float]:
        """Cash, and equity marked at the last bar's close (after funding)."""
        return {"cash": self.state.cash, "equity": self.last_value}

    # ------------------------------------------------------------ the bars
    def fill(self, x: BookInputs, *, final: bool = False) -> StepRows:
        """Run the new rows of ``x`` with the submitted orders as their decisions; the queue empties."""
        n = x.close.shape[0]
        dec = np.full(x.close.shape, np.nan)
        for o in self.queue.values():
            if o.row >= n:
                raise ConfigError(f"paper broker: order for row {o.row} but the bars end at row {n - 1}")
            dec[o.row, self.col[o.series]] = o.weight
        self.queue.clear()
        rows = step_book(x._replace(decision=dec), self.state, final=final)
        if len(rows.value):
            self.last_value = float(rows.value[-1])
        return rows

    def flatten(self) -> list[str]:
        """Close every position at the next bar's open and cancel resting limits (a gap longer than the
        session's limit): the order a time stop sends. Returns the series it closes."""
        st = self.state
        out = []
        for j, s in enumerate(self.series):
            if st.ci[C_LIM, j]:
                st.cancel_limit(j, st.next_row)
            st.cf[C_W, j] = 0.0
            if st.cf[C_POS, j] != 0.0:
                st.ci[C_PEND, j] = 1
                st.cf[C_PEND_W, j] = 0.0
                st.ci[C_PEND_CODE, j] = 0
                out.append(s)
        return out
