"""Layer 2, signals: the strategy matrix and its confidence filter.

Reads ``signal`` (int8 [m, k]) and ``confidence`` (float32 [m, k]).
Writes ``passing`` (bool [m, k]: fired and confidence >= ``min_confidence``).
Rejects ``no_signal`` (no strategy fired) and ``low_signal_confidence``
(some fired, none passed the filter; 0.57 in the original).

>>> import numpy as np
>>> sig = np.array([[0, 0], [1, 0], [1, -1]], np.int8)
>>> conf = np.array([[.9, .9], [.5, .9], [.6, .2]], np.float32)
>>> keep, why, passing = signal_filter(sig, conf, min_confidence=.57)
>>> keep.tolist(), why.tolist(), passing.tolist()
([False, False, True], [20, 21, 0], [[False, False], [False, False], [True, False]])
"""

from __future__ import annotations

import numpy as np

from nexus.pipeline import reasons as R
from nexus.pipeline.kernels import signal_filter_nb
from nexus.pipeline.layers.base import LayerContext, LayerOutput, first_reason


def signal_filter(signal: np.ndarray, confidence: np.ndarray, *, min_confidence: float, enabled: bool = True
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fired = signal != 0
    # switched off = every fired signal counts, whatever its confidence
    passing = fired & (confidence >= min_confidence) if enabled else fired
    any_fired = fired.any(axis=1)
    any_pass = passing.any(axis=1)
    keep, reason = first_reason(len(signal), [(~any_fired, R.NO_SIGNAL), (~any_pass, R.LOW_SIGNAL_CONFIDENCE)])
    return keep, reason, passing


def run(ctx: LayerContext) -> LayerOutput:
    # the numba twin of signal_filter reads the rows in view straight from the full matrices
    sig, rows = ctx.rows("signal")
    conf, rows_c = ctx.rows("confidence")
    if not np.array_equal(rows, rows_c):
        conf = ctx.get("confidence")
        sig, rows = ctx.get("signal"), np.arange(ctx.m, dtype=np.int64)
        conf = np.ascontiguousarray(conf)
    keep, reason, passing = signal_filter_nb(sig, conf, rows, float(ctx.cfg.min_confidence), bool(ctx.cfg.enabled))
    return LayerOutput(keep, reason, {"passing": passing})
