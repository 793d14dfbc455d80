"""One symbol through layers 1-7: MQScore, signals, rule scores, the layer chain.

The result keeps only what later stages need: the decisions (bar index,
signed target weight, each strategy's share of the vote), the per-bar reason
codes, the funnel counts, and a few per-bar series for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nexus.data.bars import Bars
from nexus.data.timeframes import NS_PER_DAY, timeframe_ns
from nexus.pipeline.chain import load_function, run_chain
from nexus.pipeline.kernels import rule_scores_nb, strategy_counts_nb
from nexus.pipeline.layers import BAR_LAYERS

LAMBDA_FAST = 0.94
LAMBDA_SLOW = 0.995
TREND_REGIMES = ("STRONG_TREND", "HIGH_QUALITY_TREND")
LOW_QUALITY_REGIMES = ("LOW_QUALITY_CHOPPY",)


@dataclass
class SymbolRun:
    symbol: str
    timeframe: str
    bars: Bars
    n: int
    decision_idx: np.ndarray  # bars that passed layers 1-7
    decision_target: np.ndarray  # signed weight on those bars
    contrib: np.ndarray  # float32 [m, k] share of each strategy in the decision's vote
    reason: np.ndarray  # uint8 per bar
    passed: dict[str, int]
    notes: dict[str, str]
    strategy_names: tuple[str, ...]
    strategy_groups: tuple[str, ...]
    fired: np.ndarray  # per strategy: bars where it fired (after warm-up)
    passed_filter: np.ndarray  # per strategy: bars where it passed the confidence filter
    composite: np.ndarray
    regime: np.ndarray
    baseline_signal: np.ndarray | None = None
    rows_scored: dict[str, int] = field(default_factory=dict)
    variants: dict[str, "SymbolRun"] = field(default_factory=dict)  # same bars, other model sets (rules, ablations)


def layer_list(cfg: Any) -> list[tuple[str, Any, Any]]:
    out = []
    for name, default in BAR_LAYERS:
        lcfg = getattr(cfg.layers, name)
        fn = cfg.functions.get(name)
        if fn is None and getattr(lcfg, "function", ""):
            fn = load_function(lcfg.function, f"{cfg.source}: [layers.{name}]")
        out.append((name, fn or default, lcfg))
    return out


def strategy_selection(cfg: Any) -> Any:
    sel = cfg.layers.signals.strategies
    return "all" if sel == ["all"] else list(sel)


def run_symbol(bars: Bars, cfg: Any, models: Any, timings: Any, *, calendar: str = "24/7",
               want_baseline: bool = True, cache: Any = None, series_key: str = "",
               variants: dict[str, Any] | None = None) -> SymbolRun:
    """Layers 1-7 over one series. ``cache`` (a :class:`nexus.pipeline.cache.StageCache`) shares MQScore
    and the signals with other runs of the same series (``series_key``: the series and its period).
    ``variants`` ({name: ModelSet}) run the layers again with other model sets on the same MQScore and signals."""
    from nexus.data.calendar import session_mask
    from nexus.mqscore import REGIME_NAMES, mqscore
    from nexus.strategies import REGISTRY, signals

    from nexus.pipeline.cache import SIGNAL_KEYS, StageCache, config_key

    n = len(bars)
    cache = cache if cache is not None else StageCache(enabled=False)
    with timings.stage("mqscore"):
        mq = cache.get("mqscore", series_key, lambda: mqscore(bars))

    def _signals() -> tuple[Any, np.ndarray | None]:
        s = signals(bars, strategy_selection(cfg))
        b = None
        if want_baseline and "sma_crossover" in cfg.run.baselines:
            b = np.asarray(signals(bars, ["sma_crossover"]).signal[:, 0], dtype=np.int8)
        return s, b

    with timings.stage("signals"):
        sig, base = cache.get("signals", config_key(cfg.to_dict(), SIGNAL_KEYS, series_key, want_baseline), _signals)
    with timings.stage("layers"):
        names = tuple(sig.names)
        groups = tuple(getattr(REGISTRY.get(s), "group", "user") for s in names)
        vol_f, vol_s, dq, anomaly = rule_scores_nb(bars.open, bars.high, bars.low, bars.close, bars.volume,
                                                   LAMBDA_FAST, LAMBDA_SLOW)
        regime_names = list(REGIME_NAMES)
        inputs = {
            "composite": mq.composite,
            "liquidity": mq.liquidity,
            "regime": mq.regime.astype(np.int8),
            "in_session": session_mask(bars.ts, calendar),
            "ready": np.arange(n) >= cfg.run.warmup_bars,
            "dq_rule": dq,
            "vol_rule": vol_f,
            "vol_ref": vol_s,
            "anomaly_rule": anomaly,
            "signal": sig.signal,
            "confidence": sig.confidence,
        }
        meta = {
            "symbol": bars.symbol,
            "timeframe": bars.timeframe,
            "regime_names": regime_names,
            "crisis_codes": (regime_names.index("HIGH_VOLATILITY_LOW_LIQUIDITY"),),
            "trend_codes": tuple(regime_names.index(r) for r in TREND_REGIMES),
            "low_quality_codes": tuple(regime_names.index(r) for r in LOW_QUALITY_REGIMES),
            "strategy_names": names,
            "strategy_groups": list(groups),
            "risk": cfg.risk,
            "bars_per_day": NS_PER_DAY / timeframe_ns(bars.timeframe),
        }
        bound = models.bind(bars, mq, sig) if models is not None else None
        chain = run_chain(inputs, layer_list(cfg), models=bound, meta=meta)
        idx = chain.idx
        target = np.asarray(chain.store.get("target", idx), dtype=np.float64) if len(idx) else np.zeros(0)
        contrib = (np.asarray(chain.store.get("contrib", idx), dtype=np.float32) if len(idx)
                   else np.zeros((0, len(names)), np.float32))
        fired, conf_ok = strategy_counts_nb(sig.signal, sig.confidence, np.isfinite(mq.composite),
                                            float(cfg.layers.signals.min_confidence))
        regime_used = chain.store.full("regime", fill=-1).astype(np.int8) if chain.store.has("regime") else inputs["regime"]
        if bound is not None:
            bound.release()
        alt = {}
        for vname, vmodels in (variants or {}).items():  # MQScore and signals once; only the layers run again
            vb = vmodels.bind(bars, mq, sig) if vmodels is not None else None
            vc = run_chain({k: np.array(v, copy=True) for k, v in inputs.items()}, layer_list(cfg), models=vb, meta=meta)
            vidx = vc.idx
            alt[vname] = SymbolRun(
                symbol=bars.symbol, timeframe=bars.timeframe, bars=bars, n=n, decision_idx=vidx,
                decision_target=np.asarray(vc.store.get("target", vidx), dtype=np.float64) if len(vidx) else np.zeros(0),
                contrib=(np.asarray(vc.store.get("contrib", vidx), dtype=np.float32) if len(vidx)
                         else np.zeros((0, len(names)), np.float32)),
                reason=vc.reason, passed=vc.passed, notes=vc.notes, strategy_names=names, strategy_groups=groups,
                fired=fired, passed_filter=conf_ok.astype(np.int64), composite=mq.composite, regime=inputs["regime"],
                baseline_signal=None, rows_scored=dict(vb.rows_scored) if vb is not None else {})
            if vb is not None:
                vb.release()
    return SymbolRun(
        symbol=bars.symbol, timeframe=bars.timeframe, bars=bars, n=n, decision_idx=idx, decision_target=target,
        contrib=contrib, reason=chain.reason, passed=chain.passed, notes=chain.notes, strategy_names=names,
        strategy_groups=groups, fired=fired, passed_filter=conf_ok.astype(np.int64), composite=mq.composite,
        regime=np.where(regime_used >= 0, regime_used, inputs["regime"]).astype(np.int8), baseline_signal=base,
        rows_scored=dict(bound.rows_scored) if bound is not None else {}, variants=alt,
    )
