"""The segment reduction kernel against numpy's reduceat, for floats and integers."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.data import resample_kernels as K


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_seg_reduce_matches_reduceat(dtype):
    rng = np.random.default_rng(0)
    labels = np.sort(rng.integers(0, 300, 2000))
    x = (rng.normal(0, 100, 2000) if dtype is np.float64 else rng.integers(-50, 50, 2000)).astype(dtype)
    starts = K.group_starts_nb(labels)
    assert starts[-1] == labels.size and np.all(np.diff(starts) > 0)
    head = starts[:-1]
    want = {
        K.SEG_FIRST: x[head], K.SEG_LAST: x[starts[1:] - 1], K.SEG_MAX: np.maximum.reduceat(x, head),
        K.SEG_MIN: np.minimum.reduceat(x, head), K.SEG_SUM: np.add.reduceat(x, head),
    }
    for op, w in want.items():
        got = K.seg_reduce_nb(x, starts, op)
        assert got.dtype == x.dtype
        if op == K.SEG_SUM and dtype is np.float64:
            np.testing.assert_allclose(got, w, rtol=1e-12)  # reduceat may pair the terms differently
        else:
            np.testing.assert_array_equal(got, w)
    # a plain loop in the kernel's order gives the sums bit for bit
    loop = np.array([sum(x[a + 1:b], x[a]) for a, b in zip(starts[:-1], starts[1:])], dtype=dtype)
    np.testing.assert_array_equal(K.seg_reduce_nb(x, starts, K.SEG_SUM), loop)
