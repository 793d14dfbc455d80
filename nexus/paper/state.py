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
from pathlib import Path
from typing import Any

import numpy as np

from nexus.io.atomic_dir import staged_dir
from nexus.portfolio.book_step import BookState

SESSION = "session.json"


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
    from nexus.paper.session import PaperError, Records, SessionInfo

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
