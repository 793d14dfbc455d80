"""Backtest configuration: one TOML file -> a validated :class:`BacktestConfig`.

Sections mirror the pipeline (see ``backtest.toml`` at the repository root
for every key with its meaning). Values are resolved in this order: the
profile's defaults (``profile = "default"`` trades; ``profile = "original"``
keeps the original system's thresholds verbatim), then the file, then
overrides (``--set section.key=value`` on the CLI or ``overrides=`` here).
Every mistake raises :class:`nexus.errors.ConfigError` naming the file,
section and key and what is allowed.

>>> cfg = BacktestConfig.from_dict({"run": {"seed": 3}, "layers": {"aggregate": {"threshold": 0.25}}})
>>> cfg.run.seed, cfg.layers.aggregate.threshold, cfg.layers.governance.min_probability, cfg.risk.min_hold
(3, 0.25, 0.6, '1d')
>>> BacktestConfig.from_dict({"profile": "original"}).risk.min_hold
''
"""

from __future__ import annotations

import copy
import datetime
import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from nexus.data.timeframes import timeframe_ns, to_utc_ns
from nexus.errors import ConfigError

PROFILES = ("default", "original")
DEFAULT_MAIN = ["BTCUSDT/1m", "ETHUSDT/1m", "BNBUSDT/1m", "SOLUSDT/1m", "XRPUSDT/1m", "NQ/5m"]


@dataclass
class RunConfig:
    store: str = "data/bars"
    models: str = "data/models"
    use_models: bool = True
    seed: int = 0
    start: str = ""
    end: str = ""
    warmup_bars: int = 200
    out: str = "reports"
    baselines: list[str] = field(default_factory=lambda: ["sma_crossover", "buy_and_hold"])
    progress: bool = True


@dataclass
class BookConfig:
    name: str = "main"
    symbols: list[str] = field(default_factory=lambda: list(DEFAULT_MAIN))
    clock: str = "1m"
    capital: float = 10_000_000.0

    def parsed(self) -> list[tuple[str, str]]:
        return [tuple(s.split("/", 1)) for s in self.symbols]  # type: ignore[misc]


@dataclass
class CostConfig:
    fill: str = "next_open"
    fee: float = 0.001
    maker_fee: float = 0.001
    slippage_model: str = "fixed"
    slippage: float = 0.0005
    funding_rate_8h: float = 0.0


@dataclass
class RiskConfig:
    stop_loss: float = 0.02
    take_profit: float = 0.04
    position_cap: float = 0.10
    symbol_cap: float = 0.20
    gross_cap: float = 1.0
    daily_loss_limit: float = 0.02
    max_drawdown: float = 0.15
    drawdown_cooloff: str = "7d"
    max_hold: str = "3d"
    min_hold: str = "1d"
    pyramid: bool = True


@dataclass
class QualityLayer:
    enabled: bool = True
    min_composite: float = 0.5
    min_liquidity: float = 0.3
    block_crisis: bool = True
    max_data_quality: float = 0.9
    use_regime_model: bool = True
    function: str = ""


@dataclass
class SignalLayer:
    enabled: bool = True
    strategies: list[str] = field(default_factory=lambda: ["all"])
    min_confidence: float = 0.57
    function: str = ""


@dataclass
class MetaLayer:
    enabled: bool = True
    max_anomaly: float = 0.8
    weights: str = "regime_table"
    function: str = ""


@dataclass
class AggregateLayer:
    enabled: bool = True
    threshold: float = 0.3
    min_mean_confidence: float = 0.5
    function: str = ""


@dataclass
class GovernanceLayer:
    enabled: bool = True
    min_probability: float = 0.6
    min_confidence: float = 0.7
    function: str = ""


@dataclass
class RiskLayer:
    enabled: bool = True
    min_confidence: float = 0.57
    min_multiplier: float = 0.3
    block_adverse: bool = True
    block_low_quality: bool = True
    low_liquidity: float = 0.3
    function: str = ""


@dataclass
class SizingLayer:
    enabled: bool = True
    method: str = "kelly"
    kelly_fraction: float = 0.25
    min_fraction: float = 0.001
    favourable: float = 1.2
    adverse: float = 0.5
    vol_target: float = 0.01
    function: str = ""


@dataclass
class ExecutionLayer:
    enabled: bool = True
    function: str = ""


@dataclass
class LayersConfig:
    quality: QualityLayer = field(default_factory=QualityLayer)
    signals: SignalLayer = field(default_factory=SignalLayer)
    meta: MetaLayer = field(default_factory=MetaLayer)
    aggregate: AggregateLayer = field(default_factory=AggregateLayer)
    governance: GovernanceLayer = field(default_factory=GovernanceLayer)
    risk: RiskLayer = field(default_factory=RiskLayer)
    sizing: SizingLayer = field(default_factory=SizingLayer)
    execution: ExecutionLayer = field(default_factory=ExecutionLayer)


@dataclass
class ReportConfig:
    figures: bool = True
    html: bool = True
    max_points: int = 4000


def _default_books() -> list[BookConfig]:
    return [
        BookConfig("main", list(DEFAULT_MAIN), "1m", 10_000_000.0),
        BookConfig("NQ-1h", ["NQ/1h"], "1h", 10_000_000.0),
        BookConfig("NQ-1d", ["NQ/1d"], "1d", 10_000_000.0),
    ]


# Profiles. "original" is the original system verbatim: its layer thresholds,
# and positions that live until stop-loss / take-profit or an opposite
# decision reverses them. On bar data those thresholds do trade (the
# original's zero trades came from wiring bugs, not its rules), but minute
# signals reverse within minutes and each reversal pays two commissions
# and two slippages, so the book bleeds into its drawdown stop. "default"
# keeps every layer threshold and adds execution rules beside them: a
# position is not reversed before it is a day old (stops, take-profits and
# the book limits still close it at any time), a 3-day time stop, and after
# the 15 % drawdown stop a 7-day pause instead of the end of trading.
# docs/pipeline.md shows the measured funnel and results of both.
_PROFILE_VALUES: dict[str, dict[str, Any]] = {
    "original": {"risk": {"max_hold": "", "min_hold": "", "drawdown_cooloff": ""}},
    "default": {"risk": {"max_hold": "3d", "min_hold": "1d", "drawdown_cooloff": "7d"}},
}


@dataclass
class BacktestConfig:
    """Everything one backtest needs; build with :meth:`from_toml` or :meth:`from_dict`."""

    profile: str = "default"
    run: RunConfig = field(default_factory=RunConfig)
    books: list[BookConfig] = field(default_factory=_default_books)
    costs: CostConfig = field(default_factory=CostConfig)
    risk: RiskConfig = field(default_factory=RiskConfig)
    layers: LayersConfig = field(default_factory=LayersConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    source: str = "<defaults>"
    # Python callables replacing layers (name -> fn(ctx) -> LayerOutput); not from TOML.
    functions: dict[str, Callable] = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------- build
    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | list[str] | None = None) -> "BacktestConfig":
        """Read and validate a TOML file; ``overrides`` are ``{"a.b": v}`` or ``["a.b=v", ...]``."""
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {str(p)!r} not found; pass --config PATH or copy backtest.toml from the repository root")
        try:
            data = tomllib.loads(p.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from None
        return cls.from_dict(data, source=str(p), overrides=overrides)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None = None, *, source: str = "<dict>",
                  overrides: Mapping[str, Any] | list[str] | None = None) -> "BacktestConfig":
        data = copy.deepcopy(dict(data or {}))
        for key, value in _parse_overrides(overrides, source).items():
            _set_path(data, key, value, source)
        profile = data.get("profile", data.get("run", {}).get("profile", "default"))
        if "profile" in data.get("run", {}):
            data.setdefault("profile", data["run"].pop("profile"))
        if profile not in PROFILES:
            raise ConfigError(f"{source}: profile {profile!r} is unknown; use one of {list(PROFILES)}")
        merged = _deep_merge(copy.deepcopy(_PROFILE_VALUES[profile]), data)
        merged["profile"] = profile
        if "books" in merged:
            books = merged.pop("books")
            if not isinstance(books, list) or not books:
                raise ConfigError(f"{source}: [[books]] must be a non-empty array of tables")
            merged["books"] = books
        cfg = _build(cls, merged, source, "")
        cfg.source = source
        cfg.validate()
        return cfg

    def with_overrides(self, overrides: Mapping[str, Any] | list[str]) -> "BacktestConfig":
        """A copy with ``overrides`` applied on top of this config's resolved values.

        To switch profile, build anew (``from_dict({"profile": ...})``): every value here is explicit.
        """
        if "profile" in _parse_overrides(overrides, self.source):
            raise ConfigError("with_overrides cannot switch profile (every value is already resolved); "
                              "use BacktestConfig.from_dict({'profile': ...}) or --profile")
        cfg = BacktestConfig.from_dict(self.to_dict(), source=self.source, overrides=overrides)
        cfg.functions = dict(self.functions)
        return cfg

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("functions", None)
        d.pop("source", None)
        return d

    # -------------------------------------------------------------- validate
    def validate(self) -> None:
        s = self.source
        L = self.layers

        def unit(sec: str, key: str, v: float, lo: float = 0.0, hi: float = 1.0, open_lo: bool = False) -> None:
            if not (lo < v <= hi if open_lo else lo <= v <= hi):
                rng = f"({lo}, {hi}]" if open_lo else f"[{lo}, {hi}]"
                raise ConfigError(f"{s}: [{sec}] {key} = {v} is out of range; it must lie in {rng}")

        unit("layers.quality", "min_composite", L.quality.min_composite)
        unit("layers.quality", "min_liquidity", L.quality.min_liquidity)
        unit("layers.quality", "max_data_quality", L.quality.max_data_quality)
        unit("layers.signals", "min_confidence", L.signals.min_confidence)
        unit("layers.meta", "max_anomaly", L.meta.max_anomaly)
        unit("layers.aggregate", "threshold", L.aggregate.threshold, 0.0, 1.0)
        unit("layers.aggregate", "min_mean_confidence", L.aggregate.min_mean_confidence)
        unit("layers.governance", "min_probability", L.governance.min_probability, 0.5, 1.0)
        unit("layers.governance", "min_confidence", L.governance.min_confidence)
        unit("layers.risk", "min_confidence", L.risk.min_confidence)
        unit("layers.risk", "min_multiplier", L.risk.min_multiplier)
        unit("layers.risk", "low_liquidity", L.risk.low_liquidity)
        unit("layers.sizing", "kelly_fraction", L.sizing.kelly_fraction, 0.0, 1.0, open_lo=True)
        unit("layers.sizing", "min_fraction", L.sizing.min_fraction)
        unit("layers.sizing", "favourable", L.sizing.favourable, 0.0, 5.0)
        unit("layers.sizing", "adverse", L.sizing.adverse, 0.0, 5.0)
        unit("layers.sizing", "vol_target", L.sizing.vol_target, 0.0, 1.0, open_lo=True)
        if L.sizing.method not in ("kelly", "vol_target"):
            raise ConfigError(f"{s}: [layers.sizing] method = {L.sizing.method!r}; use 'kelly' (original) or 'vol_target'")
        if L.meta.weights not in ("regime_table", "equal", "model"):
            raise ConfigError(f"{s}: [layers.meta] weights = {L.meta.weights!r}; use 'regime_table', 'equal' or 'model'")
        if not L.execution.enabled:
            raise ConfigError(f"{s}: [layers.execution] enabled = false is not possible; execution turns targets into trades")
        R = self.risk
        unit("risk", "stop_loss", R.stop_loss, 0.0, 1.0)
        unit("risk", "take_profit", R.take_profit, 0.0, 10.0)
        unit("risk", "position_cap", R.position_cap, 0.0, 1.0, open_lo=True)
        unit("risk", "symbol_cap", R.symbol_cap, 0.0, 1.0, open_lo=True)
        unit("risk", "gross_cap", R.gross_cap, 0.0, 10.0, open_lo=True)
        unit("risk", "daily_loss_limit", R.daily_loss_limit)
        unit("risk", "max_drawdown", R.max_drawdown)
        if L.sizing.method == "kelly" and L.sizing.enabled and not (R.stop_loss > 0 and R.take_profit > 0):
            raise ConfigError(f"{s}: [risk] stop_loss and take_profit must be > 0 for Kelly sizing (b = take_profit / "
                              "stop_loss); set them or use [layers.sizing] method = 'vol_target'")
        if R.symbol_cap < R.position_cap:
            raise ConfigError(f"{s}: [risk] symbol_cap ({R.symbol_cap}) is below position_cap ({R.position_cap}); raise symbol_cap")
        for key in ("max_hold", "min_hold", "drawdown_cooloff"):
            if getattr(R, key):
                _tf(getattr(R, key), s, "risk", key)
        C = self.costs
        if C.fill not in ("next_open", "close"):
            raise ConfigError(f"{s}: [costs] fill = {C.fill!r}; use 'next_open' (default) or 'close'")
        if C.slippage_model not in ("fixed", "none"):
            raise ConfigError(f"{s}: [costs] slippage_model = {C.slippage_model!r}; use 'fixed' or 'none'")
        unit("costs", "fee", C.fee, 0.0, 0.1)
        unit("costs", "maker_fee", C.maker_fee, -0.01, 0.1)
        unit("costs", "slippage", C.slippage, 0.0, 0.1)
        unit("costs", "funding_rate_8h", C.funding_rate_8h, -0.01, 0.01)
        run = self.run
        if run.warmup_bars < 0:
            raise ConfigError(f"{s}: [run] warmup_bars = {run.warmup_bars}; must be >= 0")
        for key in ("start", "end"):
            if getattr(run, key):
                to_utc_ns(getattr(run, key), what=f"{s}: [run] {key}")
        if run.start and run.end and to_utc_ns(run.start) >= to_utc_ns(run.end):
            raise ConfigError(f"{s}: [run] start {run.start!r} is not before end {run.end!r}")
        for b in run.baselines:
            if b not in ("sma_crossover", "buy_and_hold"):
                raise ConfigError(f"{s}: [run] baselines has {b!r}; known: 'sma_crossover', 'buy_and_hold'")
        names = set()
        for i, book in enumerate(self.books):
            where = f"{s}: [[books]] #{i + 1} ({book.name!r})"
            if book.name in names:
                raise ConfigError(f"{where}: duplicate book name; give each book its own name")
            names.add(book.name)
            if not book.symbols:
                raise ConfigError(f"{where}: symbols is empty; list entries like 'BTCUSDT/1m'")
            clock_ns = _tf(book.clock, where, "books", "clock")
            for sym in book.symbols:
                if "/" not in sym:
                    raise ConfigError(f"{where}: symbol {sym!r} needs a timeframe, e.g. '{sym}/1m'")
                tf = sym.split("/", 1)[1]
                if _tf(tf, where, "books", f"symbol {sym}") < clock_ns:
                    raise ConfigError(f"{where}: {sym} is finer than the book clock {book.clock!r}; use a clock <= {tf}")
            if not book.capital > 0:
                raise ConfigError(f"{where}: capital = {book.capital}; must be > 0")
        if self.report.max_points < 100:
            raise ConfigError(f"{s}: [report] max_points = {self.report.max_points}; use at least 100")


def _tf(value: str, source: str, section: str, key: str) -> int:
    try:
        return timeframe_ns(value)
    except ConfigError as exc:
        raise ConfigError(f"{source}: [{section}] {key}: {exc}") from None


# ------------------------------------------------------------------ helpers
def _deep_merge(base: dict, extra: Mapping) -> dict:
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict):
            _deep_merge(base[k], v)
        else:
            base[k] = copy.deepcopy(v)
    return base


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word is a string


def _parse_overrides(overrides: Mapping[str, Any] | list[str] | None, source: str) -> dict[str, Any]:
    if not overrides:
        return {}
    if isinstance(overrides, Mapping):
        return dict(overrides)
    out = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r}: write section.key=value, e.g. layers.aggregate.threshold=0.25")
        k, v = item.split("=", 1)
        out[k.strip()] = _parse_value(v.strip())
    return out


def _set_path(data: dict, dotted: str, value: Any, source: str) -> None:
    parts = dotted.split(".")
    node = data
    for p in parts[:-1]:
        if p == "books":
            raise ConfigError(f"override {dotted!r}: books cannot be overridden key by key; use --symbols or edit the file")
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {dotted!r}: {p!r} is not a section")
    node[parts[-1]] = value


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], where)
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return [_coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if isinstance(value, (datetime.date, datetime.time)):  # TOML dates are fine where a time is asked for
            return value.isoformat()
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if dataclasses.is_dataclass(tp):
        return value
    return value


def _build(cls: type, data: Mapping[str, Any], source: str, section: str) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: [{section}] must be a table, got {data!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.name not in ("functions", "source")}
    unknown = sorted(set(data) - known)
    if unknown:
        where = f"[{section}]" if section else "top level"
        raise ConfigError(f"{source}: {where}: unknown key(s) {unknown}; known keys: {sorted(known)}")
    kwargs = {}
    for name in known:
        if name not in data:
            continue
        tp = hints[name]
        sub = f"{section}.{name}" if section else name
        value = data[name]
        if dataclasses.is_dataclass(tp):
            kwargs[name] = _build(tp, value, source, sub)
        elif typing.get_origin(tp) is list and dataclasses.is_dataclass(typing.get_args(tp)[0]):
            kwargs[name] = [_build(typing.get_args(tp)[0], v, source, f"{sub}[{i}]") for i, v in enumerate(value)]
        else:
            kwargs[name] = _coerce(value, tp, f"{source}: [{section or 'top'}] {name}")
    obj = cls()
    for k, v in kwargs.items():
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            setattr(obj, k, v)
        else:
            setattr(obj, k, v)
    return obj
