"""Walk-forward training: every slot retrained at every fold boundary, kept only where its margin is significant.

For each fold (see :mod:`nexus.models.walkforward`) every slot is fitted on
the fold's purged training rows and judged on its validation rows (the last
part of its training span). The margin over the baseline (or the rule
fallback the baseline stands for) gets a 95 % interval from a stationary
block bootstrap of the time-ordered validation rows
(:func:`nexus.metrics.bootstrap_diff.stat_interval`); the fold's model is
*used* only when the whole interval lies above zero, otherwise its rule runs
and the reason says why. Every fold goes into the registry (model file,
hash, features, train and use windows, score, baseline, interval,
decision); the slot's top-level entry is its latest fold, for tools that
read one model per slot.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable

import numpy as np

from nexus.errors import ModelError
from nexus.metrics.bootstrap_diff import stat_interval
from nexus.models.registry import Registry, _iso, fold_rows
from nexus.models.train_common import SlotResult
from nexus.models.train_data import TrainConfig
from nexus.models.walkforward import FoldPlan, build_pools, fold_set, plan_folds

# reason codes of a fold entry (and of each series in it)
USED = "used: margin > 0 at 95 %"
NOT_SIGNIFICANT = "rule: margin interval contains zero"
WORSE = "rule: model worse than its baseline"
NOT_TRAINED = "rule: not trained"
TOO_SHORT = "rule: series too short for this fold"


def margin_interval(res: SlotResult, cfg: TrainConfig, seed: int) -> tuple[float, float, float]:
    """(point margin, lo, hi): the model's validation margin over its baseline and its block-bootstrap interval."""
    point = (res.model_score - res.baseline_score) if res.higher_is_better else (res.baseline_score - res.model_score)
    if res.margin is None or res.margin_n < 3:
        return float(point), float("nan"), float("nan")
    lo, hi = stat_interval(res.margin_n, res.margin, block_series=res.margin_rows, n_boot=cfg.n_boot,
                           level=cfg.confidence, seed=seed)
    return float(point), lo, hi


def decide(lo: float, hi: float) -> tuple[bool, str]:
    """Use the model only when its margin interval lies wholly above zero."""
    if not np.isfinite(lo):
        return False, NOT_TRAINED
    if lo > 0:
        return True, USED
    return False, (WORSE if hi < 0 else NOT_SIGNIFICANT)


def _series_record(plan: FoldPlan, used: bool, reason: str) -> dict:
    out = {}
    for key, rec in plan.series.items():
        short = rec["reason"] == "series_too_short" or "n_fit" not in rec
        out[key] = {
            "train_start_ns": rec["train_start_ns"], "train_end_ns": rec["train_end_ns"],
            "use_start_ns": rec["use_start_ns"], "use_end_ns": rec["use_end_ns"], "embargo_ns": rec["embargo_ns"],
            "n_fit": int(rec.get("n_fit", 0)), "n_val": int(rec.get("n_val", 0)),
            "used": bool(used and not short), "reason": TOO_SHORT if short else reason,
        }
    return out


def train_walk_forward(series: list, reg: Registry, cfg: TrainConfig, names: list[str], trainers: dict[str, Callable],
                       entry_fn: Callable, run_id: str, *, mq_fn: Callable, sig_fn: Callable, corrupt_fn: Callable,
                       say: Callable[[str], None]) -> dict[str, dict]:
    """Train ``names`` at every fold into ``reg`` (a staging registry); returns the slots' top-level entries."""
    t0 = time.perf_counter()
    pools = build_pools(series, cfg, mq_fn=mq_fn, sig_fn=sig_fn, progress=say)
    plans = plan_folds(pools, cfg)
    say(f"features once per series: {time.perf_counter() - t0:.1f}s; {len(plans)} folds from "
        f"{_iso(plans[0].boundary_ns)} (step {cfg.step}, {cfg.window} window, embargo {cfg.embargo_rows} rows)")
    anomaly = any(s in ("data_quality", "anomaly_detector") for s in names)
    latest: dict[str, tuple[SlotResult, dict]] = {}
    for plan in plans:
        t1 = time.perf_counter()
        try:
            ts = fold_set(pools, plan, cfg, corrupt_fn=corrupt_fn if anomaly else None, mq_fn=mq_fn, sig_fn=sig_fn)
        except ModelError as exc:
            ts = None
            say(f"fold {plan.k}: no model ({exc})")
        n_used = 0
        for slot in names:
            res = None
            if ts is not None:
                try:
                    res = trainers[slot](ts, cfg)
                except ModelError as exc:
                    warnings.warn(f"{slot} fold {plan.k}: not trained ({exc})", stacklevel=2)
            if res is None:
                entry = {"boundary_ns": plan.boundary_ns, "boundary": _iso(plan.boundary_ns), "used": False,
                         "usable": False, "reason": NOT_TRAINED, "score": None, "baseline": None, "margin": None,
                         "margin_lo": None, "margin_hi": None, "series": _series_record(plan, False, NOT_TRAINED),
                         "run_id": run_id}
                reg.save_fold(slot, plan.k, None, None, entry)
                continue
            point, lo, hi = margin_interval(res, cfg, cfg.seed + plan.k)
            used, reason = decide(lo, hi)
            n_used += used
            entry = dict(entry_fn(res, ts, cfg, time.perf_counter() - t1), run_id=run_id)
            entry.update(boundary_ns=plan.boundary_ns, boundary=_iso(plan.boundary_ns), used=used, usable=used,
                         reason=reason, score=res.model_score, baseline=res.baseline_score, margin=point,
                         margin_lo=lo, margin_hi=hi, confidence=cfg.confidence, n_boot=cfg.n_boot,
                         series=_series_record(plan, used, reason),
                         verdict=f"{res.metric} {res.model_score:.5g} vs baseline {res.baseline_score:.5g}: margin "
                                 f"{point:.3g} [{lo:.3g}, {hi:.3g}] -> {'model' if used else 'rule'}")
            reg.save_fold(slot, plan.k, res.blob, res.fmt, entry)
            latest[slot] = (res, entry)
        say(f"fold {plan.k} ({_iso(plan.boundary_ns)[:10]}): {n_used} of {len(names)} slots significant "
            f"({time.perf_counter() - t1:.1f}s)")
    written = {}
    for slot, (res, entry) in latest.items():
        top = {k: v for k, v in entry.items() if k not in ("slot", "fold", "file", "format", "sha256", "bytes")}
        written[slot] = reg.save(slot, res.blob, res.fmt, dict(top, walk_forward=True, latest_fold=entry_fold(reg, slot)))
    return written


def entry_fold(reg: Registry, slot: str) -> int:
    folds = [f for f in reg.folds(slot) if f.get("file")]
    return int(folds[-1]["fold"]) if folds else -1


__all__ = ["train_walk_forward", "margin_interval", "decide", "fold_rows"]
