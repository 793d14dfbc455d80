"""Writing run records: every ``nexus backtest`` and ``nexus sweep`` leaves one folder.

Layout of ``<root>/<UTC time>-<short hash>/`` (``root`` defaults to ``runs``):

- ``run.json``: id, kind (backtest, sweep, walk_forward), created (UTC), source, the config as
  given (file, its tables, the overrides) and fully resolved, data fingerprint, model hashes and
  status, git commit, package versions, host, headline statistics, timings, and for sweeps the
  overfitting statistics and how much the shared stages saved;
- ``config.toml``: the resolved config (``nexus backtest --config`` runs it unchanged);
  for a sweep, ``best.toml`` is the best combination's;
- ``stats.parquet``: statistics, keys as rows, one column per book and baseline (a sweep:
  its best combination's books);
- ``equity.parquet``: every curve in long form (curve, ts, value);
- ``trades.parquet``: the trade log; a sweep adds ``results.parquet`` (every combination);
- ``orders.parquet`` (every fill: book, clock time, series and the simulator's fill record),
  ``limits.parquet`` (limit entries) and ``decisions.parquet`` (every decision on a book's clock
  with the simulator's rejection code, exit code and the weight held after it): what a paper
  session records too, so the two compare row for row (:func:`book_tables`);
- ``report/``: the report files when the run wrote any.

The short hash is the sha256 of the resolved config, the data fingerprint and the time.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from nexus.io.versions import git_commit, host, versions
from nexus.runs.folder import staged_run
from nexus.runs.store import Run, load, runs_root


def plain(v: Any) -> Any:
    """A JSON-safe copy: numpy scalars to Python, non-finite floats to None, containers walked."""
    if isinstance(v, Mapping):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date)):
        return v.isoformat()
    return v if isinstance(v, (int, float, str, bool, type(None))) else str(v)


def new_run_id(payload: str, now: _dt.datetime | None = None) -> tuple[str, str]:
    """(run id ``<YYYYmmddTHHMMSS.mmmZ>-<8 hex>``, created ISO time) for a run of ``payload``."""
    now = now or _dt.datetime.now(_dt.timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"
    short = hashlib.sha256(f"{payload}|{now.isoformat()}|{os.getpid()}".encode()).hexdigest()[:8]
    return f"{stamp}-{short}", now.isoformat(timespec="milliseconds")


def numeric_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Statistics tables as float columns (Parquet needs one type per column; text cells become NaN)."""
    out = df.apply(lambda c: pd.to_numeric(c, errors="coerce")).astype(np.float64)
    out.index = [str(i) for i in out.index]
    out.columns = [str(c) for c in out.columns]
    return out


def _equity_long(curves: Mapping[str, pd.Series]) -> pd.DataFrame:
    parts = [pd.DataFrame({"curve": name, "ts": s.index, "value": s.to_numpy(np.float64)}) for name, s in curves.items()]
    if not parts:
        return pd.DataFrame({"curve": pd.Series(dtype=str), "ts": pd.Series(dtype="datetime64[ns, UTC]"),
                             "value": pd.Series(dtype=float)})
    return pd.concat(parts, ignore_index=True)


def _headline(stats: pd.Series) -> dict[str, Any]:
    return {str(k): plain(v) for k, v in stats.items()}


def write_run(kind: str, meta: Mapping[str, Any], tables: Mapping[str, pd.DataFrame], texts: Mapping[str, str] = {},
              *, root: str | os.PathLike | None = None, report_dir: str | os.PathLike | None = None) -> Run:
    """Write one run folder atomically and return it (``tables`` -> ``<name>.parquet``, ``texts`` -> files)."""
    root = runs_root(root)
    payload = json.dumps(plain(meta.get("config_resolved", {})), sort_keys=True) + str(meta.get("data_fingerprint", ""))
    run_id, created = new_run_id(payload)
    while (root / run_id).exists():  # two runs in one millisecond
        run_id, created = new_run_id(payload + run_id)
    record = {"id": run_id, "kind": kind, "created": created, **plain(dict(meta))}
    record.setdefault("git_commit", git_commit())
    record.setdefault("versions", versions())
    record.setdefault("host", host())
    with staged_run(root, run_id) as tmp:
        for name, df in tables.items():
            df.to_parquet(tmp / f"{name}.parquet")
        for name, text in texts.items():
            (tmp / name).write_text(text)
        if report_dir is not None and Path(report_dir).is_dir():
            shutil.copytree(report_dir, tmp / "report")
        record["files"] = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
        (tmp / "run.json").write_text(json.dumps(record, indent=2))
    return load(run_id, root)


def book_tables(book: str, series: list[str], ts: np.ndarray, fills: np.ndarray, limits: np.ndarray,
                decision: np.ndarray, reason: np.ndarray, exit_code: np.ndarray, held: np.ndarray
                ) -> dict[str, pd.DataFrame]:
    """orders, limits and decisions of one book on its clock ``ts`` (the simulator's records and [n, k] arrays).

    A decision row is a clock row and series with a decision (NaN = none) or an exit; ``reason`` is the
    simulator's rejection code (0 = accepted), ``held`` the weight held or ordered after the row.
    """
    ts = np.asarray(ts, dtype=np.int64)
    names = np.asarray(series, dtype=object)

    def frame(rec: np.ndarray) -> pd.DataFrame:
        df = pd.DataFrame({"book": book, "ts": pd.to_datetime(ts[rec["idx"]], utc=True),
                           "series": names[rec["col"]].astype(str)} if len(rec) else
                          {"book": pd.Series(dtype=str), "ts": pd.Series(dtype="datetime64[ns, UTC]"),
                           "series": pd.Series(dtype=str)})
        for f in rec.dtype.names:
            df[f] = rec[f]
        return df

    rows, cols = np.nonzero(np.isfinite(decision) | (exit_code != 0))
    dec = pd.DataFrame({"book": book, "ts": pd.to_datetime(ts[rows], utc=True), "series": names[cols].astype(str),
                        "row": rows.astype(np.int64), "decision": decision[rows, cols],
                        "reason": reason[rows, cols].astype(np.int64), "exit_code": exit_code[rows, cols].astype(np.int64),
                        "held": held[rows, cols]})
    return {"orders": frame(fills), "limits": frame(limits), "decisions": dec}


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def backtest_tables(res: Any) -> dict[str, pd.DataFrame]:
    """stats, equity (books and baselines), trades, and each book's orders, limits and decisions of a BacktestResult."""
    curves: dict[str, pd.Series] = {}
    books: dict[str, list[pd.DataFrame]] = {"orders": [], "limits": [], "decisions": []}
    for name, b in res.books.items():
        curves[name] = b.equity
        for bname, base in b.baselines.items():
            curves[f"{name}:{bname}"] = base.equity
        if b.sim is not None and b.decision is not None:
            for key, df in book_tables(name, list(b.series), b.ts, b.sim.fills, b.sim.limits, b.decision, b.sim.reason,
                                       b.sim.exit_code, b.sim.held).items():
                books[key].append(df)
    trades = res.trades
    return {"stats": numeric_frame(res.stats), "equity": _equity_long(curves),
            "trades": trades.astype({c: str for c in trades.columns if trades[c].dtype == object}),
            **{k: _concat(v) for k, v in books.items() if v}}


def backtest_meta(res: Any, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    m = res.manifest
    return {
        "source": res.config.source, "what": ", ".join(f"{n} ({len(b.series)} series)" for n, b in res.books.items()),
        "config_given": dict(given or {}), "config_resolved": res.config.to_dict(),
        "data_fingerprint": m.get("data_fingerprint"), "datasets": m.get("datasets"), "models": m.get("models"),
        "git_commit": m.get("git_commit"), "versions": m.get("versions"), "host": m.get("host"),
        "seed": m.get("seed"), "headline": _headline(res.main.stats), "timings": res.timings,
    }


def record_backtest(res: Any, *, root: str | os.PathLike | None = None, given: Mapping[str, Any] | None = None,
                    report_dir: str | os.PathLike | None = None) -> Run:
    """Record a BacktestResult (``given``: the config as the user gave it, e.g. file, tables and overrides)."""
    from nexus.config import BACKTEST
    from nexus.config.render import to_toml

    return write_run("backtest", backtest_meta(res, given), backtest_tables(res),
                     {"config.toml": to_toml(BACKTEST, res.config.to_dict())}, root=root, report_dir=report_dir)


def record_sweep(res: Any, best: Any = None, *, root: str | os.PathLike | None = None,
                 given: Mapping[str, Any] | None = None, extra: Mapping[str, Any] | None = None,
                 texts: Mapping[str, str] | None = None) -> Run:
    """Record a pipeline sweep (a ``PipelineSweepResult``): every combination's row, PSR / DSR / PBO, the
    shared-stage savings, ``best.toml`` and the best combination's backtest (``best``; run here when None)."""
    from nexus.config import BACKTEST
    from nexus.config.render import to_toml

    if best is None:
        from nexus.pipeline.runner import backtest

        best = backtest(res.best_config, echo=False)
    given = dict(given or {})
    meta = backtest_meta(best, given)
    meta.update({"source": given.get("file") or res.source,
                 "what": f"{len(res.table)} combinations of " + ", ".join(res.meta.get("grid", {})),
                 "combinations": len(res.table), "metric": res.metric_key, "best_params": res.best_params,
                 "overfitting": res.overfitting, "shared_stages": res.shared_stages,
                 "shared_seconds_saved": round(sum(d.get("saved_seconds", 0.0) for d in res.shared_stages.values()), 3),
                 **dict(extra or {})})
    files = {"best.toml": res.best_toml(), "config.toml": to_toml(BACKTEST, best.config.to_dict()), **dict(texts or {})}
    return write_run("sweep", meta, {**backtest_tables(best), "results": res.table.reset_index()}, files, root=root)
