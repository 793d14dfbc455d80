"""Reports of a backtest: text summary, JSON, trade log, PNG figures, a self-contained HTML tear sheet.

>>> paths = write_report(res, "reports/")      # doctest: +SKIP
>>> paths["html"]                              # doctest: +SKIP
PosixPath('reports/report.html')

The folder is written all or nothing: every file goes into a staging folder
beside ``out`` that replaces ``out`` in one rename (:mod:`nexus.io.atomic_dir`),
so a reader (or a run killed half way) finds the previous complete report or
the new one, never new ``result.json`` beside old ``report.html``. Because
the whole folder is replaced, ``out`` must be new, empty or an earlier nexus
report; a folder holding anything else is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nexus.errors import ConfigError
from nexus.io.atomic import write_atomic


REPORT_FILES = ("summary.txt", "result.json", "trades.parquet", "trades.csv", "report.html")


def _check_target(out: Path) -> None:
    """Refuse to replace a folder that holds anything but an earlier report (the swap would drop it)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"report folder {str(out)!r} is a file; pass --out to a folder")
    if not out.is_dir():
        return
    foreign = sorted(p.name for p in out.iterdir()
                     if not (p.is_file() and (p.name in REPORT_FILES or p.suffix == ".png" or p.name.startswith("."))))
    if foreign:
        raise ConfigError(
            f"report folder {str(out)!r} holds files that are not part of a nexus report ({', '.join(foreign[:3])}"
            f"{', ...' if len(foreign) > 3 else ''}); a report replaces its whole folder, so pass --out to a new or empty folder"
        )


def write_report(res: Any, out: str | Path, *, figures: bool | None = None, html: bool | None = None) -> dict[str, Path]:
    """Write summary.txt, result.json, trades.parquet + trades.csv, PNGs and report.html as folder ``out``, all at once."""
    from nexus.io.atomic_dir import staged_dir

    out = Path(out)
    _check_target(out)
    try:
        with staged_dir(out) as staging:
            paths = _write_files(res, staging, figures, html)
    except OSError as exc:
        raise ConfigError(f"report folder {str(out)!r} cannot be written ({exc}); pass --out to a writable folder") from None
    return {k: out / p.name for k, p in paths.items()}


def _write_files(res: Any, out: Path, figures: bool | None, html: bool | None) -> dict[str, Path]:
    import io
    import json

    from nexus.report.json_report import result_dict
    from nexus.report.text import summary_text

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


__all__ = ["write_report", "REPORT_FILES"]
