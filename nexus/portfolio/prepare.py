"""Shared preparation for both simulators: shapes, prices, cost parameters as lazy flex arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nexus.errors import ConfigError
from nexus.data.frames import Frame, read_frame
from nexus.portfolio import enums
from nexus.portfolio.broadcast import to_flex
from nexus.portfolio.inputs import (as_float, check_cost_ranges, check_finite, check_prices, common_width,
                                   group_layout, width)

DUMMY_F = np.zeros((1, 1))


@dataclass
class Prepared:
    n: int
    m: int
    close: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    volume: np.ndarray
    has_open: bool
    has_high: bool
    has_low: bool
    columns: list
    ts: np.ndarray | None
    was_1d: bool
    flex: dict = field(default_factory=dict)
    cash_groups: np.ndarray | None = None
    report_groups: np.ndarray | None = None
    group_names: list | None = None
    kernel_groups: np.ndarray | None = None
    init_cash: np.ndarray | None = None


def prepare(
    close, *, open, high, low, volume, frames: dict[str, object], params: dict[str, object],
    nonneg: tuple[str, ...], init_cash, group_by, cash_sharing, ts, tz, price_type: int, slip_model: int,
) -> Prepared:
    """Read prices and ``frames`` (per-bar inputs such as signals), decide the column count, flex the params."""
    cf = read_frame(close, "close", tz)
    n = cf.values.shape[0]
    if n == 0:
        raise ConfigError("close is empty; give at least one bar")
    others: dict[str, Frame] = {}
    for name, obj in (("open", open), ("high", high), ("low", low), ("volume", volume)):
        if obj is not None:
            others[name] = read_frame(obj, name, tz)
    for name, obj in frames.items():
        if obj is not None:
            others[name] = read_frame(obj, name, tz)
    widths = {"close": cf.values.shape[1]}
    for name, fr in others.items():
        if fr.values.shape[0] != n:
            raise ConfigError(f"{name} has {fr.values.shape[0]} bars but close has {n}; align the inputs first")
        widths[name] = fr.values.shape[1]
    for name, val in params.items():
        if val is not None:
            widths[name] = width(_raw(val), n, name, per_bar_1d=False)
    m = common_width(widths)
    if cf.ts is not None:
        ts_arr = cf.ts
    elif ts is not None:
        from nexus.data.timeframes import utc_ns_array

        ts_arr = utc_ns_array(ts, tz=tz, where="ts")
        if ts_arr.shape[0] != n:
            raise ConfigError(f"ts has {ts_arr.shape[0]} values for {n} bars")
    else:
        ts_arr = None
    columns = cf.columns if cf.columns is not None and len(cf.columns) == m else list(range(m))
    closev = as_float(cf.values, "close")
    check_prices(closev, "close", cf.columns)
    prep = Prepared(
        n=n, m=m, close=closev, open=DUMMY_F, high=DUMMY_F, low=DUMMY_F, volume=DUMMY_F,
        has_open=False, has_high=False, has_low=False, columns=columns, ts=ts_arr,
        was_1d=cf.was_1d and m == 1,
    )
    for name in ("open", "high", "low"):
        if name in others:
            v = as_float(others[name].values, name)
            check_prices(v, name, others[name].columns)
            setattr(prep, name, v)
            setattr(prep, "has_" + name, True)
    if "volume" in others:
        v = as_float(others["volume"].values, "volume")
        check_finite(v, "volume", nonneg=True)
        prep.volume = v
    elif slip_model == enums.SlippageModel.volume:
        raise ConfigError("slippage_model='volume' needs volume=; pass the bars' volume")
    if prep.has_high and prep.has_low and np.any(prep.high < prep.low):
        r, c = np.argwhere(prep.high < prep.low)[0]
        raise ConfigError(f"high below low at row {r}, column {c}; clean the bars first")
    if price_type == enums.PriceType.next_worst and not (prep.has_high and prep.has_low):
        raise ConfigError("price='next_worst' needs high= and low=; pass the bars' high and low")
    prep.flex = {"__frames__": {k: others[k] for k in frames if k in others}}
    for name, val in params.items():
        if val is None:
            continue
        a = to_flex(_raw(val), n, m, name, per_bar_1d=None if n != m else False)
        if name != "size":  # size=inf means "as much as allowed"; checked by the caller
            check_finite(a, name, allow_nan=name in ("sl_stop", "tp_stop", "tsl_stop", "target"),
                         nonneg=name in nonneg)
        prep.flex[name] = a
    # groups
    starts, names = group_layout(group_by, m, cash_sharing)
    prep.report_groups = starts
    prep.group_names = names
    if cash_sharing:
        prep.cash_groups = starts
        prep.kernel_groups = starts
    else:
        prep.kernel_groups = np.arange(m + 1, dtype=np.int64)
    g = prep.kernel_groups.shape[0] - 1
    ic = np.asarray(_raw(init_cash), dtype=np.float64).ravel()
    if ic.size == 1:
        ic = np.full(g, ic[0])
    elif ic.size != g:
        raise ConfigError(f"init_cash has {ic.size} values for {g} cash groups; give one per "
                          + ("group" if cash_sharing else "column"))
    check_finite(ic, "init_cash", nonneg=True)
    prep.init_cash = ic
    return prep


def blocks(group_start: np.ndarray, target_cols: int = 16, min_blocks: int = 1) -> np.ndarray:
    """Split cash groups into blocks of about ``target_cols`` adjacent columns (whole groups only).

    Blocks are the unit of parallel work; inside one, a bar's row is read once
    for all its columns (cache-friendly on C-ordered inputs).
    """
    g = group_start.shape[0] - 1
    out = [0]
    for k in range(1, g):
        if group_start[k] - group_start[out[-1]] >= target_cols:
            out.append(k)
    out.append(g)
    return np.asarray(out, dtype=np.int64)


def signal_flex(fr: Frame | None, n: int, m: int, name: str) -> np.ndarray:
    if fr is None:
        return np.zeros((1, 1), dtype=np.bool_)
    v = fr.values
    if v.dtype != np.bool_:
        if v.dtype.kind == "f":
            if np.isnan(v).any():
                raise ConfigError(f"{name}: NaN in a signal; fill it with False (0) first")
        elif v.dtype.kind not in "bui":
            raise ConfigError(f"{name}: expected booleans, got dtype {v.dtype}")
        v = v != 0
    return v


def signal_bars(n: int, *masks: np.ndarray) -> np.ndarray:
    """Ascending bars where any of the (n|1, 1) boolean ``masks`` is set, then ``n`` as a sentinel."""
    from nexus.portfolio.validate_nb import set_bars_nb

    if any(a.shape[0] != n and a[0, 0] for a in masks):
        return np.arange(n + 1, dtype=np.int64)
    per_bar = [a[:, 0] for a in masks if a.shape[0] == n and (a.size > 1 or a[0, 0])]
    if not per_bar:
        return np.array([n], dtype=np.int64)
    any_ = np.ascontiguousarray(per_bar[0])
    for a in per_bar[1:]:
        any_ = any_ | a
    return set_bars_nb(any_.view(np.uint8), int(np.count_nonzero(any_)))


def _raw(val):
    mod = type(val).__module__
    if mod.startswith(("pandas", "polars")):
        return val.to_numpy()
    return val



# the keywords from_signals and from_targets share (costs, contract terms, starting cash, the clock), with their
# defaults; their meaning is in from_signals' doc. Array-valued ones broadcast.
EXECUTION = {
    "fees": 0.0, "fixed_fees": 0.0, "slippage": 0.0, "slippage_model": "fixed", "max_participation": 0.1,
    "init_cash": 10_000.0, "multiplier": 1.0, "lot_size": 0.0, "tick_size": 0.0, "leverage": 1.0,
    "funding_rate": None, "ts": None, "tz": None, "freq": None, "allow_high_fees": False,
}


def execution_options(where: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options a simulator did not take itself, over :data:`EXECUTION`'s defaults; an unknown name
    is refused with the valid ones."""
    unknown = sorted(set(options) - set(EXECUTION))
    if unknown:
        raise ConfigError(f"{where}: unknown keyword {unknown[0]!r}; besides its own it takes " + ", ".join(EXECUTION))
    return {**EXECUTION, **options}


# the cost parameters every simulator flexes, and those of them that must not be negative
COST_PARAMS = ("fees", "fixed_fees", "slippage", "multiplier", "lot_size", "tick_size", "leverage", "funding_rate")
NONNEG_COSTS = ("fees", "fixed_fees", "slippage", "lot_size", "tick_size", "leverage")


def prepare_run(
    close, ex: dict[str, Any], *, open, high, low, volume, price: str, frames: dict[str, object],
    params: dict[str, object], nonneg: tuple[str, ...], group_by, cash_sharing,
) -> tuple[Prepared, int, int]:
    """:func:`prepare` with the shared :data:`EXECUTION` options ``ex`` checked and flexed beside a simulator's own
    ``params``. Returns (prepared inputs, price type, slippage model)."""
    pt = enums.parse(enums.PriceType, price, "price")
    sm = enums.parse(enums.SlippageModel, ex["slippage_model"], "slippage_model")
    if not (0.0 < ex["max_participation"] <= 1.0):
        raise ConfigError("max_participation must be in (0, 1]")
    costs = {name: ex[name] for name in COST_PARAMS}
    prep = prepare(
        close, open=open, high=high, low=low, volume=volume, frames=frames, params={**costs, **params},
        nonneg=NONNEG_COSTS + nonneg, init_cash=ex["init_cash"], group_by=group_by, cash_sharing=cash_sharing,
        ts=ex["ts"], tz=ex["tz"], price_type=pt, slip_model=sm,
    )
    check_cost_ranges(prep.flex, allow_high_fees=ex["allow_high_fees"])
    if np.any(prep.flex["multiplier"] <= 0):
        raise ConfigError("multiplier must be positive (NQ: 20 USD per point)")
    return prep, pt, sm


def record_starts(cap: np.ndarray) -> tuple[np.ndarray, int]:
    """Each column's first slot in one order buffer of ``cap[j]`` slots per column, and the buffer's size."""
    rec_start = np.zeros(cap.shape[0], dtype=np.int64)
    np.cumsum(cap[:-1], out=rec_start[1:])
    return rec_start, int(cap.sum())
