"""Parameter grids: full grids, seeded random draws, and constraints.

A grid is a mapping from parameter name to the values to try. Every
combination becomes one column of the simulation, so a whole sweep is one
kernel call per chunk of columns.

>>> g = expand_grid({"fast": [5, 10], "slow": [20, 50]}, where=lambda p: p["fast"] < p["slow"])
>>> [tuple(p.values()) for p in g]
[(5, 20), (5, 50), (10, 20), (10, 50)]
>>> len(expand_grid({"fast": range(1, 101), "slow": range(1, 101)}, method="random", n_iter=10, seed=0))
10

Size first, lazily: :func:`grid_size` multiplies the axis lengths (an exact
Python int, however large), :func:`combo_at` maps an index to its
combination by mixed radix (last parameter fastest, the order of
``itertools.product``), and :func:`check_size` gives the count and an
estimated time and refuses a sweep above ``limit`` unless told ``yes``. A
refused grid is never built: 1e8 combinations are refused in milliseconds.

>>> grid_size({"fast": range(1, 10_001), "slow": range(1, 10_001)})
100000000
>>> combo_at({"fast": [5, 10], "slow": [20, 50]}, 3)
{'fast': 10, 'slow': 50}
"""

from __future__ import annotations

import itertools
import math
from array import array
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from nexus.errors import ConfigError


def _values(name: str, spec: Any) -> list:
    if isinstance(spec, (str, bytes)) or not hasattr(spec, "__iter__"):
        return [spec]
    vals = list(spec)
    if not vals:
        raise ConfigError(f"grid parameter {name!r} has no values; give a list, a range or a scalar")
    return [v.item() if isinstance(v, np.generic) else v for v in vals]


DEFAULT_LIMIT = 1_000_000  # combinations a sweep runs without being told --yes / yes=True
# Rough end-to-end rate for the time estimate (signals + simulation + stats per bar and column):
# `nexus --store data/bars sweep --no-progress` (sma_crossover, 90 combinations x 949,851 bars)
# took 18.2 s on the shared 2-core machine, 4.7M bar-columns/s; rounded to 5M.
BAR_COLUMNS_PER_SECOND = 5e6
WHERE_PER_SECOND = 1e6  # combinations a Python `where` predicate filters per second


def _axes(grid: Mapping[str, Any]) -> tuple[list[str], list[list]]:
    if not isinstance(grid, Mapping) or not grid:
        raise ConfigError("grid must be a non-empty mapping of parameter name -> values")
    names = list(grid)
    return names, [_values(n, grid[n]) for n in names]


def grid_size(grid: Mapping[str, Any]) -> int:
    """Number of combinations of ``grid`` before any ``where`` (exact, nothing built)."""
    return math.prod(len(a) for a in _axes(grid)[1])


def combo_at(grid: Mapping[str, Any], index: int) -> dict:
    """The ``index``-th combination in ``itertools.product`` order (mixed radix, last parameter fastest)."""
    names, axes = _axes(grid)
    return _combo(names, axes, index)


def _combo(names: list[str], axes: list[list], index: int) -> dict:
    out = {}
    for name, axis in zip(reversed(names), reversed(axes)):
        index, digit = divmod(int(index), len(axis))
        out[name] = axis[digit]
    return {n: out[n] for n in names}


def planned_columns(grid: Mapping[str, Any], method: str = "grid", n_iter: int | None = None) -> tuple[int, int]:
    """(combinations simulated at most, combinations a ``where`` has to look at)."""
    total = grid_size(grid)
    if method == "random" and n_iter:
        return min(int(n_iter), total), total
    return total, total


def estimate_seconds(columns: int, n_bars: int, *, scanned: int = 0) -> float:
    """A rough wall time for simulating ``columns`` over ``n_bars`` (plus a ``where`` scan)."""
    return columns * max(int(n_bars), 1) / BAR_COLUMNS_PER_SECOND + scanned / WHERE_PER_SECOND


def _fmt_seconds(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 172_800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86_400:,.0f} days"


def check_size(grid: Mapping[str, Any], n_bars: int, *, method: str = "grid", n_iter: int | None = None,
               where: Callable[[dict], bool] | None = None, limit: int | None = DEFAULT_LIMIT, yes: bool = False) -> str:
    """The count-and-estimate line of a planned sweep; ConfigError above ``limit`` unless ``yes``.

    >>> check_size({"fast": range(10), "slow": range(10)}, 1000)
    'sweep of 100 combinations over 1,000 bars: estimated 0 s'
    """
    columns, total = planned_columns(grid, method, n_iter)
    scanned = total if where is not None else 0
    est = estimate_seconds(columns, n_bars, scanned=scanned)
    before = " (before `where`)" if where is not None and method == "grid" else ""
    line = f"sweep of {columns:,} combinations{before} over {n_bars:,} bars: estimated {_fmt_seconds(est)}"
    if where is not None and method == "random":
        line += f" (the `where` filter first looks at all {total:,} combinations)"
    heavy = max(columns, scanned)
    if limit is not None and heavy > limit and not yes:
        raise ConfigError(
            f"{line}; that is above the limit of {limit:,} combinations: narrow the grid, draw a sample "
            f"(--method random --n-iter N, without `where`), or confirm with --yes (nx.sweep(..., yes=True))"
        )
    return line


def iter_combos(grid: Mapping[str, Any]) -> Iterator[dict]:
    """Every combination, one at a time (nothing is kept)."""
    names, axes = _axes(grid)
    for vals in itertools.product(*axes):
        yield dict(zip(names, vals))


def expand_grid(
    grid: Mapping[str, Any],
    *,
    method: str = "grid",
    n_iter: int | None = None,
    seed: int = 0,
    where: Callable[[dict], bool] | None = None,
    limit: int | None = None,
    n_bars: int = 0,
) -> list[dict]:
    """Combinations of ``grid`` as a list of dicts, in a stable order.

    ``method="random"`` draws ``n_iter`` distinct combinations with ``seed``
    (the order of the full grid is kept among those drawn, so two engines or
    two runs with the same seed see the same columns); without ``where`` the
    draw is by index, so only the drawn combinations are ever built.
    ``where`` drops combinations (e.g. ``fast < slow``). ``limit`` refuses a
    sweep above that many combinations before anything is built (see
    :func:`check_size`).
    """
    names, axes = _axes(grid)
    if method not in ("grid", "random"):
        raise ConfigError(f"method must be 'grid' or 'random', got {method!r}")
    if method == "grid" and n_iter is not None:
        raise ConfigError("n_iter applies to method='random' only")
    if method == "random" and (n_iter is None or n_iter < 1):
        raise ConfigError("method='random' needs n_iter >= 1")
    if limit is not None:
        check_size(grid, n_bars, method=method, n_iter=n_iter, where=where, limit=limit)
    total = math.prod(len(a) for a in axes)
    if method == "random" and where is None:
        if n_iter >= total:
            return list(iter_combos(grid))
        rng = np.random.default_rng(seed)
        pick = np.sort(rng.choice(total, size=n_iter, replace=False))
        return [_combo(names, axes, int(i)) for i in pick]
    if method == "grid":
        combos = [c for c in iter_combos(grid) if where is None or where(c)]
        if not combos:
            raise ConfigError("the grid is empty after applying `where`; loosen the constraint")
        return combos
    # random with a filter: keep the indices that pass (8 bytes each), then draw among them
    keep = array("q", (i for i, c in enumerate(iter_combos(grid)) if where(c)))
    if not keep:
        raise ConfigError("the grid is empty after applying `where`; loosen the constraint")
    if n_iter >= len(keep):
        return [_combo(names, axes, i) for i in keep]
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(keep), size=n_iter, replace=False))
    return [_combo(names, axes, keep[int(i)]) for i in pick]


def chunks(items: Sequence, size: int) -> list[Sequence]:
    """Consecutive slices of ``items`` of at most ``size``."""
    if size < 1:
        raise ConfigError(f"chunk size must be >= 1, got {size}")
    return [items[i : i + size] for i in range(0, len(items), size)]


def auto_chunk_columns(n_bars: int, n_columns: int, *, bytes_per_cell: int = 48, fraction: float = 0.25) -> int:
    """Columns per chunk so that one chunk's working set stays within ``fraction`` of free memory.

    ``bytes_per_cell`` covers the int8 signals, bool entries/exits, float64
    value and returns per bar and column, and the kernel's scratch.
    """
    import psutil

    free = psutil.virtual_memory().available
    per_col = max(1, n_bars * bytes_per_cell)
    cols = int(free * fraction // per_col)
    return int(max(1, min(n_columns, cols, 2048)))
