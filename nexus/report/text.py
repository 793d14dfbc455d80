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
    stats = headline_stats(res.stats, only=not full)
    out.append(section("Performance (books beside their baselines on the same data and costs)", text_table(stats)))
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


__all__ = ["summary_text", "headline_stats", "fmt"]
