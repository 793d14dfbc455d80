"""Recorded runs on disk: list (newest first, filtered), load, remove.

A run is a folder ``<root>/<UTC time>-<short hash>/`` (``root``: ``runs``, or ``$NEXUS_RUNS`` when set) holding ``run.json``
(kind, config as given and resolved, data fingerprint, model hashes, git
commit, versions, headline statistics) beside Parquet tables and report
files (see :mod:`nexus.runs.record`). The default root is ``runs``.

>>> import tempfile
>>> list_runs(tempfile.mkdtemp()).empty
True
"""

from __future__ import annotations

import json
import operator
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nexus.errors import ConfigError

DEFAULT_ROOT = "runs"
LIST_STATS = ("Total Return [%]", "Sharpe Ratio", "Max Drawdown [%]", "Alpha (ann.) [%]", "Beta")
_FILTER = re.compile(r"^\s*([^=!<>~]+?)\s*(==|=|!=|<=|>=|<|>|~)\s*(.*?)\s*$")
_OPS = {"=": operator.eq, "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
        ">": operator.gt, ">=": operator.ge}


class RunNotFoundError(ConfigError):
    """A run id that names no recorded run."""


def flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts -> ``{"a.b": v}``; lists of dicts are numbered (``books.0.name``)."""
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        for i, v in enumerate(d):
            out.update(flatten(v, f"{prefix}{i}."))
    else:
        out[prefix[:-1]] = d
    return out


def _table(name: str, doc: str) -> property:
    """A :class:`Run` property reading the run's ``<name>.parquet`` through :meth:`Run.table`."""

    def read(self: Run) -> pd.DataFrame:
        return self.table(name)

    return property(read, doc=doc)


@dataclass
class Run:
    """One recorded run: ``meta`` is run.json; tables load on first use."""

    id: str
    path: Path
    meta: dict[str, Any] = field(repr=False)

    @property
    def kind(self) -> str:
        return self.meta.get("kind", "?")

    @property
    def config(self) -> dict[str, Any]:
        """The resolved config."""
        return self.meta.get("config_resolved", {})

    def table(self, name: str) -> pd.DataFrame:
        p = self.path / f"{name}.parquet"
        if not p.is_file():
            raise RunNotFoundError(f"run {self.id}: no {name}.parquet in {self.path} (a {self.kind} run holds "
                                   f"{', '.join(sorted(q.stem for q in self.path.glob('*.parquet'))) or 'no tables'})")
        return pd.read_parquet(p)

    stats = _table("stats", "Statistics: keys as rows, one column per book and baseline (a sweep: its best combination).")
    equity = _table("equity", "Every curve in long form (curve, ts, value).")
    trades = _table("trades", "The trade log.")
    results = _table("results", "A sweep's table of every combination.")

    def headline(self) -> pd.Series:
        """The first column of :attr:`stats` (the first book, or the sweep's best combination)."""
        s = self.stats
        return s.iloc[:, 0]


def runs_root(root: str | os.PathLike | None = None) -> Path:
    """The run records folder: ``root``; the default ``runs`` (or None) yields to ``$NEXUS_RUNS`` when set."""
    if root is None or str(root) == DEFAULT_ROOT:
        return Path(os.environ.get("NEXUS_RUNS") or DEFAULT_ROOT)
    return Path(root)


_root = runs_root


def _read_meta(folder: Path) -> dict[str, Any] | None:
    p = folder / "run.json"
    if folder.name.startswith(".") or not p.is_file():
        return None
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def _all(root: Path) -> list[Run]:
    if not root.is_dir():
        return []
    out = []
    for p in root.iterdir():
        meta = _read_meta(p) if p.is_dir() else None
        if meta is not None:
            out.append(Run(p.name, p, meta))
    return sorted(out, key=lambda r: (r.meta.get("created", ""), r.id), reverse=True)


def _parse_filter(text: str) -> tuple[str, str, str]:
    m = _FILTER.match(text)
    if not m:
        raise ConfigError(f"runs list --filter {text!r}: expected KEY OP VALUE with OP one of = != < <= > >= ~ "
                          "(e.g. kind=sweep, risk.stop_loss=0.02, 'Sharpe Ratio>1', source~backtest)")
    return m.group(1).strip(), m.group(2), m.group(3)


def _coerce(value: str, like: Any) -> Any:
    if isinstance(like, bool):
        return value.lower() in ("1", "true", "yes")
    if isinstance(like, (int, float)):
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"runs list --filter: {value!r} is not a number") from None
    return value


def _match(row: dict[str, Any], key: str, op: str, value: str) -> bool:
    if key not in row:
        return False
    have = row[key]
    if op == "~":
        return value.lower() in str(have).lower()
    if isinstance(have, (list, tuple)):
        have = json.dumps(have)
    want = _coerce(value, have)
    try:
        return bool(_OPS[op](have, want))
    except TypeError:
        return False


def _row(run: Run) -> dict[str, Any]:
    m = run.meta
    row = {"id": run.id, "created": m.get("created", ""), "kind": run.kind, "source": m.get("source", ""),
           "what": m.get("what", ""), "git": (m.get("git_commit") or "")[:10]}
    row.update({k: m.get("headline", {}).get(k, float("nan")) for k in LIST_STATS})
    return row


def list_runs(root: str | os.PathLike | None = None, filters: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """Every complete run under ``root``, newest first: one row each (id, created, kind, source, headline stats).

    ``filters`` like ``"kind=sweep"``, ``"risk.stop_loss=0.02"`` (any resolved config key),
    ``"Sharpe Ratio>1"`` or ``"source~backtest"`` keep matching runs.
    """
    parsed = [_parse_filter(f) for f in filters]
    rows = []
    for run in _all(_root(root)):
        row = _row(run)
        if parsed:
            full = {**flatten(run.config), **run.meta.get("headline", {}), **row}
            if not all(_match(full, k, op, v) for k, op, v in parsed):
                continue
        rows.append(row)
    cols = ["id", "created", "kind", "source", "what", "git", *LIST_STATS]
    return pd.DataFrame(rows, columns=cols).set_index("id")


def resolve(run_id: str, root: str | os.PathLike | None = None) -> Run:
    """The run named ``run_id`` (or the only run whose id starts with it)."""
    base = _root(root)
    runs = _all(base)
    exact = [r for r in runs if r.id == run_id]
    if exact:
        return exact[0]
    pre = [r for r in runs if run_id and r.id.startswith(run_id)]
    if len(pre) == 1:
        return pre[0]
    if len(pre) > 1:
        raise RunNotFoundError(f"run id {run_id!r} is ambiguous under {base}/: {', '.join(r.id for r in pre[:5])}; "
                               "give more of it")
    raise RunNotFoundError(f"no run {run_id!r} under {base}/; `nexus runs list` shows the recorded runs")


def load(run_id: str, root: str | os.PathLike | None = None) -> Run:
    """A recorded run by id (or unique prefix); unknown ids raise :class:`RunNotFoundError`."""
    return resolve(run_id, root)


def remove(run_id: str, root: str | os.PathLike | None = None) -> Path:
    """Delete a run folder: renamed to a hidden name first, so a listing never sees half of it."""
    run = resolve(run_id, root)
    doomed = run.path.with_name(f".{run.id}.removing")
    os.rename(run.path, doomed)
    shutil.rmtree(doomed, ignore_errors=True)
    return run.path
