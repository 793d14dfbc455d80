"""Backtest configuration: one TOML file -> a validated :class:`BacktestConfig`.

Every key, its type, default, range and help text is defined once in
:data:`nexus.config.BACKTEST` (docs/pipeline.md renders it as a table); the
section dataclasses here are built from that schema. Values are resolved in
this order: the profile's defaults (``profile = "default"`` trades;
``profile = "original"`` keeps the original system's thresholds verbatim),
then the file, then overrides (``--set section.key=value`` on the CLI or
``overrides=`` here). Every mistake raises :class:`nexus.errors.ConfigError`
naming the file, the key and what is allowed; :meth:`BacktestConfig.validate`
adds the checks that need more than one key or the data layer (clocks,
durations, dates).

>>> cfg = BacktestConfig.from_dict({"run": {"seed": 3}, "layers": {"aggregate": {"threshold": 0.25}}})
>>> cfg.run.seed, cfg.layers.aggregate.threshold, cfg.layers.governance.min_probability, cfg.risk.min_hold
(3, 0.25, 0.6, '1d')
>>> BacktestConfig.from_dict({"profile": "original"}).risk.min_hold
''
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from nexus.config import BACKTEST, merge, read_toml
from nexus.data.timeframes import timeframe_ns, to_utc_ns
from nexus.errors import ConfigError

LAYERS = ("quality", "signals", "meta", "aggregate", "governance", "risk", "sizing", "execution")


def _section_class(path: str, name: str, namespace: dict[str, Any] | None = None) -> type:
    """A dataclass whose fields are the keys of the schema section ``path``, with their defaults."""
    fields = [(k.name, k.annotation, field(default_factory=k.fresh_default)) for k in BACKTEST.section(path).keys]
    cls = dataclasses.make_dataclass(name, fields, namespace=namespace)
    cls.__module__ = __name__  # pickles and reprs name this module, where the class is bound
    return cls


def _parsed(self) -> list[tuple[str, str]]:
    """The book's series as ``(symbol, timeframe)`` pairs."""
    return [tuple(s.split("/", 1)) for s in self.symbols]  # type: ignore[misc]


RunConfig = _section_class("run", "RunConfig")
BookConfig = _section_class("books", "BookConfig", {"parsed": _parsed})
CostConfig = _section_class("costs", "CostConfig")
RiskConfig = _section_class("risk", "RiskConfig")
ExecutionConfig = _section_class("execution", "ExecutionConfig")
ReportConfig = _section_class("report", "ReportConfig")
# one class per [layers.<name>] section, in LAYERS order; each bound below under its own name (pickles find it there)
_LAYER_CLASSES = {layer: _section_class(f"layers.{layer}", name) for layer, name in zip(LAYERS, (
    "QualityLayer", "SignalLayer", "MetaLayer", "AggregateLayer", "GovernanceLayer", "RiskLayer", "SizingLayer",
    "ExecutionLayer"))}
(QualityLayer, SignalLayer, MetaLayer, AggregateLayer, GovernanceLayer, RiskLayer, SizingLayer,
 ExecutionLayer) = _LAYER_CLASSES.values()
LayersConfig = dataclasses.make_dataclass("LayersConfig", [(n, c, field(default_factory=c)) for n, c in _LAYER_CLASSES.items()])
LayersConfig.__module__ = __name__


def _default_books() -> list:
    return [BookConfig(**row) for row in BACKTEST.section("books").defaults()]


@dataclass
class BacktestConfig:
    """Everything one backtest needs; build with :meth:`from_toml` or :meth:`from_dict`."""

    profile: str = "default"
    run: RunConfig = field(default_factory=RunConfig)
    books: list[BookConfig] = field(default_factory=_default_books)
    costs: CostConfig = field(default_factory=CostConfig)
    risk: RiskConfig = field(default_factory=RiskConfig)
    execution: ExecutionConfig = field(default_factory=ExecutionConfig)
    layers: LayersConfig = field(default_factory=LayersConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    source: str = "<defaults>"
    # Python callables replacing layers (name -> fn(ctx) -> LayerOutput); not from TOML.
    functions: dict[str, Callable] = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------- build
    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | list[str] | None = None) -> "BacktestConfig":
        """Read and validate a TOML file; ``overrides`` are ``{"a.b": v}`` or ``["a.b=v", ...]``."""
        data = read_toml(path, "pass --config PATH or copy backtest.toml from the repository root")
        return cls.from_dict(data, source=str(path), overrides=overrides)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None = None, *, source: str = "<dict>",
                  overrides: Mapping[str, Any] | list[str] | None = None) -> "BacktestConfig":
        data = copy.deepcopy(dict(data or {}))
        run = data.get("run")
        if isinstance(run, dict) and "profile" in run:  # older files put the profile under [run]
            data.setdefault("profile", run.pop("profile"))
        r = BACKTEST.resolve(data, source, overrides or ())
        layers = LayersConfig(**{name: _LAYER_CLASSES[name](**r["layers"][name]) for name in LAYERS})
        cfg = cls(profile=r["profile"], run=RunConfig(**r["run"]), books=[BookConfig(**b) for b in r["books"]],
                  costs=CostConfig(**r["costs"]), risk=RiskConfig(**r["risk"]),
                  execution=ExecutionConfig(**r["execution"]), layers=layers,
                  report=ReportConfig(**r["report"]), source=source)
        cfg.validate()
        return cfg

    def with_overrides(self, overrides: Mapping[str, Any] | list[str]) -> "BacktestConfig":
        """A copy with ``overrides`` applied on top of this config's resolved values.

        To switch profile, build anew (``from_dict({"profile": ...})``): every value here is explicit.
        """
        given = BACKTEST.overrides(overrides)
        if "profile" in given:
            raise ConfigError("with_overrides cannot switch profile (every value is already resolved); "
                              "use BacktestConfig.from_dict({'profile': ...}) or --profile")
        cfg = BacktestConfig.from_dict(merge(self.to_dict(), given), source=self.source)
        cfg.functions = dict(self.functions)
        return cfg

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("functions", None)
        d.pop("source", None)
        return d

    # -------------------------------------------------------------- validate
    def validate(self) -> None:
        """Every key against the schema again (a caller may have changed fields), then the rules across keys."""
        s = self.source
        BACKTEST.validate(self.to_dict(), s)
        L, R, run = self.layers, self.risk, self.run
        if not L.execution.enabled:
            raise ConfigError(f"{s}: layers.execution.enabled = false is not possible; execution turns targets into trades")
        if L.sizing.method == "kelly" and L.sizing.enabled and not (R.stop_loss > 0 and R.take_profit > 0):
            raise ConfigError(f"{s}: risk.stop_loss and risk.take_profit must be > 0 for Kelly sizing (b = take_profit / "
                              "stop_loss); set them or use layers.sizing.method = 'vol_target'")
        if R.symbol_cap < R.position_cap:
            raise ConfigError(f"{s}: risk.symbol_cap ({R.symbol_cap}) is below risk.position_cap ({R.position_cap}); "
                              "raise symbol_cap")
        for key in ("max_hold", "min_hold", "drawdown_cooloff"):
            if getattr(R, key):
                _tf(getattr(R, key), f"{s}: risk.{key}")
        if self.execution.limit_timeout:
            _tf(self.execution.limit_timeout, f"{s}: execution.limit_timeout")
        for key in ("start", "end", "trade_start"):
            if getattr(run, key):
                to_utc_ns(getattr(run, key), what=f"{s}: run.{key}")
        if run.start and run.end and to_utc_ns(run.start) >= to_utc_ns(run.end):
            raise ConfigError(f"{s}: run.start {run.start!r} is not before run.end {run.end!r}")
        names = set()
        for i, book in enumerate(self.books):
            where = f"{s}: books[{i}] ({book.name!r})"
            if book.name in names:
                raise ConfigError(f"{where}: duplicate book name; give each book its own name")
            names.add(book.name)
            if not book.symbols:
                raise ConfigError(f"{where}: symbols is empty; list entries like 'BTCUSDT/1m'")
            clock_ns = _tf(book.clock, f"{where}: clock")
            for sym in book.symbols:
                if "/" not in sym:
                    raise ConfigError(f"{where}: symbol {sym!r} needs a timeframe, e.g. '{sym}/1m'")
                tf = sym.split("/", 1)[1]
                if _tf(tf, f"{where}: symbol {sym}") < clock_ns:
                    raise ConfigError(f"{where}: {sym} is finer than the book clock {book.clock!r}; use a clock <= {tf}")
            book_instruments(book, f"{where}: instruments", self.costs.instrument_fees)


def book_instruments(book: Any, where: str, instrument_fees: bool = True) -> dict[str, Any]:
    """The book's instruments by symbol, each with the book's cost overrides (``[books.instruments.X]``) applied.

    Refuses an override of an instrument the book does not trade, an unknown key or a bad value, naming the
    valid ones; overrides need ``costs.instrument_fees = true`` (false charges ``costs.fee`` everywhere).
    """
    from nexus.data import instruments

    symbols = list(dict.fromkeys(s.split("/", 1)[0] for s in book.symbols))
    over = book.instruments
    if not isinstance(over, dict):
        raise ConfigError(f"{where}: give a table per instrument, e.g. [books.instruments.NQ] commission_per_contract = 0.5")
    unknown = sorted(set(over) - set(symbols))
    if unknown:
        raise ConfigError(f"{where}: {unknown} not traded by this book; allowed: {', '.join(symbols)}")
    if over and not instrument_fees:
        raise ConfigError(f"{where}: overrides need costs.instrument_fees = true (false charges costs.fee on every "
                          "instrument)")
    out = {}
    for sym in symbols:
        inst = instruments.get(sym)
        out[sym] = instruments.with_costs(inst, over[sym], where) if sym in over else inst
    return out


def _tf(value: str, where: str) -> int:
    try:
        return timeframe_ns(value)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
