"""The book simulator stepped bar by bar (book_step) equals the full walk exactly, through save and load."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus.portfolio.book import prepare_book, simulate_book
from nexus.portfolio.book_step import BookState, step_book
from tests.portfolio.test_book import _cut, cases


def _stepped(case, chunks, save_every):
    o, h, lo, c, dec, kw = case
    n, k = c.shape
    st_ = BookState.new(k, kw["init_cash"])
    rows = []
    t = 0
    i = 0
    with tempfile.TemporaryDirectory() as tmp:
        while t < n:
            t = min(n, t + chunks[i % len(chunks)])
            x = prepare_book(*_cut(case, t)[:5], **_cut(case, t)[5])
            rows.append(step_book(x, st_, final=t == n))
            i += 1
            if save_every and i % save_every == 0:  # a restart between steps resumes the same walk
                folder = Path(tmp) / f"s{i}"
                folder.mkdir()
                st_.save(folder)
                st_ = BookState.load(folder)
    return st_, rows


def _same(a, b):
    """Field by field, floats by their bits (records may hold NaN fields, which array_equal calls unequal;
    the padding bytes of aligned records are not compared)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    for f in a.dtype.names:
        x, y = a[f], b[f]
        if x.dtype.kind == "f":
            x, y = x.view(np.int64), y.view(np.int64)
        if not np.array_equal(x, y):
            return False
    return True


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases("market") | cases("limit") | cases("stop") | cases("stop_limit"),
       st.lists(st.integers(1, 4), min_size=1, max_size=4), st.integers(0, 3))
def test_stepping_equals_the_full_walk_to_the_last_digit(case, chunks, save_every):
    o, h, lo, c, dec, kw = case
    full = simulate_book(o, h, lo, c, dec, **kw)
    st_, rows = _stepped(case, chunks, save_every)
    fills, limits = st_.records()
    assert _same(fills, full.fills)
    assert _same(limits, full.limits)
    assert np.array_equal(np.concatenate([r.rows for r in rows]), np.arange(len(c)))
    assert np.array_equal(np.concatenate([r.value for r in rows]), full.value)
    assert np.array_equal(np.concatenate([r.cash for r in rows]), full.cash)
    assert np.array_equal(np.concatenate([r.position for r in rows]), full.position)
    assert np.array_equal(np.concatenate([r.held for r in rows]), full.held)
    assert np.array_equal(np.concatenate([r.reason for r in rows]), full.reason)
    assert np.array_equal(np.concatenate([r.exit_code for r in rows]), full.exit_code)
    assert _same(np.concatenate([r.new_fills for r in rows]), full.fills)
    assert np.array_equal(st_.funding_paid, full.funding_paid)


def test_an_order_decided_on_an_open_ended_step_waits_for_the_next_bar():
    """Without ``final`` the last decision is sent (it fills at the next open); the full walk, which
    knows the data ends there, sends nothing: the one difference, and why the replay's last step is final."""
    px = np.full((3, 1), 100.0)
    dec = np.full((3, 1), np.nan)
    dec[2, 0] = 0.5
    x = prepare_book(px, px, px, px, dec, init_cash=1000.0)
    open_ended = BookState.new(1, 1000.0)
    step_book(x, open_ended)
    assert open_ended.ci[2, 0] == 1  # C_PEND: waits for bar 3
    closed = BookState.new(1, 1000.0)
    step_book(x, closed, final=True)
    assert closed.ci[2, 0] == 0
    px4 = np.full((4, 1), 100.0)
    dec4 = np.vstack([dec, [[np.nan]]])
    r = step_book(prepare_book(px4, px4, px4, px4, dec4, init_cash=1000.0), open_ended, final=True)
    assert r.new_fills["size"].tolist() == [5.0] and r.new_fills["idx"].tolist() == [3]
