"""A paper session's state folder, replaced as a whole after every step (``nexus.io.atomic_dir``).

Layout: ``session.json`` (book, series, anchor, first traded bar, config hash,
steps, events), the simulator's state (``portfolio.book_step.BookState``:
``fs.npy``, ``is.npy``, ``cf.npy``, ``ci.npy``, ``fills.npy``, ``limits.npy``,
``book_state.json``) and the per-row records (``rec_<field>.npy``). JSON and
.npy only, no pickles. A kill at any moment leaves the folder of the last
finished step or of the one before; the step after a restart recomputes what
was lost, so no bar is skipped and no order is sent twice.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nexus.errors import NexusError
from nexus.io.atomic_dir import staged_dir
from nexus.portfolio.book_step import BookState

SESSION = "session.json"


class PaperError(NexusError):
    """A paper session cannot go on as asked (its state does not match the data or the config)."""


@dataclass
class StepReport:
    """What one step did: the clock rows it simulated and what happened on them."""

    rows: np.ndarray
    ts: np.ndarray
    decisions: int
    fills: int
    value: float
    seconds: float


@dataclass
class Records:
    """Per clock row: ts, decision, reason, exit code, held weight, value, cash (the run folder's tables)."""

    ts: np.ndarray
    decision: np.ndarray
    reason: np.ndarray
    exit_code: np.ndarray
    held: np.ndarray
    value: np.ndarray
    cash: np.ndarray

    @classmethod
    def empty(cls, k: int) -> "Records":
        return cls(np.zeros(0, np.int64), np.zeros((0, k)), np.zeros((0, k), np.uint8), np.zeros((0, k), np.uint8),
                   np.zeros((0, k)), np.zeros(0), np.zeros(0))

    def extend(self, ts: np.ndarray, decision: np.ndarray, rows: Any) -> None:
        self.ts = np.concatenate([self.ts, ts])
        self.decision = np.vstack([self.decision, decision])
        self.reason = np.vstack([self.reason, rows.reason])
        self.exit_code = np.vstack([self.exit_code, rows.exit_code])
        self.held = np.vstack([self.held, rows.held])
        self.value = np.concatenate([self.value, rows.value])
        self.cash = np.concatenate([self.cash, rows.cash])

    FIELDS = ("ts", "decision", "reason", "exit_code", "held", "value", "cash")


@dataclass
class SessionInfo:
    """The scalars of a session (saved as JSON)."""

    book: str
    series: list[str]
    anchor: str  # ISO UTC: first bar read (warm-up start)
    trade_start: str  # ISO UTC: first clock bar whose decisions trade
    config_hash: str
    steps: int = 0
    events: list[str] = field(default_factory=list)
    gaps: dict[str, int] = field(default_factory=dict)  # series -> close of its last bar when a gap was reported


def has_state(folder: str | Path) -> bool:
    return (Path(folder) / SESSION).is_file()


def save_state(folder: str | Path, info: Any, book: BookState, records: Any) -> None:
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with staged_dir(folder) as tmp:
        book.save(tmp)
        for name in records.FIELDS:
            np.save(tmp / f"rec_{name}.npy", getattr(records, name), allow_pickle=False)
        (tmp / SESSION).write_text(json.dumps(dataclasses.asdict(info), indent=1))


def load_state(folder: str | Path) -> tuple[Any, BookState, Any]:
    folder = Path(folder)
    if not has_state(folder):
        raise PaperError(f"{folder}: no paper session here (no {SESSION}); start one without --resume")
    try:
        info = SessionInfo(**json.loads((folder / SESSION).read_text()))
        recs = Records(**{name: np.load(folder / f"rec_{name}.npy", allow_pickle=False) for name in Records.FIELDS})
    except (OSError, ValueError, TypeError) as exc:
        raise PaperError(f"{folder}: the session state is unreadable ({exc}); start a new session") from None
    book = BookState.load(folder)
    if book.next_row != len(recs.ts):
        raise PaperError(f"{folder}: the simulator is at row {book.next_row} but the records hold {len(recs.ts)}; "
                         "the state is damaged, start a new session")
    return info, book, recs
