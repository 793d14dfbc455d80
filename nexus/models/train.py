"""Train every model slot out of sample, export it, verify it and record it in the registry.

>>> from nexus.models.train import train_models, series_from_store   # doctest: +SKIP
>>> train_models(series_from_store(BarStore("data/bars")), "data/models")  # doctest: +SKIP

Each slot is fitted on the rows of its training window (the first 60 % of
each series, or bars before ``until``) minus a purged validation fold at the
window's end; the validation metric is recorded next to the naive baseline's
and ``usable`` says whether the model beat it. Right after export the file
is loaded back through the registry and its predictions compared with the
fitted object's (the parity figure is stored in the manifest).

The registry is written all or nothing: every file goes into a staging
folder beside ``out`` that replaces ``out`` in one rename at the end
(:mod:`nexus.io.atomic_dir`). A run killed at any moment leaves the previous
registry as it was. Slots not asked for (``slots=``) are copied over from
the previous registry and listed in the manifest's ``carried_over``; a slot
asked for that fails to train is absent from the new registry (a model of an
earlier run is never passed off as this run's).
"""

from __future__ import annotations

import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from nexus.errors import ModelError
from nexus.io.atomic_dir import staged_dir
from nexus.io.versions import versions
from nexus.models.corrupt import corrupt_eval
from nexus.models.inference import run_batched
from nexus.models.registry import Registry, _iso, sha256_bytes
from nexus.models.slots import SLOT_NAMES, SLOTS, get_slot
from nexus.models.train_common import SlotResult
from nexus.models.train_data import SeriesInput, TrainConfig, TrainingSet, collect, default_mq, default_signals
from nexus.models.train_market import train_anomaly, train_regime, train_volatility
from nexus.models.train_risk import train_risk_classifier, train_risk_multiplier
from nexus.models.train_signal import train_governor, train_meta, train_router

TRAINERS: dict[str, Callable[[TrainingSet, TrainConfig], SlotResult]] = {
    "data_quality": lambda ts, cfg: train_anomaly("data_quality", ts, cfg),
    "volatility_forecast": train_volatility,
    "regime_classifier": train_regime,
    "meta_selector": train_meta,
    "anomaly_detector": lambda ts, cfg: train_anomaly("anomaly_detector", ts, cfg),
    "governor": train_governor,
    "router": train_router,
    "risk_classifier": train_risk_classifier,
    "risk_multiplier": train_risk_multiplier,
}


def series_from_store(store: Any, symbols: Iterable[str] | None = None, timeframes: Iterable[str] | None = None) -> list[SeriesInput]:
    """Every (symbol, timeframe) of the store (or of ``symbols``), with true regimes where stored."""
    from nexus.errors import UnknownSymbolError

    from nexus.data.contracts import is_contract

    # single futures contracts (NQH25 ...) repeat their root's continuous series and carry no regimes
    wanted = list(symbols) if symbols else [s for s in store.symbols() if not is_contract(s)]
    tfs = set(timeframes) if timeframes else None
    out = []
    for sym in wanted:
        for tf in store.timeframes(sym):
            if tfs is not None and tf not in tfs:
                continue
            bars = store.read(sym, tf)
            regimes = None
            try:
                aux = store.read_aux(sym, tf, "regime")
            except UnknownSymbolError:
                aux = None
            if aux is not None and "regime" in aux:
                regimes = _align_aux(bars.ts, aux, f"{sym} {tf}")
            out.append(SeriesInput(bars, regimes))
    if not out:
        raise ModelError(f"no bars for {wanted or 'any symbol'} in {store.root}; build the store with `nexus data synth`")
    return out


def _align_aux(ts: np.ndarray, aux: dict, where: str) -> np.ndarray:
    ats = np.asarray(aux.get("ts", ts), dtype=np.int64)
    codes = np.asarray(aux["regime"])
    if ats.shape == ts.shape and np.array_equal(ats, ts):
        return codes
    pos = np.searchsorted(ats, ts)
    hit = (pos < ats.size) & (ats[np.minimum(pos, ats.size - 1)] == ts)
    if not hit.all():
        raise ModelError(f"{where}: the stored regimes do not cover every bar; rebuild the synthetic store")
    return codes[pos]


def _native_raw(res: SlotResult, X: np.ndarray) -> np.ndarray:
    obj = res.native
    if hasattr(obj, "inplace_predict"):
        out = obj.inplace_predict(X, validate_features=False)
    elif hasattr(obj, "decision_function") and type(obj).__name__ == "IsolationForest":
        out = obj.decision_function(X)
    elif hasattr(obj, "predict_proba"):
        out = obj.predict_proba(X)
    else:
        out = obj.predict(X)
    return np.asarray(out, dtype=np.float64).reshape(X.shape[0], -1)


def _entry(res: SlotResult, ts: TrainingSet, cfg: TrainConfig, seconds: float) -> dict:
    spec = SLOTS[res.slot]
    starts = [w["start_ns"] for w in ts.windows.values()]
    ends = [w["end_ns"] for w in ts.windows.values()]
    usable = res.usable
    verdict = "beats" if usable else "does NOT beat"
    return {
        "layer": spec.layer,
        "task": spec.task,
        "library": spec.library,
        "feature_set": spec.feature_set,
        "feature_names": list(res.feature_names),
        "n_features": len(res.feature_names),
        "input_shape": [None, len(res.feature_names)],
        "input_dtype": "float32",
        "outputs": list(res.outputs),
        "output_shape": [None, len(res.outputs)],
        "output_meaning": spec.meaning,
        "raw_output": res.raw_output,
        "postprocess": res.postprocess,
        "horizon_bars": cfg.horizon,
        "train_window": {"start_ns": min(starts), "end_ns": max(ends), "start": _iso(min(starts)), "end": _iso(max(ends))},
        "train_windows": {k: dict(v, start=_iso(v["start_ns"]), end=_iso(v["end_ns"])) for k, v in ts.windows.items()},
        "metrics": {
            **res.extra,  # first, so that no extra figure can shadow the verdict's own numbers
            "metric": res.metric, "model": res.model_score, "baseline": res.baseline_score,
            "higher_is_better": res.higher_is_better, "baseline_is": spec.baseline, "n_fit": res.n_fit,
            "n_validation": res.n_val,
        },
        "usable": usable,
        "verdict": f"{res.metric} {res.model_score:.5g} vs baseline {res.baseline_score:.5g}: {verdict} the baseline out of sample",
        "params": res.params,
        "library_versions": versions(),
        "fit_seconds": round(seconds, 2),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _carry_over(old: Registry, new: Registry, retrained: set[str]) -> dict[str, str | None]:
    """Copy the previous registry's slots that this run does not train; {slot: run that trained it}."""
    if not Path(old.root).is_dir() or not old.manifest_path.is_file():
        return {}
    try:
        slots = old.slots()
    except ModelError as exc:  # a damaged registry must not stop the training that replaces it
        warnings.warn(f"the previous registry cannot be read ({exc}); no slot is carried over", stacklevel=3)
        return {}
    carried: dict[str, str | None] = {}
    for slot in slots:
        if slot in retrained:
            continue
        entry = old.entry(slot)
        try:
            blob = (Path(old.root) / entry["file"]).read_bytes()
        except (OSError, KeyError):
            blob = b""
        if not blob or sha256_bytes(blob) != entry.get("sha256"):
            warnings.warn(f"{slot}: the previous model file is missing or does not match its sha256; "
                          f"it is not carried over (train it with --slots {slot})", stacklevel=3)
            continue
        keep = {k: v for k, v in entry.items() if k not in ("slot", "file", "format", "sha256", "bytes")}
        new.save(slot, blob, entry["format"], keep)
        for f in old.folds(slot):  # a walk-forward slot keeps every fold with it
            fblob = (Path(old.root) / f["file"]).read_bytes() if f.get("file") else None
            if fblob is not None and sha256_bytes(fblob) != f.get("sha256"):
                warnings.warn(f"{slot} fold {f['fold']}: file does not match its sha256; carried without its model",
                              stacklevel=3)
                fblob = None
            fkeep = {k: v for k, v in f.items() if k not in ("slot", "fold", "file", "format", "sha256", "bytes")}
            if fblob is None:
                fkeep.update(used=False, usable=False, reason="rule: model file damaged")
            new.save_fold(slot, int(f["fold"]), fblob, f.get("format") if fblob is not None else None, fkeep)
        carried[slot] = entry.get("run_id")
    return carried


def train_models(series: list[SeriesInput], out: str = "data/models", cfg: TrainConfig | None = None, *,
                 slots: Iterable[str] | None = None, mq_fn: Callable = default_mq, sig_fn: Callable = default_signals,
                 progress: Callable[[str], None] | None = None, store_fingerprint: str = "") -> dict[str, dict]:
    """Fit, export, verify and register the slots (all by default); returns the manifest entries written."""
    cfg = cfg or TrainConfig()
    names = list(slots) if slots else list(SLOT_NAMES)
    for s in names:
        get_slot(s)
    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    run_id = uuid.uuid4().hex
    if cfg.walk_forward:
        from nexus.models.train_folds import train_walk_forward

        with staged_dir(out) as staging:
            reg = Registry(staging, threads=1)
            carried = _carry_over(Registry(out), reg, set(names))
            written = train_walk_forward(series, reg, cfg, names, TRAINERS, _entry, run_id, mq_fn=mq_fn, sig_fn=sig_fn,
                                         corrupt_fn=corrupt_eval, say=say)
            for slot, entry in written.items():
                say(f"{slot}: latest fold {entry['verdict']}")
            reg.update(
                run_id=run_id, carried_over=carried, schedule="walk_forward", step=cfg.step, window=cfg.window,
                embargo_bars=cfg.embargo_rows, initial_fraction=cfg.initial_fraction, confidence=cfg.confidence,
                trained_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), series=sorted(s.key for s in series),
                store_fingerprint=store_fingerprint, horizon_bars=cfg.horizon, max_rows=cfg.fold_rows,
                regime_labels="synthetic" if all(s.regimes is not None for s in series) else "mqscore_rules",
                seconds=round(time.perf_counter() - t0, 1),
            )
        return written
    ts = collect(series, cfg, mq_fn=mq_fn, sig_fn=sig_fn, corrupt_fn=corrupt_eval, progress=say)
    say(f"features and labels: {time.perf_counter() - t0:.1f}s, {ts.X_fit.shape[0]:,} fit rows, {ts.X_val.shape[0]:,} validation rows")
    written: dict[str, dict] = {}
    with staged_dir(out) as staging:
        reg = Registry(staging, threads=1)
        carried = _carry_over(Registry(out), reg, set(names))
        for slot in names:
            t1 = time.perf_counter()
            try:
                res = TRAINERS[slot](ts, cfg)
            except ModelError as exc:
                warnings.warn(f"{slot}: not trained ({exc})", stacklevel=2)
                say(f"{slot}: NOT trained: {exc}")
                continue
            entry = dict(_entry(res, ts, cfg, time.perf_counter() - t1), run_id=run_id)
            fmt = res.fmt
            reg.save(slot, res.blob, fmt, entry)
            if res.X_check is not None and len(res.X_check):
                X = np.ascontiguousarray(res.X_check, dtype=np.float32)
                got = run_batched(reg.load(slot).runner, X).astype(np.float64)
                diff = float(np.max(np.abs(got - _native_raw(res, X))))
                entry["parity_max_abs_diff"] = diff
                entry = reg.save(slot, res.blob, fmt, entry)
            written[slot] = entry
            say(f"{slot}: {entry['verdict']} ({entry['fit_seconds']}s)")
        reg.update(
            run_id=run_id, carried_over=carried,
            trained_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), series=sorted(ts.windows),
            store_fingerprint=store_fingerprint, horizon_bars=cfg.horizon, max_rows=cfg.max_rows,
            regime_labels=ts.regime_source, seconds=round(time.perf_counter() - t0, 1),
        )
    return written


__all__ = ["train_models", "series_from_store", "TRAINERS", "TrainConfig", "SeriesInput"]
