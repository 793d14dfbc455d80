"""A single self-contained HTML tear sheet: every figure embedded as a base64 PNG, tables inline.

It opens from a file, e-mail or artifact store with nothing beside it.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import pandas as pd

from nexus.report.tables import fmt
from nexus.report.text import headline_stats, interval_rows

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:12px;margin:8px 0} th,td{border:1px solid #ddd;padding:3px 8px}
td{text-align:right} th{background:#f4f6f8;text-align:left} img{max-width:100%;border:1px solid #eee;margin:6px 0}
.meta{color:#666;font-size:12px} pre{font-size:11px;background:#f8f8f8;padding:8px;overflow:auto}
"""


def _table(df: pd.DataFrame) -> str:
    return df.map(fmt).to_html(escape=True, border=0)


def _img(name: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img alt="{html.escape(name)}" data-figure="{html.escape(name)}" src="data:image/png;base64,{data}"></figure>'


def _sources(man: dict) -> str:
    sources = man.get("data_sources") or {}
    rows = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in sources.items())
    warn = ("<p class='warn'><b>Synthetic data:</b> at least one series is generated, not traded; "
            "these figures test the machinery, not a market.</p>") if any(v.startswith("synthetic") for v in sources.values()) else ""
    return f"<div class='meta'>data sources<ul>{rows}</ul></div>{warn}" if rows else ""


def render_html(res: Any, pngs: dict[str, bytes]) -> str:
    cfg = res.config
    man = res.manifest
    total = sum(man.get("datasets", {}).values())
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>nexus backtest</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>nexus backtest</h1>",
        f"<div class='meta'>profile <b>{html.escape(cfg.profile)}</b> &middot; config {html.escape(str(cfg.source))} &middot; "
        f"{total:,} bars &middot; data {html.escape(str(man.get('data_fingerprint', ''))[:16])} &middot; "
        f"commit {html.escape(str(man.get('git_commit') or '-')[:10])} &middot; {html.escape(str(man.get('created', '')))}</div>",
        _sources(man),
    ]
    for name, b in res.books.items():
        o = getattr(b, "oos", None)
        if o is None:
            continue
        cols = [c for c in o["table"].columns if c not in ("sharpe_lo", "sharpe_hi", "sortino_lo", "sortino_hi")]
        parts.append(f"<h2>Out of sample {html.escape(name)}: {o['start']:%Y-%m-%d} .. {o['end']:%Y-%m-%d} "
                     "(models, rules only and baselines on the same bars; 95 % bootstrap intervals)</h2>")
        parts.append(_table(o["table"][cols]))
        if o.get("note"):
            parts.append(f"<p><b>Note:</b> {html.escape(o['note'])}</p>" + _table(o["funnels"]))
        if o.get("ablation") is not None:
            parts.append(f"<h3>Ablation {html.escape(name)}</h3>"
                         + _table(o["ablation"][[c for c in o["ablation"].columns if c not in ("diff_lo", "diff_hi")]]))
    stats = headline_stats(res.stats)
    stats = pd.concat([stats, interval_rows(res, stats.columns)])
    oos = any(getattr(b, "oos", None) is not None for b in res.books.values())
    parts += ["<h2>" + ("Whole span, including the IN-SAMPLE span before the out-of-sample window" if oos else
                        "Performance beside the baselines (same data, clock and costs)") + "</h2>", _table(stats)]
    order = ["equity_drawdown", "monthly_returns", "rolling_sharpe", "funnel", "mqscore_regimes", "attribution"]
    titles = {"equity_drawdown": "Equity and drawdown", "monthly_returns": "Monthly returns",
              "rolling_sharpe": "Rolling Sharpe", "funnel": "Layer funnel",
              "mqscore_regimes": "MQScore composite and regimes", "attribution": "Strategy attribution"}
    for name in order + [n for n in pngs if n not in order]:
        if name in pngs:
            parts.append(f"<h2>{html.escape(titles.get(name, name))}</h2>")
            parts.append(_img(name, pngs[name]))
    for name, b in res.books.items():
        if getattr(b, "fill_sensitivity", None) is not None and len(b.fill_sensitivity):
            parts.append(f"<h2>Fill models: {html.escape(name)}</h2>" + _table(b.fill_sensitivity))
    parts.append("<h2>Per series</h2>" + _table(res.symbol_stats))
    parts.append("<h2>Costs</h2>" + _table(pd.DataFrame(res.costs).T))
    for name, b in res.books.items():
        if getattr(b, "segments", None) is not None:
            parts.append(f"<h2>Before and after the models take over: {html.escape(name)}</h2>" + _table(b.segments))
    for name, b in res.books.items():
        parts.append(f"<h2>Funnel: {html.escape(name)}</h2>" + _table(b.funnel))
        parts.append(f"<h2>Why bars stopped: {html.escape(name)}</h2>" + _table(b.reasons))
    parts.append("<h2>Strategy attribution</h2>" + _table(res.attribution))
    parts.append("<h2>Models</h2>" + _table(pd.DataFrame({"status": res.models})))
    parts.append("<h2>Layer components</h2>" + _table(pd.DataFrame({"what ran": res.layer_notes})))
    parts.append("<h2>Timings [s]</h2>" + _table(pd.DataFrame({"seconds": res.timings}).round(2)))
    parts.append("<h2>Run manifest</h2><pre>" + html.escape(_manifest_text(man)) + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _manifest_text(man: dict) -> str:
    import json

    slim = {k: v for k, v in man.items() if k != "config"}
    return json.dumps(slim, indent=1, default=str)
