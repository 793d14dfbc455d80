"""``backtest(config)``: the whole pipeline over every book, ending in a BacktestResult.

Stages (timed; printed when ``run.progress``): data, mqscore, signals,
inference, layers, simulation, baselines. Books are independent: the default
config has the multi-asset book (five crypto pairs at 1m and NQ 5m on the
minute clock, shared cash) and NQ 1h and NQ 1d as single-instrument books,
so every bar of the default store is used.

>>> import nexus as nx
>>> res = nx.backtest("backtest.toml")                            # doctest: +SKIP
>>> res = nx.backtest({"run": {"store": "data/bars"}}, start="2026-06-01")  # doctest: +SKIP
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from nexus.errors import ConfigError, StoreError
from nexus.metrics import daily_returns
from nexus.metrics.relative import relative_stats
from nexus.mqscore.config import REGIME_NAMES
from nexus.pipeline import attribution as A
from nexus.pipeline.book import BookRun, baseline_targets, build_clock, use_contract_prices
from nexus.pipeline.cache import DATA_KEYS, STAGE_KEYS, StageCache, config_key
from nexus.pipeline.layers.execution import EXIT_NAMES, execute, targets_of
from nexus.pipeline.config import BacktestConfig, book_instruments
from nexus.pipeline.funnel import reason_table, series_funnel, funnel_table
from nexus.pipeline.manifest import build_manifest
from nexus.pipeline.modelset import ModelSet
from nexus.pipeline.progress import Timings
from nexus.pipeline.result import BacktestResult, BaselineResult, BookResult
from nexus.pipeline.segments import oos_start_ns, split_record
from nexus.pipeline.symbol import run_symbol

FILL_MODELS = ("aggressive", "realistic", "conservative")
ROLL = 10  # enums.Reason.roll: the two legs of a futures roll


def resolve_config(config: Any = None, overrides: Mapping[str, Any] | list[str] | None = None) -> BacktestConfig:
    if config is None:
        return BacktestConfig.from_dict({}, source="<defaults>", overrides=overrides)
    if isinstance(config, BacktestConfig):
        return config.with_overrides(overrides) if overrides else config
    if isinstance(config, (str, Path)):
        return BacktestConfig.from_toml(config, overrides)
    if isinstance(config, Mapping):
        return BacktestConfig.from_dict(config, overrides=overrides)
    raise ConfigError(f"backtest(config): expected a BacktestConfig, a TOML path or a dict, got {type(config).__name__}")


def backtest(config: Any = None, *, overrides: Mapping[str, Any] | list[str] | None = None, store: Any = None,
             echo: bool | None = None, functions: Mapping[str, Any] | None = None,
             models_required: bool = False, allow_fallback: bool = False,
             cache: StageCache | None = None, ablate: bool = False) -> BacktestResult:
    """Run the eight-layer pipeline over every book of ``config`` (a BacktestConfig, TOML path or dict).

    ``functions`` replaces layers by name (``{"risk": fn}``, ``fn(ctx) -> LayerOutput``).
    ``models_required=True`` (what ``nexus backtest --models DIR`` passes) makes
    a missing or empty registry and a refused model an error;
    ``allow_fallback=True`` then lets a refused model's slot run its rule.
    Without it a missing registry means rule fallbacks, as documented. ``cache``
    (a :class:`nexus.pipeline.cache.StageCache`) shares stages with earlier runs whose configs agree on
    every key the stage reads (what a pipeline sweep passes); without it every stage is computed.
    With a walk-forward registry every book also runs with every slot on its
    rule over the same bars (the ``rules`` variant of its out-of-sample
    window); ``ablate=True`` adds one run per slot in use with that slot alone
    on its rule.
    """
    cfg = resolve_config(config, overrides)
    if functions:
        unknown = sorted(set(functions) - {"quality", "signals", "meta", "aggregate", "governance", "risk", "sizing"})
        if unknown:
            raise ConfigError(f"backtest(functions=...): unknown layer(s) {unknown}; replaceable: quality, signals, meta, "
                              "aggregate, governance, risk, sizing")
        cfg.functions = {**cfg.functions, **functions}
    timings = Timings(echo=cfg.run.progress if echo is None else echo)
    from nexus.data.store import BarStore

    bar_store = store if store is not None else BarStore(cfg.run.store)
    if isinstance(bar_store, (str, Path)):
        bar_store = BarStore(bar_store)
    _check_store(bar_store, cfg)
    cache = cache if cache is not None else StageCache(enabled=False)
    models = ModelSet(cfg.run.models, cfg.run.use_models, timings,
                      required=bool(models_required and cfg.run.use_models), allow_fallback=allow_fallback)
    usable = [s for s, v in models.status.items() if v == "model"]
    timings.say(f"models: {len(usable)} of {len(models.status)} slots trained and usable"
                + (f" ({', '.join(usable)})" if usable else "; every layer runs its rule fallback"))
    books: dict[str, BookResult] = {}
    notes: dict[str, str] = {}
    datasets: dict[str, int] = {}
    variants: dict[str, Any] = {}
    if models.folds and models.models:
        variants["rules"] = ModelSet(None, use_models=False)
        if ablate:
            variants.update({f"without {slot}": models.without(slot) for slot in models.models})
    for book in cfg.books:
        run = _run_book(book, cfg, bar_store, models, timings, cache, variants)
        if run is None:
            notes[f"book {book.name}"] = "skipped: no bars of its clock series in the period"
            continue
        for r in run.runs:
            notes.update(r.notes)
            datasets[f"{r.symbol}/{r.timeframe}"] = r.n
        books[book.name] = summarize_book(run, cfg, timings)
    if not books:
        raise ConfigError(f"{cfg.source}: no book has bars between {cfg.run.start or 'the start'} and "
                          f"{cfg.run.end or 'the end'}; widen [run] start/end")
    if "inference" in timings.seconds and "layers" in timings.seconds:
        timings.seconds["layers"] = max(0.0, timings.seconds["layers"] - timings.seconds["inference"])
    try:
        fp = bar_store.fingerprint()
    except Exception as exc:  # a fingerprint is a record, not a reason to fail the run
        fp = f"unavailable ({exc})"
    manifest = build_manifest(cfg, fp, models, datasets)
    from nexus.data.provenance import series_source

    manifest["data_sources"] = {k: series_source(bar_store, *k.split("/")) for k in datasets}
    total = sum(datasets.values())
    timings.say(f"pipeline done: {total:,} bars in {timings.total:.1f} s  ("
                + "  ".join(f"{k} {v:.1f}" for k, v in timings.table()) + ")")
    return BacktestResult(books=books, config=cfg, manifest=manifest, timings=dict(timings.seconds),
                          models=dict(models.status), layer_notes=notes, folds=models.fold_rows())


def _check_store(store: Any, cfg: BacktestConfig) -> None:
    for book in cfg.books:
        for sym, tf in book.parsed():
            if not store.has(sym, tf):
                have = ", ".join(f"{s}/{t}" for s in store.symbols() for t in store.timeframes(s)) or "nothing"
                raise StoreError(f"{cfg.source}: book {book.name!r} needs {sym}/{tf}, which the store at "
                                 f"{getattr(store, 'root', '?')} does not hold (it has: {have}); run `nexus data synth` "
                                 "or fix [[books]] symbols")


def _functions_key(cfg: BacktestConfig) -> str:
    return ",".join(f"{k}={getattr(f, '__module__', '')}.{getattr(f, '__qualname__', repr(f))}"
                    for k, f in sorted(cfg.functions.items()))


def book_clock(runs: list, insts: list, store: Any, clock: str, trade_start: str = "") -> Any:
    """The book's clock, futures priced in their contracts (layer 8's inputs); no decision acts on a row
    before ``trade_start`` (``run.trade_start``: those rows are warm-up)."""
    ck = build_clock(runs, clock, [i.calendar for i in insts])
    use_contract_prices(ck, runs, insts, store, clock)
    if trade_start:
        from nexus.data.timeframes import to_utc_ns

        ck.decision[ck.clock_ts < to_utc_ns(trade_start, what="run.trade_start")] = np.nan
    return ck


def _run_book(book: Any, cfg: BacktestConfig, store: Any, models: ModelSet, timings: Timings,
              cache: StageCache, variants: dict[str, Any] | None = None) -> BookRun | None:
    runs = []
    insts = []
    start = cfg.run.start or None
    end = cfg.run.end or None
    resolved = cfg.to_dict()
    symbol_keys = []
    series_keys = []
    book_insts = book_instruments(book, f"{cfg.source}: book {book.name!r} instruments", cfg.costs.instrument_fees)
    for sym, tf in book.parsed():
        t0 = time.perf_counter()
        series_key = config_key(resolved, DATA_KEYS, f"{sym}/{tf}", getattr(store, "root", id(store)))
        with timings.stage("data"):
            bars = cache.get("data", series_key, lambda: store.read(sym, tf, start=start, end=end))
        if len(bars) == 0:
            timings.say(f"{book.name:<8s} {sym + '/' + tf:<12s} no bars between {start or 'the start'} and "
                        f"{end or 'the end'}: skipped")
            continue
        inst = book_insts[sym]
        insts.append(inst)
        before = dict(timings.seconds)
        symbol_key = config_key(resolved, STAGE_KEYS["signals"] + STAGE_KEYS["symbol"], series_key, _functions_key(cfg))
        symbol_key = f"{symbol_key}|variants={','.join(variants or {})}"  # a cached run holds the variants it was run with
        symbol_keys.append(symbol_key)
        series_keys.append(series_key)
        runs.append(cache.get("symbol", symbol_key, lambda: run_symbol(bars, cfg, models, timings, calendar=inst.calendar,
                                                                        cache=cache, series_key=series_key,
                                                                        variants=variants)))
        r = runs[-1]
        split = {k: timings.seconds.get(k, 0.0) - before.get(k, 0.0) for k in ("mqscore", "signals", "inference", "layers")}
        split["layers"] -= split["inference"]  # inference runs inside the layers
        parts = "  ".join(f"{k} {v:5.2f}" for k, v in split.items() if v > 0.005)
        timings.say(f"{book.name:<8s} {sym + '/' + tf:<12s} {len(bars):>9,} bars -> {len(r.decision_idx):>7,} decisions"
                    f"  {time.perf_counter() - t0:6.2f} s  ({parts})")
    if not runs or not any(r.timeframe == book.clock for r in runs):
        return None
    clock_key = config_key(resolved, STAGE_KEYS["clock"], book.clock, *symbol_keys)
    with timings.stage("layers"):
        ck = cache.get("clock", clock_key, lambda: book_clock(runs, insts, store, book.clock, cfg.run.trade_start))
    names = [r.symbol for r in runs]
    t0 = time.perf_counter()
    # a book's own instrument costs belong to its simulations' keys (two books may share everything else)
    costs = [(i.maker_fee, i.taker_fee, i.commission_per_contract, i.exchange_fee_per_contract) for i in insts]
    sim_key = config_key(resolved, STAGE_KEYS["simulation"], clock_key, book.capital, costs)
    with timings.stage("simulation"):
        sim = cache.get("simulation", sim_key, lambda: execute(ck, cfg, book.capital, insts, book.clock))
    t1 = time.perf_counter()
    pf = sim.pf
    targets = targets_of(sim, ck.decision, book.capital)
    sensitivity = {}
    if cfg.costs.fill_sensitivity:
        with timings.stage("simulation"):
            for fm in FILL_MODELS:
                sensitivity[fm] = sim if fm == sim.fill else execute(ck, cfg, book.capital, insts, book.clock, fill=fm)
    t2 = time.perf_counter()
    bases = {}
    with timings.stage("baselines"):
        # buy and hold is also the benchmark of the relative statistics, so it runs even when not listed
        for kind in dict.fromkeys([*cfg.run.baselines, "buy_and_hold"]):
            # baselines read the prices on the clock and the bars' own SMA signal, never the layers' decisions
            bases[kind] = cache.get("baselines", config_key(resolved, STAGE_KEYS["baselines"], book.clock, kind,
                                                            book.capital, costs, *series_keys),
                                    lambda: execute(ck, cfg, book.capital, insts, book.clock,
                                                    decision=baseline_targets(ck, runs, kind), rules=False).pf)
    timings.say(f"{book.name:<8s} {len(ck.clock_ts):,} clock rows x {len(runs)}: {len(pf.orders):,} orders  "
                f"simulation {t1 - t0:5.2f} s  fill models {t2 - t1:5.2f} s  baselines {time.perf_counter() - t2:5.2f} s")
    series = [f"{r.symbol}/{r.timeframe}" for r in runs]
    listed = {k: bases[k] for k in cfg.run.baselines}
    oos = models.oos_start(series) if models.folds else oos_start_ns(models.models, series)
    alt = {}
    for vname in variants or {}:
        with timings.stage("variants"):
            vruns = [r.variants[vname] for r in runs]
            vck = book_clock(vruns, insts, store, book.clock, cfg.run.trade_start)
            vsim = execute(vck, cfg, book.capital, insts, book.clock)
            alt[vname] = (vruns, vck, targets_of(vsim, vck.decision, book.capital), vsim.pf)
    window = {}
    if alt and oos is not None:
        with timings.stage("variants"):
            window = _window_runs(ck, runs, alt, listed, oos, cfg, book.capital, insts, book.clock)
    return BookRun(book.name, names, series, book.capital, runs, ck, targets, pf, sim, sensitivity, listed, insts, oos,
                   benchmark=bases["buy_and_hold"], variants=alt, window=window)


def _window_runs(ck: Any, runs: list, alt: dict[str, Any], listed: dict[str, Any], start_ns: int, cfg: BacktestConfig,
                 capital: float, insts: list, clock: str) -> dict[str, tuple[Any, np.ndarray]]:
    """Every out-of-sample variant simulated from ``capital`` at the window's start (see ``oos.from_window``)."""
    from nexus.pipeline.oos import from_window

    out = {"models": (execute(ck, cfg, capital, insts, clock, decision=from_window(ck.decision, ck.clock_ts, start_ns)).pf,
                      ck.clock_ts)}
    for vname, (_vr, vck, _vt, _vpf) in alt.items():
        dec = from_window(vck.decision, vck.clock_ts, start_ns)
        out[vname] = (execute(vck, cfg, capital, insts, clock, decision=dec).pf, vck.clock_ts)
    for kind in listed:
        dec = from_window(baseline_targets(ck, runs, kind), ck.clock_ts, start_ns, carry=True, tradable=ck.tradable)
        out[f"baseline {kind}"] = (execute(ck, cfg, capital, insts, clock, decision=dec, rules=False).pf, ck.clock_ts)
    return out


# ----------------------------------------------------------------- summaries
def _series(values: np.ndarray, ts: np.ndarray, name: str) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=np.float64), index=pd.to_datetime(ts, utc=True), name=name)


def _daily(equity: pd.Series, capital: float) -> pd.Series:
    day_ts, r = daily_returns(equity.to_numpy(np.float64), equity.index.as_unit("ns").asi8, capital)
    return pd.Series(r, index=pd.to_datetime(day_ts, utc=True), name="daily_return")


def _year_days(run: Any) -> float | None:
    """365 when any instrument of the book trades around the clock, 252 for exchange calendars.

    The instrument's calendar decides, not the weekday of the bars: CME's week opens on Sunday
    evening, so NQ has weekend bars without being a 365-day market.
    """
    cals = [getattr(i, "calendar", None) for i in getattr(run, "instruments", [])]
    if not cals or any(c is None for c in cals):
        return None
    return 365.0 if any(c == "24/7" for c in cals) else 252.0


def _stats(pf: Any, year_days: float | None = None, benchmark: tuple[np.ndarray, np.ndarray] | None = None,
           ts: np.ndarray | None = None, capital: float | None = None) -> pd.Series:
    """The simulator's stats of the book's first column; the basis is its own row, so books on
    365-day (crypto) and 252-day (futures) calendars line up in one table. With ``benchmark``
    (day starts and daily returns of the buy-and-hold baseline) the benchmark-relative statistics follow."""
    s = pf.stats(year_days=year_days)
    s = s.iloc[:, 0] if isinstance(s, pd.DataFrame) else s
    if benchmark is not None:
        day_ts, r = daily_returns(_value(pf), ts, capital)
        if not np.array_equal(day_ts, benchmark[0]):
            raise ValueError("benchmark days differ from the book's days")  # same clock: cannot happen
        ppy = float(s.get("Annualisation [days/year]", year_days or 365.0))
        rel = relative_stats(r, benchmark[1], ppy)
        s = pd.concat([s, pd.Series({k: float(v[0]) for k, v in rel.items()})])
    return s


def _costs(pf: Any, capital: float, sim: Any = None) -> dict[str, float]:
    """The book's costs: fees (split into commission and exchange fees when the simulator recorded
    the split), slippage (the spread model's part as ``spread``), funding, rolls."""
    o = pf.orders
    fees = float(o["fees"].sum()) if len(o) else 0.0
    slip = float(o["slippage"].sum()) if len(o) else 0.0
    tr = pf.trades
    value = np.asarray(pf.value).reshape(len(pf.value), -1)[:, 0]
    pnl = float(tr["pnl"].sum()) if len(tr) else 0.0
    # trade P&L is net of fees; whatever else moved the value is funding
    funding = float(value[-1] - capital - pnl)
    out = {"fees": round(fees, 6), "slippage": round(slip, 6), "funding": round(funding, 6),
           "total": round(fees + slip + max(0.0, -funding), 6)}
    if sim is not None:
        f = sim.fills
        spread = sim.slippage_model == "spread"
        out.update({"commission": round(float(f["commission"].sum()), 6),
                    "exchange fees": round(float(f["exchange_fees"].sum()), 6),
                    "spread": round(slip if spread else 0.0, 6), "slippage": round(0.0 if spread else slip, 6),
                    "roll": round(float((f["fees"] + f["slippage"])[f["reason"] == ROLL].sum()), 6)})
    return out


def _value(pf: Any) -> np.ndarray:
    v = np.asarray(pf.value)
    return v if v.ndim == 1 else v[:, 0]


def _exit_names(tr: np.ndarray) -> list[str]:
    """Why each trade ended: the reason the simulator recorded on the order that closed it."""
    from nexus.portfolio.enums import Reason

    return [EXIT_NAMES[Reason._fields[int(r)]] if st == 1 else "open" for r, st in zip(tr["exit_reason"], tr["status"])]


def _trade_frame(pf: Any, run: BookRun, shares: np.ndarray, strategy_names: tuple[str, ...], fill_lag: int) -> pd.DataFrame:
    from nexus.portfolio.enums import TradeDirection, TradeStatus

    tr = pf.trades
    ts = run.clock.clock_ts
    n = len(ts)
    lead = np.array([strategy_names[i] if s.sum() > 0 else "" for i, s in zip(shares.argmax(axis=1), shares)]
                    if len(shares) and len(strategy_names) else [""] * len(tr), dtype=object)
    exit_idx = np.clip(tr["exit_idx"], 0, n - 1)
    return pd.DataFrame({
        "symbol": [run.symbols[c] for c in tr["col"]],
        "direction": [TradeDirection._fields[d] for d in tr["direction"]],
        "status": [TradeStatus._fields[s] for s in tr["status"]],
        "entry_time": pd.to_datetime(ts[np.clip(tr["entry_idx"], 0, n - 1)], utc=True),
        "exit_time": pd.to_datetime(ts[exit_idx], utc=True),
        "size": tr["size"],
        "entry_price": tr["entry_price"],
        "exit_price": tr["exit_price"],
        "pnl": tr["pnl"],
        "return_pct": tr["return"] * 100.0,
        "fees": tr["fees"],
        "slippage": tr["slippage"],
        "duration_bars": tr["duration"],
        "exit_reason": _exit_names(tr),
        "lead_strategy": lead,
    })


def _symbol_stats(pf: Any, run: BookRun) -> pd.DataFrame:
    tr = pf.trades
    o = pf.orders
    rows = {}
    for j, key in enumerate([f"{r.symbol}/{r.timeframe}" for r in run.runs]):
        t = tr[tr["col"] == j]
        oo = o[o["col"] == j]
        closed = t[t["status"] == 1]
        rows[key] = {
            "bars": run.runs[j].n,
            "decisions": len(run.runs[j].decision_idx),
            "orders": len(oo),
            "trades": len(t),
            "win rate [%]": float((closed["pnl"] > 0).mean() * 100) if len(closed) else float("nan"),
            "pnl": float(t["pnl"].sum()) if len(t) else 0.0,
            "return contribution [%]": float(t["pnl"].sum() / run.capital * 100) if len(t) else 0.0,
            "avg trade [%]": float(t["return"].mean() * 100) if len(t) else float("nan"),
            "fees": float(oo["fees"].sum()) if len(oo) else 0.0,
            "slippage": float(oo["slippage"].sum()) if len(oo) else 0.0,
        }
        sim = run.sim
        if sim is not None:  # quantity (contracts for futures), the fee split, order outcomes
            f = sim.fills[sim.fills["col"] == j]
            lim = sim.limits[sim.limits["col"] == j]
            spread = sim.slippage_model == "spread"
            rows[key].update({
                "quantity traded": float(f["size"].sum()),
                "commission": float(f["commission"].sum()),
                "exchange fees": float(f["exchange_fees"].sum()),
                "fees per unit": float(f["fees"].sum() / f["size"].sum()) if len(f) else float("nan"),
                "spread": float(f["slippage"].sum()) if spread else 0.0,
                "slippage": 0.0 if spread else float(f["slippage"].sum()),
                "funding": float(sim.funding_paid[j]),
                "roll": float((f["fees"] + f["slippage"])[f["reason"] == ROLL].sum()),
                "rolls": int((f["reason"] == ROLL).sum() // 2),
                # limit and stop-limit fills, less the crossed ones (one taker fill each)
                "maker fills": int(np.isin(f["order_type"], (1, 3)).sum() - (lim["status"] == 4).sum()),
                "stop fills": int((f["order_type"] == 2).sum()),
                "partial fills": int((f["status"] == 1).sum()),
                "limit orders": len(lim),
                "limits filled": int((lim["status"] == 0).sum()),
                "limits cancelled": int((lim["status"] == 2).sum()),
                "limits expired": int((lim["status"] == 3).sum()),
                "limits crossed": int((lim["status"] == 4).sum()),
            })
    df = pd.DataFrame(rows).T
    df.index.name = "series"
    return df


def _sensitivity(run: BookRun, year_days: float | None) -> pd.DataFrame:
    """The same decisions under each fill model: how much of the result the fill assumption carries."""
    rows = {}
    for fm, sim in run.sensitivity.items():
        st = _stats(sim.pf, year_days)
        rows[fm] = {"Total Return [%]": float(st.get("Total Return [%]", np.nan)),
                    "Sharpe Ratio": float(st.get("Sharpe Ratio", np.nan)),
                    "Max Drawdown [%]": float(st.get("Max Drawdown [%]", np.nan)),
                    "orders": len(sim.fills), "fees": float(sim.fills["fees"].sum()),
                    "slippage": float(sim.fills["slippage"].sum())}
    df = pd.DataFrame(rows).T
    df.index.name = "fill model"
    return df


def _mq_plot(run: BookRun, max_points: int) -> dict[str, np.ndarray]:
    r = run.runs[0]
    step = max(1, r.n // max_points)
    sl = slice(None, None, step)
    return {"series": np.array([f"{r.symbol}/{r.timeframe}"]), "ts": r.bars.ts[sl], "close": r.bars.close[sl],
            "composite": r.composite[sl], "regime": r.regime[sl], "regime_names": np.array(REGIME_NAMES)}


def summarize_book(run: BookRun, cfg: BacktestConfig, timings: Timings) -> BookResult:
    with timings.stage("report"):
        pf = run.pf
        ts = run.clock.clock_ts
        equity = _series(_value(pf), ts, run.name)
        drawdown = (equity / equity.cummax() - 1.0).rename("drawdown")
        tr = pf.trades
        names = run.runs[0].strategy_names
        fill_lag = 0 if run.sim is not None and run.sim.fill == "aggressive" else 1
        shares = A.trade_shares(tr["entry_idx"], tr["col"], run.targets.target, run.clock.decision_rows,
                                [r.contrib for r in run.runs], fill_lag) if len(names) else np.zeros((len(tr), 0))
        pnl_share, trade_share = A.split_pnl(np.asarray(tr["pnl"], dtype=np.float64), shares) if len(tr) else (
            np.zeros(len(names)), np.zeros(len(names)))
        dec_share = sum(r.contrib.sum(axis=0) for r in run.runs)
        attribution = A.attribution_table(names, run.runs[0].strategy_groups, sum(r.fired for r in run.runs),
                                          sum(r.passed_filter for r in run.runs), np.asarray(dec_share, dtype=np.float64),
                                          trade_share, pnl_share)
        per_series = {}
        reasons = {}
        for j, r in enumerate(run.runs):
            key = f"{r.symbol}/{r.timeframe}"
            rows = run.clock.decision_rows[j]
            ok = rows >= 0
            book_reason = np.zeros(len(rows), np.uint8)
            book_reason[ok] = run.targets.reason[rows[ok], j]
            codes = r.reason.copy()
            codes[r.decision_idx] = book_reason
            reasons[key] = codes
            accepted = int((ok & (book_reason == 0)).sum())
            per_series[key] = series_funnel(r.n, r.passed, accepted, int((pf.orders["col"] == j).sum()),
                                            int((tr["col"] == j).sum()))
        trade_frame = _trade_frame(pf, run, shares, names, fill_lag)
        bases = {}
        year_days = _year_days(run)
        bench = daily_returns(_value(run.benchmark), ts, run.capital)
        for kind, bpf in run.baselines.items():
            bases[kind] = BaselineResult(kind, _series(_value(bpf), ts, kind), _stats(bpf, year_days, bench, ts, run.capital),
                                         len(bpf.trades), _costs(bpf, run.capital), bpf)
        oos = None
        if run.variants and run.oos_start_ns is not None:
            from nexus.pipeline.oos import entered_after, oos_summary

            eq, ntr = {}, {}
            for vname, (wpf, wts) in run.window.items():
                eq[vname] = _series(_value(wpf), wts, vname)
                ntr[vname] = entered_after(wpf, wts, run.oos_start_ns)
            vruns = {"models": run.runs, **{vname: v[0] for vname, v in run.variants.items()}}
            oos = oos_summary(eq, ntr, vruns, run.oos_start_ns, run.capital, year_days, seed=cfg.run.seed)
        return BookResult(
            name=run.name, oos=oos, series=run.series, capital=run.capital, equity=equity, drawdown=drawdown,
            segments=split_record(equity, trade_frame, run.oos_start_ns, run.capital, year_days,
                                  benchmark=_series(_value(run.benchmark), ts, "buy_and_hold")),
            daily_returns=_daily(equity, run.capital), stats=_stats(pf, year_days, bench, ts, run.capital), symbol_stats=_symbol_stats(pf, run),
            trades=trade_frame, costs=_costs(pf, run.capital, run.sim),
            fill_sensitivity=_sensitivity(run, year_days),
            funnel=funnel_table(per_series), reasons=reason_table(reasons), attribution=attribution,
            baselines=bases, mq_plot=_mq_plot(run, cfg.report.max_points),
            equity_estimate_final=float(run.targets.equity[-1]) if len(run.targets.equity) else 1.0,
            ts=ts, targets=run.targets.target, portfolio=pf, decision=run.clock.decision, sim=run.sim,
        )
