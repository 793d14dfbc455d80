"""Input normalisation at the API edge: arrays from numpy / pandas / polars, shapes, timestamps, groups."""

from __future__ import annotations

import numpy as np

from nexus.errors import ConfigError, ValidationError


def as_float(a: np.ndarray, name: str) -> np.ndarray:
    if a.dtype == np.float64:
        return a
    try:
        return a.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: cannot read as float64 ({exc})") from None


def check_prices(a: np.ndarray, name: str, columns: list | None = None) -> None:
    """Prices must be finite and positive; name the first bad cell."""
    from nexus.portfolio.validate_nb import first_bad_price_nb

    # numpy's SIMD min/max read 1M prices ~5x faster than a scalar loop (NaN propagates through
    # both, so "min > 0 and max < inf" holds only when every value is a finite positive number);
    # the loop runs only to name the first bad cell
    if a.size == 0 or (a.min() > 0.0 and a.max() < np.inf):
        return
    i = first_bad_price_nb(np.ascontiguousarray(a))
    if i >= 0:
        r, c = divmod(int(i), a.shape[1])
        label = columns[c] if columns is not None and c < len(columns) else c
        raise ValidationError(
            f"{name} row {r}, column {label!r}: value {a[r, c]!r} is not a finite positive price; "
            "clean the bars (nexus.clean) or drop the column before simulating"
        )


def check_finite(a: np.ndarray, name: str, *, allow_nan: bool = False, nonneg: bool = False) -> None:
    bad = ~np.isfinite(a) if not allow_nan else np.isinf(a)
    if nonneg:
        bad |= a < 0
    if bad.any():
        idx = np.argwhere(bad)[0]
        raise ConfigError(f"{name}: value {a[tuple(idx)]!r} at position {tuple(int(i) for i in idx)} is not allowed; "
                          + ("use non-negative finite numbers" if nonneg else "use finite numbers"))


def width(a: np.ndarray, n: int, name: str, per_bar_1d: bool) -> int:
    """Columns an input asks for under the broadcasting rules (1 = broadcastable)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return 1
    if a.ndim == 1:
        k = a.shape[0]
        if per_bar_1d:
            if k != n:
                raise ConfigError(f"{name}: length {k} does not match the {n} bars")
            return 1
        return 1 if (k == n and n > 1) or k == 1 else k
    if a.ndim == 2:
        if a.shape[0] not in (1, n):
            raise ConfigError(f"{name}: {a.shape[0]} rows do not match the {n} bars")
        return a.shape[1]
    raise ConfigError(f"{name}: expected at most 2 dimensions")


def common_width(widths: dict[str, int]) -> int:
    m = 1
    for name, w in widths.items():
        if w == 1:
            continue
        if m == 1:
            m = w
        elif w != m:
            detail = ", ".join(f"{k}={v}" for k, v in widths.items() if v != 1)
            raise ConfigError(
                f"inputs ask for different column counts ({detail}); give per-column inputs the same width")
    return m


def group_layout(group_by: object, m: int, cash_sharing: bool) -> tuple[np.ndarray | None, list | None]:
    """Group labels -> (start offsets of each group, group names). Groups must be contiguous columns."""
    if group_by is None or group_by is False:
        if cash_sharing:
            return np.array([0, m], dtype=np.int64), ["group"]
        return None, None
    if group_by is True:
        return np.array([0, m], dtype=np.int64), ["group"]
    labels = list(np.asarray(group_by).ravel().tolist())
    if len(labels) != m:
        raise ConfigError(f"group_by has {len(labels)} labels for {m} columns; give one label per column")
    starts = [0]
    names = [labels[0]]
    for j in range(1, m):
        if labels[j] != labels[j - 1]:
            if labels[j] in names:
                raise ConfigError(
                    f"group_by: group {labels[j]!r} is split (column {j}); put a group's columns next to each other"
                )
            starts.append(j)
            names.append(labels[j])
    starts.append(m)
    return np.asarray(starts, dtype=np.int64), names


MAX_FEES = 0.1  # 10 % of notional per fill: above this a fee is almost surely a percent given as a fraction


def check_cost_ranges(flex: dict, *, allow_high_fees: bool = False) -> None:
    """What the CLI checks, at the API edge too: fees in [0, 0.1] unless ``allow_high_fees``, leverage > 0."""
    fees = flex.get("fees")
    if fees is not None and not allow_high_fees and np.any(np.asarray(fees) > MAX_FEES):
        worst = float(np.max(fees))
        raise ConfigError(
            f"fees={worst:g} is a fraction of notional per fill, so {worst:.0%} of every order; fees above {MAX_FEES:g} "
            f"are refused (give 0.001 for 0.1 %), or pass allow_high_fees=True if you mean it"
        )
    lev = flex.get("leverage")
    if lev is not None and np.any(np.asarray(lev) <= 0):
        raise ConfigError(
            f"leverage={float(np.min(lev)):g} would allow no exposure (no order could fill); "
            "give leverage > 0 (1 = no borrowing)"
        )
