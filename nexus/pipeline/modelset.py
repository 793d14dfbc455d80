"""The trained models the pipeline may use, bound to one symbol's bars at a time.

:class:`ModelSet` loads every slot of the registry that is trained *and*
marked usable (it beat its naive baseline out of sample); any other slot
falls back to its layer's documented rule, and :attr:`ModelSet.status` says
which and why, for the report. A registry named explicitly (``required``:
``--models DIR``, ``backtest(cfg, models_required=True)``) must exist and
list models, and a model it lists that is refused at load (hash, shapes,
unreadable) stops the run, unless ``allow_fallback`` (``--allow-fallback``):
then that slot runs its rule and the console says which slot and why.
:meth:`ModelSet.bind` attaches one symbol's
bars, MQScore and signals; its ``predict(slot, rows)`` builds the feature
matrix once per symbol, scores only ``rows`` (the bars still alive in the
pipeline) and returns NaN on rows the model may not score: feature warm-up,
and every bar inside or before the model's training window (so training
data never leaks into the backtest).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from nexus.errors import ModelError


class ModelSet:
    def __init__(self, root: str | Path | None, use_models: bool = True, timings: Any = None, *,
                 required: bool = False, allow_fallback: bool = False) -> None:
        self.root = Path(root) if root else None
        self.models: dict[str, Any] = {}
        self.folds: dict[str, list[tuple[dict, Any]]] = {}  # walk-forward slot -> [(fold entry, model or None)]
        self.schedule: dict[str, list[int]] = {}  # series -> first use_start of any fold (the OOS window start)
        self.status: dict[str, str] = {}
        self.hashes: dict[str, str] = {}
        self.timings = timings
        from nexus.models.slots import SLOT_NAMES

        if not use_models:
            self.status = {s: "off (run.use_models = false): rule fallback" for s in SLOT_NAMES}
            return
        if self.root is None or not (self.root / "manifest.json").exists():
            if required:
                what = "the folder does not exist" if self.root is None or not self.root.is_dir() else "manifest.json is missing"
                raise ModelError(f"no model registry at {self.root}: {what}; train one with `nexus train --out {self.root}`, "
                                 "or run the rules with --no-models")
            self.status = {s: f"not trained (no registry at {self.root}): rule fallback" for s in SLOT_NAMES}
            return
        from nexus.models.registry import Registry

        # numba stages run on one core; batched inference may use the machine (NEXUS_MODEL_THREADS overrides)
        threads = int(os.environ.get("NEXUS_MODEL_THREADS", min(os.cpu_count() or 1, 4)))
        reg = Registry(self.root, threads=threads)
        if required and not reg.slots():
            raise ModelError(f"the model registry at {self.root} lists no models; train them with "
                             f"`nexus train --out {self.root}`, or run the rules with --no-models")
        for slot in SLOT_NAMES:
            if not reg.has(slot):
                self.status[slot] = "not trained: rule fallback"
                continue
            if reg.folds(slot):
                self._load_folds(reg, slot, required, allow_fallback)
                continue
            entry = reg.entry(slot)
            if not entry.get("usable", False):
                self.status[slot] = "trained but did not beat its baseline: rule fallback"
                continue
            try:
                self.models[slot] = reg.load(slot)
            except ModelError as exc:
                if required and not allow_fallback:
                    raise ModelError(f"{exc} [slot {slot!r}; pass --allow-fallback to run its rule instead]") from None
                self.status[slot] = f"refused ({exc}): rule fallback"
                print(f"[nexus] {slot}: model refused, rule fallback: {exc}", file=sys.stderr, flush=True)
                continue
            self.hashes[slot] = str(entry.get("sha256", ""))
            self.status[slot] = "model"

    def _load_folds(self, reg: Any, slot: str, required: bool, allow_fallback: bool) -> None:
        """Load every fold whose margin was significant; the others stay rule fallbacks over their use windows."""
        loaded: list[tuple[dict, Any]] = []
        for f in reg.folds(slot):
            for key, s in (f.get("series") or {}).items():
                self.schedule.setdefault(key, []).append(int(s["use_start_ns"]))
            model = None
            if f.get("used") and f.get("file"):
                try:
                    model = reg.load_fold(slot, f, threads=reg.threads)
                except ModelError as exc:
                    if required and not allow_fallback:
                        raise ModelError(f"{exc} [slot {slot!r} fold {f.get('fold')}; pass --allow-fallback to run its "
                                         "rule instead]") from None
                    print(f"[nexus] {slot} fold {f.get('fold')}: model refused, rule fallback: {exc}", file=sys.stderr,
                          flush=True)
                else:
                    self.hashes[f"{slot}.f{int(f['fold']):03d}"] = str(f.get("sha256", ""))
            loaded.append((f, model))
        used = [m for _, m in loaded if m is not None]
        self.folds[slot] = loaded
        if used:
            self.models[slot] = used[-1]  # outputs and feature names; rows go to the fold that holds them
            self.status[slot] = "model"
        else:
            self.status[slot] = f"walk-forward: no fold's margin significant in {len(loaded)} folds: rule fallback"

    def fold_summary(self) -> dict[str, str]:
        """Per walk-forward slot: folds whose model runs, of all folds."""
        return {slot: f"{sum(m is not None for _, m in v)} of {len(v)} folds" for slot, v in self.folds.items()}

    def without(self, slot: str) -> "ModelSet":
        """A copy with ``slot`` on its rule (for ablations); the other slots share the loaded models."""
        import copy

        other = copy.copy(self)
        other.models = {k: v for k, v in self.models.items() if k != slot}
        other.folds = {k: v for k, v in self.folds.items() if k != slot}
        other.status = dict(self.status, **{slot: "ablated: rule fallback"})
        return other

    def fold_rows(self) -> list[dict]:
        """The registry's folds as result.json rows (empty without a walk-forward registry)."""
        if not self.folds or self.root is None:
            return []
        from nexus.models.registry import Registry, fold_rows

        return fold_rows(Registry(self.root).manifest)

    def oos_start(self, series: list[str]) -> int | None:
        """Start of the book's out-of-sample window: the earliest use window of any fold of its series."""
        starts = [min(self.schedule[k]) for k in series if self.schedule.get(k)]
        return min(starts) if starts else None

    def bind(self, bars: Any, mq: Any, sig: Any) -> "BoundModels":
        return BoundModels(self, bars, mq, sig)


class BoundModels:
    """Models bound to one symbol: ``predict(slot, rows)`` and ``outputs(slot)`` for the layers."""

    def __init__(self, models: ModelSet, bars: Any, mq: Any, sig: Any) -> None:
        self.set = models
        self.bars = bars
        self.mq = mq
        self.sig = sig
        self.series = f"{bars.symbol}/{bars.timeframe}"
        self._fm = None
        self.rows_scored: dict[str, int] = {}

    def _first_scored_row(self) -> int:
        """First bar any model may score: the earliest end of a training window, per series."""
        starts = [s for slot in self.set.models for s, _, _ in self._fold_windows(slot)]
        if starts:
            return int(np.searchsorted(self.bars.ts, min(starts), side="left"))
        ends = [self._train_end(m) for m in self.set.models.values()]
        return int(np.searchsorted(self.bars.ts, min(ends), side="right")) if ends else len(self.bars)

    def _features(self):
        if self._fm is None:
            self._fm = features_from(self.bars, self.mq, self.sig, self._first_scored_row())
        return self._fm

    def outputs(self, slot: str) -> tuple[str, ...]:
        m = self.set.models.get(slot)
        return () if m is None else tuple(m.outputs)

    def _train_end(self, model: Any) -> int:
        windows = model.entry.get("train_windows", {}) or {}
        if self.series in windows:
            return int(windows[self.series]["end_ns"])
        return int(model.train_window[1])

    def _fold_windows(self, slot: str) -> list[tuple[int, int, Any]]:
        """(use_start, use_end, model) of this series' folds whose model runs (walk-forward slots only)."""
        out = []
        for f, m in self.set.folds.get(slot, []):
            s = (f.get("series") or {}).get(self.series)
            if m is not None and s is not None and s.get("used"):
                # the embargo holds by construction; a window that would break it is refused, never scored
                if int(s["train_end_ns"]) + int(s.get("embargo_ns", 0)) > int(s["use_start_ns"]):
                    raise ModelError(f"{slot} fold {f.get('fold')}: trained up to {s['train_end_ns']} which reaches "
                                     f"into its use window for {self.series}; retrain with `nexus train`")
                out.append((int(s["use_start_ns"]), int(s["use_end_ns"]), m))
        return out

    def predict(self, slot: str, rows: np.ndarray) -> np.ndarray | None:
        model = self.set.models.get(slot)
        if model is None:
            return None
        if slot in self.set.folds:
            return self._predict_folds(slot, model, rows)
        t0 = time.perf_counter()
        out = np.full((len(rows), len(model.outputs)), np.nan, dtype=np.float32)
        ok = self.bars.ts[rows] > self._train_end(model)
        if ok.any():
            fm = self._features()
            use = rows[ok]
            index = {name: i for i, name in enumerate(fm.names)}
            missing = [f for f in model.feature_names if f not in index]
            if missing:
                raise ModelError(f"model {slot!r} reads features {missing[:4]} that build_features did not make; retrain with `nexus train`")
            X = fm.values[np.ix_(use, [index[f] for f in model.feature_names])]
            out[ok] = model.predict(np.ascontiguousarray(X, dtype=np.float32))
        self.rows_scored[slot] = self.rows_scored.get(slot, 0) + int(ok.sum())
        if self.set.timings is not None:
            self.set.timings.add("inference", time.perf_counter() - t0)
        return out

    def _predict_folds(self, slot: str, model: Any, rows: np.ndarray) -> np.ndarray:
        """Each row scored by the fold whose use window holds it; rows of no used fold stay NaN (the rule runs)."""
        t0 = time.perf_counter()
        out = np.full((len(rows), len(model.outputs)), np.nan, dtype=np.float32)
        ts = self.bars.ts[rows]
        scored = 0
        for start, end, m in self._fold_windows(slot):
            ok = (ts >= start) & (ts < end)
            if not ok.any():
                continue
            fm = self._features()
            index = {name: i for i, name in enumerate(fm.names)}
            missing = [f for f in m.feature_names if f not in index]
            if missing:
                raise ModelError(f"model {slot!r} reads features {missing[:4]} that build_features did not make; retrain with `nexus train`")
            X = fm.values[np.ix_(rows[ok], [index[f] for f in m.feature_names])]
            out[ok] = m.predict(np.ascontiguousarray(X, dtype=np.float32))
            scored += int(ok.sum())
        self.rows_scored[slot] = self.rows_scored.get(slot, 0) + scored
        if self.set.timings is not None:
            self.set.timings.add("inference", time.perf_counter() - t0)
        return out

    def release(self) -> None:
        self._fm = None


def features_from(bars: Any, mq: Any, sig: Any, first_row: int):
    """``build_features(bars, mq, sig)`` with the signal block computed only from ``first_row`` on.

    Models score only bars after their training window, usually the last 40 %
    of a series. The bar block runs over every row (its long EMA feature is
    recursive over the whole series); the signal-record block re-anchors its
    window sums at every multiple of ``ANCHOR``, so starting it at such a row
    gives exactly the values of the full build (tests hold them equal), and
    earlier rows of that block stay NaN. Falls back to the full build if the
    feature module's layout changes.
    """
    from nexus.models import features as F

    n = len(bars)
    try:
        from nexus.models.feature_kernels import ANCHOR, sig_features_nb

        lo = (max(0, min(int(first_row), n)) // ANCHOR) * ANCHOR
        if lo == 0:
            return F.build_features(bars, mq, sig)
        base = F.build_features(bars, mq)  # bar + MQScore blocks, every row
        names = tuple(base.names) + tuple(F.SIG_FEATURES)
        values = np.full((n, len(names)), np.nan, dtype=np.float32)
        values[:, :len(base.names)] = base.values
        del base
        chunk = max(ANCHOR, (int(F.DEFAULT_CHUNK) // ANCHOR) * ANCHOR)
        s = np.ascontiguousarray(sig.signal, dtype=np.int8)
        cf = np.ascontiguousarray(sig.confidence, dtype=np.float32)
        view = values[:, len(names) - len(F.SIG_FEATURES):]
        for a in range(lo, n, chunk):
            sig_features_nb(s, cf, bars.close, F.MIN_CONFIDENCE, a, min(n, a + chunk), view)
        return F.FeatureMatrix(names=names, values=values, warmup=lo, ts=bars.ts)
    except (ImportError, AttributeError, TypeError):
        return F.build_features(bars, mq, sig)
