"""Parameter grids: full grids, seeded random draws, and constraints.

A grid is a mapping from parameter name to the values to try. Every
combination becomes one column of the simulation, so a whole sweep is one
kernel call per chunk of columns.

>>> g = expand_grid({"fast": [5, 10], "slow": [20, 50]}, where=lambda p: p["fast"] < p["slow"])
>>> [tuple(p.values()) for p in g]
[(5, 20), (5, 50), (10, 20), (10, 50)]
>>> len(expand_grid({"fast": range(1, 101), "slow": range(1, 101)}, method="random", n_iter=10, seed=0))
10
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from nexus.errors import ConfigError


def _values(name: str, spec: Any) -> list:
    if isinstance(spec, (str, bytes)) or not hasattr(spec, "__iter__"):
        return [spec]
    vals = list(spec)
    if not vals:
        raise ConfigError(f"grid parameter {name!r} has no values; give a list, a range or a scalar")
    return [v.item() if isinstance(v, np.generic) else v for v in vals]


def expand_grid(
    grid: Mapping[str, Any],
    *,
    method: str = "grid",
    n_iter: int | None = None,
    seed: int = 0,
    where: Callable[[dict], bool] | None = None,
) -> list[dict]:
    """Combinations of ``grid`` as a list of dicts, in a stable order.

    ``method="random"`` draws ``n_iter`` distinct combinations with ``seed``
    (the order of the full grid is kept among those drawn, so two engines or
    two runs with the same seed see the same columns). ``where`` drops
    combinations (e.g. ``fast < slow``).
    """
    if not isinstance(grid, Mapping) or not grid:
        raise ConfigError("grid must be a non-empty mapping of parameter name -> values")
    names = list(grid)
    axes = [_values(n, grid[n]) for n in names]
    combos = [dict(zip(names, vals)) for vals in itertools.product(*axes)]
    if where is not None:
        combos = [c for c in combos if where(c)]
    if not combos:
        raise ConfigError("the grid is empty after applying `where`; loosen the constraint")
    if method == "grid":
        if n_iter is not None:
            raise ConfigError("n_iter applies to method='random' only")
        return combos
    if method == "random":
        if n_iter is None or n_iter < 1:
            raise ConfigError("method='random' needs n_iter >= 1")
        if n_iter >= len(combos):
            return combos
        rng = np.random.default_rng(seed)
        pick = np.sort(rng.choice(len(combos), size=n_iter, replace=False))
        return [combos[i] for i in pick]
    raise ConfigError(f"method must be 'grid' or 'random', got {method!r}")


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
