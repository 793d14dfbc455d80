"""The text summary of a backtest: aligned tables, printed at the end of ``nexus backtest``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from nexus.report.tables import fmt, text_table

HEADLINE = ("Total Return [%]", "CAGR [%]", "Volatility (ann.) [%]", "Sharpe Ratio", "Sortino Ratio",
            "Calmar Ratio", "Max Drawdown [%]", "Total Trades", "Win Rate [%]", "Profit Factor", "Exposure [%]",
            "Fees Paid [$]", "Slippage Paid [$]", "End Value", "Annualisation [days/year]")


def headline_keys(index) -> list[str]:
    """Stats keys matching the headline names, in headline order."""
    keys = {str(k) for k in index}
    return [h for h in HEADLINE if h in keys]


def headline_stats(stats: pd.DataFrame, only: bool = False) -> pd.DataFrame:
    """The stats rows a reader looks at first (those present), then the rest unless ``only``."""
    first = headline_keys(stats.index)
    rest = [] if only else [k for k in stats.index if k not in first]
    return stats.loc[first + rest]


def section(title: str, body: str) -> str:
    return f"{title}\n{'-' * len(title)}\n{body}\n"


def source_lines(man: dict) -> list[str]:
    """Header lines naming each series' data source, and a warning when any is synthetic."""
    sources = man.get("data_sources") or {}
    lines = [f"data source  {k}: {v}" for k, v in sources.items()]
    if any(v.startswith("synthetic") for v in sources.values()):
        lines.append("SYNTHETIC DATA: at least one series is generated, not traded; these figures test the machinery, not a market")
    return [("\n".join(lines) + "\n")] if lines else []


def summary_text(res: Any, full: bool = False) -> str:
    cfg = res.config
    man = res.manifest
    total = sum(man.get("datasets", {}).values())
    out = [f"nexus backtest  profile={cfg.profile}  config={cfg.source}  bars={total:,}  "
           f"data={str(man.get('data_fingerprint', ''))[:12]}  commit={str(man.get('git_commit') or '-')[:10]}\n"]
    out.extend(source_lines(man))
    for name, book in res.books.items():
        o = getattr(book, "oos", None)
        if o is None:
            continue
        cols = [c for c in o["table"].columns if c not in ("sharpe_lo", "sharpe_hi", "sortino_lo", "sortino_hi")]
        title = (f"OUT OF SAMPLE {name}: {o['start']:%Y-%m-%d} .. {o['end']:%Y-%m-%d} (every decision by a model trained "
                 "before it or by a rule; same bars, data and costs; 95 % stationary-bootstrap intervals)")
        out.append(section(title, text_table(o["table"][cols])))
        if o.get("note"):
            out.append(f"NOTE: {o['note']}\n")
            out.append(section(f"Funnels out of sample: {name} (models beside rules)", text_table(o["funnels"])))
        if o.get("ablation") is not None:
            ab = o["ablation"][[c for c in o["ablation"].columns if c not in ("diff_lo", "diff_hi")]]
            out.append(section(f"Ablation {name}: Sharpe of the full run minus the run with one slot on its rule", text_table(ab)))
    stats = headline_stats(res.stats, only=not full)
    stats = pd.concat([stats, interval_rows(res, stats.columns)])
    title = "Performance (books beside their baselines on the same data and costs)"
    if any(getattr(b, "oos", None) is not None for b in res.books.values()):
        title = "Whole span: includes the IN-SAMPLE span before the out-of-sample window (not the headline)"
    out.append(section(title, text_table(stats)))
    for name, book in res.books.items():
        if getattr(book, "fill_sensitivity", None) is not None and len(book.fill_sensitivity):
            out.append(section(f"Fill models: {name} (the same decisions under each fill assumption)",
                               text_table(book.fill_sensitivity)))
    per = res.symbol_stats.copy()
    per.index = [f"{book}: {series}" for book, series in per.index]
    per.index.name = "book: series"
    out.append(section("Per series", text_table(per)))
    costs = pd.DataFrame(res.costs).T
    costs.index.name = "book"
    out.append(section("Costs", text_table(costs)))
    for name, book in res.books.items():
        if getattr(book, "segments", None) is not None:
            out.append(section(f"Before and after the models take over: {name}", text_table(book.segments)))
    for name, book in res.books.items():
        out.append(section(f"Funnel: {name} (bars alive after each layer)", text_table(book.funnel)))
    reasons = pd.concat({n: b.reasons["total"] for n, b in res.books.items()}, axis=1).fillna(0).astype(int)
    reasons.index.name = "why bars stopped"
    out.append(section("Reasons (layer, code)", text_table(reasons)))
    att = res.attribution
    if len(att):
        out.append(section("Strategy attribution (trade P&L split by vote share)", text_table(att if full else att.head(20))))
    models = pd.DataFrame({"status": res.models}).rename_axis("model slot")
    out.append(section("Models", text_table(models)))
    notes = pd.DataFrame({"what ran": res.layer_notes}).rename_axis("component")
    out.append(section("Layer components", text_table(notes)))
    t = pd.DataFrame({"seconds": res.timings}).rename_axis("stage")
    t.loc["total"] = sum(res.timings.values())
    out.append(section("Timings", text_table(t.round(2))))
    return "\n".join(out)


def interval_rows(res: Any, columns: Any) -> pd.DataFrame:
    """``[lo, hi]`` rows (95 % stationary bootstrap of daily returns) for the Sharpe and Sortino of each column."""
    from nexus.metrics.bootstrap import bootstrap_intervals

    rows: dict[str, dict[str, str]] = {"Sharpe Ratio [lo, hi]": {}, "Sortino Ratio [lo, hi]": {}}
    for name, b in res.books.items():
        series = {name: b.equity, **{f"{name}:{k}": v.equity for k, v in b.baselines.items()}}
        year = b.stats.get("Annualisation [days/year]", 365.0)
        for col, eq in series.items():
            if col not in columns or len(eq) < 2:
                continue
            from nexus.metrics import daily_returns
            import numpy as np

            _, r = daily_returns(eq.to_numpy(np.float64), eq.index.as_unit("ns").asi8, float(b.capital))
            ci = bootstrap_intervals(r, float(year) if year == year else 365.0, n_boot=500, level=0.95, seed=0)
            for key, row in (("Sharpe Ratio", "Sharpe Ratio [lo, hi]"), ("Sortino Ratio", "Sortino Ratio [lo, hi]")):
                lo, hi = ci[key]
                rows[row][col] = f"[{lo:.2f}, {hi:.2f}]"
    return pd.DataFrame(rows).T.reindex(columns=columns)


__all__ = ["summary_text", "headline_stats", "fmt", "interval_rows"]
