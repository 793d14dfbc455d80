"""The book simulator one bar at a time: the state ``simulate_book`` keeps between bars, saved and resumed.

:func:`simulate_book` walks every bar in one call of ``kernels_book.book_bars_nb``;
:func:`step_book` calls the same kernel for the rows a caller has not seen yet,
starting from a :class:`BookState`. Inputs come from :func:`prepare_book` over
every row so far: each derived row (spread, volatility, limit offset) reads its
own and earlier rows only, so stepping over a growing prefix gives the full
walk's fills, values and reason codes to the last digit. ``final=True`` on the
last step tells the kernel the data ends there (as the full walk knows its end:
no order is sent that no bar could fill).

>>> import numpy as np
>>> from nexus.portfolio.book import prepare_book, simulate_book
>>> px = np.array([[100.0], [100.0], [110.0], [110.0]])
>>> dec = np.full((4, 1), np.nan); dec[0, 0] = 1.0
>>> state = BookState.new(1, 1000.0)
>>> for t in range(4):
...     x = prepare_book(px[:t + 1], px[:t + 1], px[:t + 1], px[:t + 1], dec[:t + 1], init_cash=1000.0,
...                      taker_fee=0.001)
...     row = step_book(x, state, final=t == 3)
>>> fills, _ = state.records()
>>> fills["size"].tolist(), round(float(row.value[-1]), 6)
([10.0], 1099.0)
>>> bool(np.array_equal(fills, simulate_book(px, px, px, px, dec, init_cash=1000.0, taker_fee=0.001).fills))
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nexus.errors import ConfigError
from nexus.portfolio.book import BookInputs
from nexus.portfolio.kernels_book import (C_FUNDING, C_LIM, C_LIM_PREV_W, C_LIM_REC, C_POS, C_W, LS_CANCELLED, S_CASH,
                                          S_CNT, S_NLIM, book_bars_nb, new_book_state)
from nexus.portfolio.records import fill_dt, limit_dt

NO_END = 2**62  # a stepping caller that does not know where its data ends
FILLS_PER_ROW = 12  # more than one column can make in one bar (roll 2, pending 2, limit 1, stop 1, flatten 1, time 1, decision 2)
STATE_FILES = ("fs.npy", "is.npy", "cf.npy", "ci.npy", "fills.npy", "limits.npy")


@dataclass
class StepRows:
    """What the kernel wrote for the rows of one step (``rows`` are clock rows)."""

    rows: np.ndarray
    value: np.ndarray
    cash: np.ndarray
    position: np.ndarray
    held: np.ndarray
    reason: np.ndarray
    exit_code: np.ndarray
    new_fills: np.ndarray  # fill_dt records made in this step
    new_limits: np.ndarray  # limit_dt records opened in this step


@dataclass
class BookState:
    """Everything ``book_bars_nb`` carries from one bar to the next, plus the records so far.

    ``next_row`` is the first clock row not yet simulated. Saved as .npy files and a JSON line
    (no pickles); :meth:`load` gives back a state that continues exactly where it stopped.
    """

    fs: np.ndarray
    is_: np.ndarray
    cf: np.ndarray
    ci: np.ndarray
    fills: np.ndarray  # fill_dt buffer; the first ``n_fills`` are real
    limits: np.ndarray  # limit_dt buffer; the first ``n_limits`` are real
    next_row: int = 0

    @classmethod
    def new(cls, k: int, init_cash: float) -> "BookState":
        fs, is_, cf, ci = new_book_state(int(k), float(init_cash))
        return cls(fs, is_, cf, ci, np.zeros(16 * k, fill_dt), np.zeros(4 * k, limit_dt), 0)

    @property
    def n_fills(self) -> int:
        return int(self.is_[S_CNT])

    @property
    def n_limits(self) -> int:
        return int(self.is_[S_NLIM])

    @property
    def cash(self) -> float:
        return float(self.fs[S_CASH])

    @property
    def position(self) -> np.ndarray:
        return self.cf[C_POS].copy()

    @property
    def held(self) -> np.ndarray:
        return self.cf[C_W].copy()

    @property
    def funding_paid(self) -> np.ndarray:
        return self.cf[C_FUNDING].copy()

    def records(self) -> tuple[np.ndarray, np.ndarray]:
        """(fills, limits) so far, trimmed."""
        return self.fills[:self.n_fills].copy(), self.limits[:self.n_limits].copy()

    def cancel_limit(self, col: int, row: int) -> bool:
        """Cancel the resting limit entry of column ``col`` (what a new decision does in the kernel, here
        from the outside): the weight it reserved goes back to what the book held. False: none rests."""
        if not self.ci[C_LIM, col]:
            return False
        self.ci[C_LIM, col] = 0
        self.cf[C_W, col] = self.cf[C_LIM_PREV_W, col]
        rec = int(self.ci[C_LIM_REC, col])
        if rec < len(self.limits):
            self.limits[rec]["status"] = LS_CANCELLED
            self.limits[rec]["done_idx"] = row
        return True

    def _reserve(self, rows: int, k: int) -> None:
        need_f = self.n_fills + FILLS_PER_ROW * k * rows + 16
        if len(self.fills) < need_f:
            grown = np.zeros(max(need_f, 2 * len(self.fills)), fill_dt)
            grown[:len(self.fills)] = self.fills
            self.fills = grown
        need_l = self.n_limits + k * rows + 4
        if len(self.limits) < need_l:
            grown = np.zeros(max(need_l, 2 * len(self.limits)), limit_dt)
            grown[:len(self.limits)] = self.limits
            self.limits = grown

    def save(self, folder: Path) -> None:
        """Write the state into ``folder`` (the caller makes the folder's swap atomic)."""
        folder = Path(folder)
        fills, limits = self.records()
        for name, a in zip(STATE_FILES, (self.fs, self.is_, self.cf, self.ci, fills, limits)):
            np.save(folder / name, a, allow_pickle=False)
        (folder / "book_state.json").write_text(json.dumps({"next_row": int(self.next_row)}))

    @classmethod
    def load(cls, folder: Path) -> "BookState":
        folder = Path(folder)
        try:
            fs, is_, cf, ci, fills, limits = (np.load(folder / name, allow_pickle=False) for name in STATE_FILES)
            meta = json.loads((folder / "book_state.json").read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{folder}: the book state is unreadable ({exc}); start a new session") from None
        st = cls(fs, is_, cf, ci, fills, limits, int(meta["next_row"]))
        st._reserve(1, cf.shape[1])
        return st


def step_book(x: BookInputs, state: BookState, *, final: bool = False) -> StepRows:
    """Simulate clock rows ``state.next_row`` .. ``len(x.close) - 1`` from ``state`` and advance it.

    ``x`` holds every row from the session's first (row 0) on. ``final``: the last row is where the
    data ends (the full simulation's end); otherwise orders decided now wait for a next bar.
    """
    n, k = x.close.shape
    t0 = state.next_row
    if t0 > n:
        raise ConfigError(f"step_book: the state is at row {t0} but the inputs hold {n} rows; feed the same series")
    if state.cf.shape[1] != k:
        raise ConfigError(f"step_book: the state has {state.cf.shape[1]} columns, the inputs {k}")
    state._reserve(n - t0, k)
    f0, l0 = state.n_fills, state.n_limits
    value, cash = np.zeros(n), np.zeros(n)
    pos, held = np.zeros((n, k)), np.zeros((n, k))
    reason, exit_code = np.zeros((n, k), np.uint8), np.zeros((n, k), np.uint8)
    book_bars_nb(t0, n, n if final else NO_END, *x, state.fills, state.limits, state.fs, state.is_, state.cf,
                 state.ci, value, cash, pos, held, reason, exit_code)
    state.next_row = n
    sl = slice(t0, n)
    return StepRows(np.arange(t0, n), value[sl], cash[sl], pos[sl], held[sl], reason[sl], exit_code[sl],
                    state.fills[f0:state.n_fills].copy(), state.limits[l0:state.n_limits].copy())
