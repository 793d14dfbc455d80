"""nx.mqscore refuses unsorted or repeated timestamps, naming the row."""

from __future__ import annotations

import numpy as np
import pytest

import nexus as nx
from nexus.errors import ValidationError
from tests.conftest import make_bars


def test_duplicate_timestamp_is_refused_with_its_row():
    b = make_bars(400, seed=3, symbol="BTCUSDT")
    ts = b.ts.copy()
    ts[250] = ts[249]
    with pytest.raises(ValidationError, match=r"BTCUSDT.* row 250: timestamp .* repeats the timestamp of row 249 \(1 such"):
        nx.mqscore(b.with_columns(ts=ts))


def test_unsorted_timestamps_are_refused_and_sorted_ones_score():
    b = make_bars(400, seed=3, symbol="BTCUSDT")
    ts = b.ts.copy()
    ts[[100, 101]] = ts[[101, 100]]
    with pytest.raises(ValidationError, match="row 101: timestamp .* is earlier than row 100.*sorted and unique"):
        nx.mqscore(b.with_columns(ts=ts))
    q = nx.mqscore(b)
    assert np.isfinite(q.composite[-1])
