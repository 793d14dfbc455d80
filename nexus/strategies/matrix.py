"""``signals``: run strategies over bars into a signal matrix; ``signal_columns`` for sweeps.

>>> import nexus as nx                                             # doctest: +SKIP
>>> S = nx.signals(bars, strategies="nexus")                       # doctest: +SKIP
>>> S.signal.shape, S.names[:2]                                    # doctest: +SKIP
((950000, 20), ('event_driven', 'low_volume_node'))
>>> S.to_pandas().tail()                                           # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from nexus.data.bars import Bars
from nexus.data.timeframes import ns_to_datetime_index
from nexus.errors import ConfigError, ValidationError
from nexus.strategies.context import Context
from nexus.strategies.pool import POOL
from nexus.strategies.registry import get_spec, select


@dataclass
class SignalMatrix:
    """Signals of k strategies over n bars (one symbol, or several stacked row-wise).

    ``signal`` int8 [n, k] in {-1, 0, 1}; ``confidence`` float32 [n, k] in
    [0, 1]; ``names`` the k strategies; ``warmup`` bars zeroed per strategy;
    ``ts`` the bar open times. With several symbols the rows of symbol i are
    ``offsets[i]:offsets[i+1]``; ``S["ETHUSDT"]`` returns that block.
    """

    names: tuple[str, ...]
    signal: np.ndarray
    confidence: np.ndarray
    warmup: dict[str, int]
    ts: np.ndarray
    symbols: tuple[str, ...] = ("",)
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(2, dtype=np.int64))
    params: dict[str, dict] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.signal.shape[0])

    def __getitem__(self, symbol: str) -> "SignalMatrix":
        if symbol not in self.symbols:
            raise ConfigError(f"SignalMatrix holds {list(self.symbols)}, not {symbol!r}")
        i = self.symbols.index(symbol)
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return SignalMatrix(self.names, self.signal[lo:hi], self.confidence[lo:hi], dict(self.warmup),
                            self.ts[lo:hi], (symbol,), np.array([0, hi - lo], dtype=np.int64), dict(self.params))

    def column(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(signal, confidence) of one strategy."""
        if name not in self.names:
            raise ConfigError(f"no strategy {name!r} in this matrix; it holds {list(self.names)}")
        j = self.names.index(name)
        return self.signal[:, j], self.confidence[:, j]

    def counts(self) -> pd.DataFrame:
        """Long / short bar counts per strategy (and symbol)."""
        rows = []
        for i, sym in enumerate(self.symbols):
            block = self.signal[self.offsets[i]:self.offsets[i + 1]]
            for j, name in enumerate(self.names):
                col = block[:, j]
                rows.append({"symbol": sym, "strategy": name, "long": int((col == 1).sum()),
                             "short": int((col == -1).sum()),
                             "entries": int(np.count_nonzero((col != 0) & (np.r_[0, col[:-1]] != col)))})
        return pd.DataFrame(rows)

    def to_pandas(self, what: str = "signal") -> pd.DataFrame:
        """DataFrame of ``signal`` or ``confidence`` (or ``both``: two column levels), indexed by
        ts (and symbol when several are stacked)."""
        if len(self.symbols) == 1:
            index = ns_to_datetime_index(self.ts)
        else:
            sym = np.repeat(np.array(self.symbols, dtype=object), np.diff(self.offsets))
            index = pd.MultiIndex.from_arrays([sym, ns_to_datetime_index(self.ts)], names=["symbol", "ts"])
        if what == "signal":
            return pd.DataFrame(self.signal, index=index, columns=list(self.names))
        if what == "confidence":
            return pd.DataFrame(self.confidence, index=index, columns=list(self.names))
        if what == "both":
            return pd.concat({"signal": self.to_pandas("signal"), "confidence": self.to_pandas("confidence")}, axis=1)
        raise ConfigError(f"to_pandas(what={what!r}): use 'signal', 'confidence' or 'both'")


def _as_list(bars: Any) -> list[Bars]:
    if isinstance(bars, Bars):
        return [bars]
    if isinstance(bars, Mapping):
        out = []
        for key, b in bars.items():
            if not isinstance(b, Bars):
                raise ValidationError(f"signals: value for {key!r} is {type(b).__name__}, expected nexus.Bars")
            out.append(b if b.symbol == str(key) else _named(b, str(key)))
        return out
    if isinstance(bars, (list, tuple)):
        for i, b in enumerate(bars):
            if not isinstance(b, Bars):
                raise ValidationError(f"signals: item {i} is {type(b).__name__}, expected nexus.Bars")
        return list(bars)
    raise ValidationError(f"signals: expected Bars, a list of Bars or a dict of Bars, got {type(bars).__name__}")


def _named(b: Bars, symbol: str) -> Bars:
    from dataclasses import replace

    return replace(b, symbol=symbol)


def signals(
    bars: Bars | Sequence[Bars] | Mapping[str, Bars],
    strategies: str | Sequence[str] = "all",
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> SignalMatrix:
    """Run strategies over bars into a :class:`SignalMatrix`.

    ``strategies``: "all" (every registered strategy except the baselines,
    including your own), "nexus" (the twenty), "baselines", a group name, a
    strategy name or a list of these. ``params``: ``{strategy: {param: value}}``
    overriding defaults. Shared series (returns, ATR, volume statistics,
    aggressor delta, profiles) are computed once per symbol.

    >>> S = signals(bars, ["momentum_breakout", "sma_crossover"],          # doctest: +SKIP
    ...             params={"sma_crossover": {"fast": 5, "slow": 30}})
    """
    names = select(strategies)
    params = dict(params or {})
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ConfigError(f"signals: params given for {unknown}, which are not among the selected strategies {names}")
    specs = [get_spec(n) for n in names]
    resolved = {s.name: s.resolve(params.get(s.name)) for s in specs}
    items = _as_list(bars)
    if not items:
        raise ValidationError("signals: no bars given")
    symbols = tuple(b.symbol or f"#{i}" for i, b in enumerate(items))
    if len(set(symbols)) != len(symbols):
        raise ValidationError(f"signals: symbols must be distinct, got {list(symbols)}")
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in items])
    total = int(offsets[-1])
    k = len(specs)
    # column-major: each strategy's column is one contiguous block to write
    sig = np.zeros((total, k), dtype=np.int8, order="F")
    conf = np.zeros((total, k), dtype=np.float32, order="F")
    ts = np.empty(total, dtype=np.int64)
    warm: dict[str, int] = {}
    for i, b in enumerate(items):
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        ts[lo:hi] = b.ts
        if hi == lo:
            continue
        ctx = Context(b, pool=POOL)
        try:
            _fill(ctx, b, specs, resolved, sig, conf, lo, hi)
        finally:
            ctx.release()  # the matrix holds copies; the series' buffers go back to the pool
        for spec in specs:
            warm[spec.name] = spec.warmup_for(resolved[spec.name], ctx.timeframe_ns)
    return SignalMatrix(tuple(names), sig, conf, warm, ts, symbols, offsets, resolved)


def _fill(ctx: Context, b: Bars, specs: list, resolved: dict, sig: np.ndarray, conf: np.ndarray, lo: int, hi: int) -> None:
    """Run each strategy on one symbol into its rows of the matrix."""
    for j, spec in enumerate(specs):
        col_s, col_c = sig[lo:hi, j], conf[lo:hi, j]
        ctx.out = (col_s, col_c)  # built-in kernels fill the matrix column in place
        s, c = spec.compute(b, resolved[spec.name], ctx=ctx)
        ctx.out = None
        if s is not col_s:
            col_s[:] = s
        if c is not col_c:
            col_c[:] = c


def _grid(param_grid: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]) -> list[dict]:
    if isinstance(param_grid, Mapping):
        lens = {k: len(v) for k, v in param_grid.items()}
        if len(set(lens.values())) > 1:
            raise ConfigError(f"signal_columns: a dict grid needs equal-length value lists (zipped), got lengths {lens}")
        n = next(iter(lens.values()), 0)
        return [{k: v[i] for k, v in param_grid.items()} for i in range(n)]
    return [dict(p) for p in param_grid]


def signal_columns(
    bars: Bars,
    name: str,
    param_grid: Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]],
    *,
    return_confidence: bool = False,
    ctx: Context | None = None,
):
    """One strategy's signal for many parameter sets as columns: int8 [n, n_params].

    ``param_grid`` is a list of parameter dicts, or a dict of equal-length
    lists (zipped, one column per position). Series shared between columns
    (an SMA window used by several pairs) are computed once; sma_crossover
    has a single-kernel fast path.

    >>> X = signal_columns(bars, "sma_crossover", {"fast": [5, 10], "slow": [50, 50]})  # doctest: +SKIP
    """
    spec = get_spec(name)
    grid = [spec.resolve(p) for p in _grid(param_grid)]
    if not grid:
        raise ConfigError("signal_columns: empty parameter grid")
    own = ctx is None
    ctx = Context(bars, pool=POOL) if own else ctx
    try:
        n = len(bars)
        tf = ctx.timeframe_ns
        if spec.name == "sma_crossover" and spec.builtin and not return_confidence:
            return _sma_columns(ctx, grid, spec, tf)
        sig = np.zeros((n, len(grid)), dtype=np.int8, order="F")
        conf = np.zeros((n, len(grid)), dtype=np.float32, order="F") if return_confidence else None
        for j, p in enumerate(grid):
            s, c = spec.compute(bars, p, ctx=ctx)
            sig[:, j] = s
            if conf is not None:
                conf[:, j] = c
        return (sig, conf) if return_confidence else sig
    finally:
        if own:
            ctx.release()


def _sma_columns(ctx: Context, grid: list[dict], spec, tf: int) -> np.ndarray:
    from nexus.strategies.baselines_nb import sma_cross_columns_nb

    for p in grid:
        if p["fast"] >= p["slow"]:
            raise ConfigError(f"sma_crossover: fast ({p['fast']}) must be below slow ({p['slow']})")
    windows = sorted({p["fast"] for p in grid} | {p["slow"] for p in grid})
    pos = {w: i for i, w in enumerate(windows)}
    smas = np.empty((ctx.n, len(windows)))
    for w, i in pos.items():
        smas[:, i] = ctx.sma(w)
    fi = np.array([pos[p["fast"]] for p in grid], dtype=np.int64)
    si = np.array([pos[p["slow"]] for p in grid], dtype=np.int64)
    out = sma_cross_columns_nb(smas, fi, si)
    for j, p in enumerate(grid):
        out[: min(spec.warmup_for(p, tf), ctx.n), j] = 0
    return out
