"""The honest quality report: each model's out-of-sample metric next to its naive baseline.

>>> print(format_report(Registry("data/models")))        # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from nexus.errors import ModelError
from nexus.models.registry import Registry, sha256_bytes
from nexus.models.slots import SLOT_NAMES


def report_frame(reg: Registry) -> pd.DataFrame:
    """One row per trained slot: metric, model, baseline, verdict, usable, window end, hash check."""
    rows = []
    models = reg.manifest["models"]
    if not models:
        raise ModelError(f"no models in {reg.manifest_path}; train them with `nexus train --out {reg.root}`")
    for slot in [s for s in SLOT_NAMES if s in models] + sorted(set(models) - set(SLOT_NAMES)):
        e = models[slot]
        m = e.get("metrics", {})
        path = reg.root / e.get("file", "")
        try:
            ok = sha256_bytes(path.read_bytes()) == e.get("sha256")
            hash_state = "ok" if ok else "MISMATCH"
        except OSError:
            hash_state = "missing"
        better = m.get("higher_is_better", True)
        rows.append({
            "slot": slot, "layer": e.get("layer"), "format": e.get("format"), "features": e.get("n_features"),
            "metric": f"{m.get('metric')} ({'higher' if better else 'lower'} is better)",
            "model": m.get("model"), "baseline": m.get("baseline"),
            "verdict": "beats baseline" if e.get("usable") else "does NOT beat baseline",
            "usable": bool(e.get("usable")) and hash_state == "ok",
            "baseline_is": m.get("baseline_is", ""), "n_validation": m.get("n_validation"),
            "train_end": e.get("train_window", {}).get("end", ""), "file_hash": hash_state,
            "parity": e.get("parity_max_abs_diff"),
        })
    return pd.DataFrame(rows)


def format_report(reg: Registry) -> str:
    """Plain-text table plus one line per model that falls back to its rule version."""
    df = report_frame(reg)
    man = reg.manifest
    head = [f"models in {reg.root} (trained {man.get('trained_at', '?')}, series: {', '.join(man.get('series', [])) or '?'}, "
            f"regime labels: {man.get('regime_labels', '?')}, horizon {man.get('horizon_bars', '?')} bars)"]
    cols = ["slot", "layer", "format", "metric", "model", "baseline", "verdict", "usable", "n_validation", "train_end", "file_hash"]
    body = df[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}")
    notes = ["", "baselines:"] + [f"  {r.slot}: {r.baseline_is}" for r in df.itertuples()]
    folds = fold_table(reg)
    if folds is not None:
        notes += ["", f"walk-forward folds ({man.get('step', '?')} step, {man.get('window', '?')} window, embargo "
                      f"{man.get('embargo_bars', '?')} bars; a fold's model runs only when its margin interval "
                      f"({float(man.get('confidence', 0.95)):.0%} block bootstrap of validation rows) lies above zero):",
                  folds.to_string(index=False, float_format=lambda x: f"{x:.4g}")]
    falls = [r.slot for r in df.itertuples() if not r.usable]
    if falls:
        notes += ["", "not usable (the pipeline falls back to the rule version with a warning): " + ", ".join(falls)]
    return "\n".join(head + [body] + notes)


def fold_table(reg: Registry) -> pd.DataFrame | None:
    """One row per slot and fold: boundary, series using it, score, baseline, margin [lo, hi], decision."""
    man = reg.manifest
    if not man.get("folds"):
        return None
    rows = []
    for slot in [s for s in SLOT_NAMES if s in man["folds"]]:
        for f in man["folds"][slot]:
            lo, hi = f.get("margin_lo"), f.get("margin_hi")
            series = f.get("series") or {}
            rows.append({
                "slot": slot, "fold": f.get("fold"), "use from": str(f.get("boundary", ""))[:10],
                "series": ",".join(sorted(k for k, v in series.items() if v.get("used"))) or "-",
                "score": f.get("score"), "baseline": f.get("baseline"), "margin": f.get("margin"),
                "margin [lo, hi]": "-" if lo is None else f"[{lo:.3g}, {hi:.3g}]",
                "decision": "model" if f.get("used") else "rule", "reason": f.get("reason", ""),
            })
    return pd.DataFrame(rows)


__all__ = ["report_frame", "format_report", "fold_table"]
