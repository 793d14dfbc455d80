"""Causality of the paper step: a session replayed to bar t agrees with the one replayed further on every
output before t (decisions, held weights, rejection and exit codes, equity). The replay-parity test
is the stronger form (every bar, against the backtest); this one runs the step through check_causal."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nexus.data.store import BarStore
from nexus.lookahead import check_causal
from nexus.paper.replay import replay_book
from tests.paper.conftest import paper_config

START, END, WARMUP = "2026-10-27T00:00", "2026-10-30T21:00", "20d"


class Span:
    """The traded clock bars of the NQ-1h book; ``end`` cuts the replay."""

    def __init__(self, root, ts, end=None):
        self.root, self.ts, self.end = root, ts, end

    def __len__(self):
        return len(self.ts) if self.end is None else int(np.searchsorted(self.ts, self.end))


def _replay(data: Span):
    end = END if data.end is None else pd.Timestamp(int(data.end), tz="UTC").isoformat()
    cfg = paper_config(data.root)
    return replay_book(cfg, BarStore(data.root), "NQ-1h", start=START, end=end, warmup=WARMUP)


def _outputs(data: Span):
    r = _replay(data).records
    first = int(np.searchsorted(r.ts, pd.Timestamp(START, tz="UTC").value))
    return {"decision": np.nan_to_num(r.decision[first:], nan=-9.0), "held": r.held[first:],
            "reason": r.reason[first:], "exit_code": r.exit_code[first:], "value": r.value[first:]}


def test_the_paper_step_is_causal(paper_store):
    full = _replay(Span(paper_store, None))
    r = full.records
    ts = r.ts[r.ts >= pd.Timestamp(START, tz="UTC").value]
    assert len(ts) > 60 and np.isfinite(r.decision).sum() > 3
    rep = check_causal(_outputs, Span(paper_store, ts), n_random=4, seed=3, min_cut=10,
                       cut=lambda d, t: Span(d.root, d.ts, int(d.ts[t])), length=len)
    assert rep.ok and len(rep.cuts) >= 4, rep.summary()
