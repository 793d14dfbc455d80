"""Reports of a backtest: text summary, JSON, trade log, PNG figures, a self-contained HTML tear sheet.

>>> paths = write_report(res, "reports/")      # doctest: +SKIP
>>> paths["html"]                              # doctest: +SKIP
PosixPath('reports/report.html')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nexus.errors import ConfigError
from nexus.io.atomic import write_atomic


def write_report(res: Any, out: str | Path, *, figures: bool | None = None, html: bool | None = None) -> dict[str, Path]:
    """Write summary.txt, result.json, trades.parquet + trades.csv, PNGs and report.html into ``out``."""
    import io
    import json

    from nexus.report.json_report import result_dict
    from nexus.report.text import summary_text

    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"report folder {str(out)!r} cannot be created ({exc}); pass --out to a writable folder") from None
    figures = res.config.report.figures if figures is None else figures
    html = res.config.report.html if html is None else html
    paths: dict[str, Path] = {}
    paths["summary"] = write_atomic(out / "summary.txt", summary_text(res, full=True).encode())
    paths["json"] = write_atomic(out / "result.json", json.dumps(result_dict(res), indent=1, default=str, allow_nan=False).encode())
    trades = res.trades
    buf = io.BytesIO()
    trades.to_parquet(buf, index=False)
    paths["trades_parquet"] = write_atomic(out / "trades.parquet", buf.getvalue())
    paths["trades_csv"] = write_atomic(out / "trades.csv", trades.to_csv(index=False).encode())
    pngs: dict[str, bytes] = {}
    if figures or html:
        from nexus.report.figures import FIGURES, render_png

        for name, fn in FIGURES.items():
            pngs[name] = render_png(fn(res))
            if figures:
                paths[f"fig_{name}"] = write_atomic(out / f"{name}.png", pngs[name])
    if html:
        from nexus.report.html import render_html

        paths["html"] = write_atomic(out / "report.html", render_html(res, pngs).encode("utf-8"))
    return paths


__all__ = ["write_report"]
