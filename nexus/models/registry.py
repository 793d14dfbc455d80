"""The model registry: files plus ``manifest.json`` with hashes, shapes and training windows.

``ROOT/manifest.json`` lists every slot's model: file, format (``onnx`` or
``xgboost-ubj``), sha256, feature names in order, input and output shapes
and meaning, training window(s), the out-of-sample metric next to its naive
baseline, ``usable``, and library versions. Loading checks the hash and
the model's real input and output widths against the manifest; a model that
did not beat its baseline loads with ``usable == False`` so the pipeline
falls back to the rule version with a warning.

A training run writes the whole registry into a staging folder and swaps it
in with one rename (:func:`nexus.io.atomic_dir.staged_dir`), so readers see
the previous complete registry or the new one, never a mix. The manifest's
``run_id`` names the run; every entry records the run that trained it (slots
kept from an earlier run are listed in ``carried_over``), and :meth:`verify`
checks that they agree.

>>> reg = Registry("data/models")                        # doctest: +SKIP
>>> m = reg.load("regime_classifier")                    # doctest: +SKIP
>>> m.check_applicable(bars.ts)                          # doctest: +SKIP
>>> proba = m.predict(fm.select(m.feature_names))        # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nexus.errors import ModelError
from nexus.io.atomic import write_atomic
from nexus.models.inference import DEFAULT_CHUNK, DEFAULT_THREADS, OnnxRunner, XGBoostRunner, postprocess, run_batched
from nexus.models.slots import get_slot

MANIFEST = "manifest.json"
FORMATS = {"onnx": ".onnx", "xgboost-ubj": ".ubj"}


def sha256_bytes(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def _iso(ns: int) -> str:
    return str(np.datetime64(int(ns), "ns")) + "Z"


@dataclass
class LoadedModel:
    """A verified model ready for batched prediction (see module docstring)."""

    slot: str
    entry: dict
    runner: Any = field(repr=False)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.entry["feature_names"])

    @property
    def n_features(self) -> int:
        return int(self.entry["n_features"])

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(self.entry["outputs"])

    @property
    def meaning(self) -> str:
        return str(self.entry.get("output_meaning", ""))

    @property
    def usable(self) -> bool:
        return bool(self.entry.get("usable", False))

    @property
    def train_window(self) -> tuple[int, int]:
        w = self.entry["train_window"]
        return int(w["start_ns"]), int(w["end_ns"])

    def predict(self, X: np.ndarray, *, chunk: int = DEFAULT_CHUNK) -> np.ndarray:
        """float32 [m, len(outputs)] for float32 rows X [m, n_features]; NaN rows (warm-up) give NaN."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            got = X.shape[1] if X.ndim == 2 else f"an array of shape {X.shape}"
            raise ModelError(
                f"model {self.slot!r} expects {self.n_features} features per row ({', '.join(self.feature_names[:4])}, ...), "
                f"got {got}; build them with build_features(...).select(model.feature_names)"
            )
        X = np.ascontiguousarray(X, dtype=np.float32)
        raw = run_batched(self.runner, X, chunk)
        post = self.entry.get("postprocess", {"kind": "identity"})
        return postprocess(post["kind"], post.get("params", {}), raw, X)

    def check_applicable(self, ts_ns: np.ndarray, force: bool = False, *, series: str | None = None) -> None:
        """Refuse bars inside or before the training window (ModelError) unless ``force`` (then warn).

        ``series`` ("SYMBOL/TF") uses that series' own window when the model
        recorded one; otherwise the overall window (latest end) applies.
        """
        ts = np.asarray(ts_ns, dtype=np.int64).ravel()
        if ts.size == 0:
            return
        windows = self.entry.get("train_windows", {})
        end = int(windows[series]["end_ns"]) if series in windows else self.train_window[1]
        bad = np.flatnonzero(ts <= end)
        if bad.size == 0:
            return
        msg = (f"model {self.slot!r} was trained on bars up to {_iso(end)}; {bad.size} of {ts.size} bars "
               f"(first at row {int(bad[0])}, {_iso(int(ts[bad[0]]))}) lie inside or before its training window. "
               "Apply it to later bars, retrain with `nexus train --until DATE`, or pass force=True")
        if not force:
            raise ModelError(msg)
        warnings.warn(msg + " (forced)", stacklevel=2)


class Registry:
    """Model files and their manifest under ``root`` (default ``data/models``)."""

    def __init__(self, root: str | os.PathLike = "data/models", *, threads: int = DEFAULT_THREADS) -> None:
        self.root = Path(root)
        self.threads = threads

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    @property
    def manifest(self) -> dict:
        """The parsed manifest (``{"models": {}}`` when the registry is empty)."""
        path = self.manifest_path
        if not path.exists():
            return {"version": 1, "models": {}}
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"{path} is not readable JSON ({exc}); retrain with `nexus train` to rewrite it") from exc
        if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
            raise ModelError(f"{path} has no 'models' table; retrain with `nexus train` to rewrite it")
        return data

    def slots(self) -> list[str]:
        return sorted(self.manifest["models"])

    def has(self, slot: str) -> bool:
        return slot in self.manifest["models"]

    def entry(self, slot: str) -> dict:
        models = self.manifest["models"]
        if slot not in models:
            get_slot(slot)  # an unknown name gets the list of known slots
            raise ModelError(f"no {slot!r} model in {self.manifest_path}; train one with `nexus train --out {self.root}`")
        return models[slot]

    def save(self, slot: str, blob: bytes, fmt: str, entry: dict) -> dict:
        """Write the model file and its manifest entry (file first, then the manifest, each atomically)."""
        get_slot(slot)
        if fmt not in FORMATS:
            raise ModelError(f"unknown model format {fmt!r}; use one of {sorted(FORMATS)}")
        fname = f"{slot}{FORMATS[fmt]}"
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.root / fname, blob)
        full = dict(entry, slot=slot, file=fname, format=fmt, sha256=sha256_bytes(blob), bytes=len(blob))
        manifest = self.manifest
        manifest["models"][slot] = full
        write_atomic(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True, default=str).encode())
        return full

    def save_fold(self, slot: str, k: int, blob: bytes | None, fmt: str | None, entry: dict) -> dict:
        """Write fold ``k`` of a walk-forward slot (file ``{slot}.f{k:03d}.ext`` unless ``blob`` is None: not trained)."""
        get_slot(slot)
        full = dict(entry, slot=slot, fold=int(k), file=None, format=fmt, sha256=None, bytes=0)
        if blob is not None:
            if fmt not in FORMATS:
                raise ModelError(f"unknown model format {fmt!r}; use one of {sorted(FORMATS)}")
            fname = f"{slot}.f{int(k):03d}{FORMATS[fmt]}"
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomic(self.root / fname, blob)
            full.update(file=fname, sha256=sha256_bytes(blob), bytes=len(blob))
        manifest = self.manifest
        folds = [f for f in manifest.setdefault("folds", {}).get(slot, []) if int(f["fold"]) != int(k)]
        manifest["folds"][slot] = sorted(folds + [full], key=lambda f: int(f["fold"]))
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True, default=str).encode())
        return full

    def folds(self, slot: str) -> list[dict]:
        """The walk-forward folds of ``slot`` in order ([] for a single-window registry)."""
        return list((self.manifest.get("folds") or {}).get(slot, []))

    def load_fold(self, slot: str, fold: dict, *, threads: int | None = None) -> LoadedModel:
        """The verified model of one fold entry (see :meth:`folds`)."""
        if not fold.get("file"):
            raise ModelError(f"{slot} fold {fold.get('fold')}: no model file (not trained: {fold.get('reason', '?')})")
        return self._load_entry(slot, fold, threads)

    def update(self, **top: Any) -> None:
        """Set top-level manifest fields (training run info)."""
        manifest = self.manifest
        manifest.update(top)
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True, default=str).encode())

    def load(self, slot: str, *, threads: int | None = None) -> LoadedModel:
        """The verified model of ``slot``; ModelError on a missing file, hash mismatch or bad entry."""
        return self._load_entry(slot, self.entry(slot), threads)

    def _load_entry(self, slot: str, entry: dict, threads: int | None) -> LoadedModel:
        path = self.root / entry["file"]
        try:
            blob = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"model file {path} for slot {slot!r} cannot be read ({exc}); retrain with `nexus train --out {self.root}`") from exc
        digest = sha256_bytes(blob)
        if digest != entry["sha256"]:
            raise ModelError(
                f"model file {path} does not match its sha256 in {self.manifest_path} "
                f"(expected {entry['sha256'][:12]}..., got {digest[:12]}...): it was modified or corrupted; "
                f"retrain with `nexus train --out {self.root}`"
            )
        n = threads or self.threads
        try:
            if entry["format"] == "onnx":
                runner: Any = OnnxRunner(blob, entry["raw_output"], n)
            elif entry["format"] == "xgboost-ubj":
                runner = XGBoostRunner(blob, n)
            else:
                raise ModelError(f"{path}: unknown format {entry['format']!r}; retrain with `nexus train`")
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"model file {path} cannot be loaded ({exc}); retrain with `nexus train --out {self.root}`") from exc
        _check_shapes(slot, entry, runner, path, self.root)
        return LoadedModel(slot=slot, entry=entry, runner=runner)

    def verify(self) -> list[dict]:
        """Load every slot and check it belongs to the manifest's run; one record per slot.

        Raises ModelError when there is nothing to verify (no folder, no
        manifest, no models). Records carry ``ok`` and, when false, ``problem``.
        """
        where = self.root
        if not where.is_dir():
            raise ModelError(f"no model registry at {where}: the folder does not exist; train one with `nexus train --out {where}`")
        if not self.manifest_path.is_file():
            raise ModelError(f"no model registry at {where}: {MANIFEST} is missing; train one with `nexus train --out {where}`")
        manifest = self.manifest
        models = manifest["models"]
        if not models:
            raise ModelError(f"the model registry at {where} lists no models; train them with `nexus train --out {where}`")
        run = manifest.get("run_id")
        carried = manifest.get("carried_over", {}) or {}
        records = []
        for slot in sorted(models):
            rec: dict = {"slot": slot, "ok": True}
            try:
                m = self.load(slot)
                out = m.predict(np.zeros((2, m.n_features), dtype=np.float32))
                rec.update(outputs=list(m.outputs), shape=list(out.shape))
                entry_run = models[slot].get("run_id")
                if run is not None and entry_run != run and carried.get(slot) != entry_run:
                    raise ModelError(
                        f"{slot}: trained by run {entry_run!r} but the manifest belongs to run {run!r} and does not list it "
                        f"as carried over: the registry mixes runs; retrain with `nexus train --out {where}`"
                    )
            except ModelError as exc:
                rec.update(ok=False, problem=str(exc))
            records.append(rec)
        for slot, folds in sorted((manifest.get("folds") or {}).items()):
            for f in folds:
                if not f.get("file"):
                    continue
                try:
                    self.load_fold(slot, f)
                except ModelError as exc:
                    records.append({"slot": slot, "fold": f.get("fold"), "ok": False, "problem": str(exc)})
        listed = {str(e.get("file")) for e in models.values()}
        listed |= {str(f.get("file")) for folds in (manifest.get("folds") or {}).values() for f in folds}
        for f in sorted(self.root.iterdir()):
            if f.is_file() and not f.name.startswith(".") and f.suffix in FORMATS.values() and f.name not in listed:
                records.append({"slot": None, "ok": False,
                                "problem": f"{f}: model file not listed in {MANIFEST} (left by another run); retrain or remove it"})
        return records


def fold_rows(manifest: dict) -> list[dict[str, Any]]:
    """The result.json ``folds`` list: one row per slot, series and fold (ISO UTC times)."""
    out = []
    for slot, folds in sorted((manifest.get("folds") or {}).items()):
        for f in folds:
            for key, s in sorted((f.get("series") or {}).items()):
                out.append({
                    "slot": slot, "series": key, "fold": int(f["fold"]),
                    "train_start": _iso(s["train_start_ns"]), "train_end": _iso(s["train_end_ns"]),
                    "use_start": _iso(s["use_start_ns"]), "use_end": _iso(s["use_end_ns"]),
                    "embargo_ns": int(s["embargo_ns"]),
                    "score": f.get("score"), "baseline": f.get("baseline"),
                    "margin_lo": f.get("margin_lo"), "margin_hi": f.get("margin_hi"),
                    "used": bool(s["used"]), "reason": s["reason"],
                })
    return out


def _check_shapes(slot: str, entry: dict, runner: Any, path: Path, root: Path) -> None:
    """The model's real input width and output width must be the manifest's (a swapped file fails here)."""
    n = int(entry.get("n_features", len(entry.get("feature_names", []))))
    fix = f"retrain with `nexus train --out {root}`"
    declared = None
    if isinstance(runner, OnnxRunner):
        shape = runner.session.get_inputs()[0].shape
        declared = shape[-1] if shape and isinstance(shape[-1], int) else None
    elif isinstance(runner, XGBoostRunner):
        declared = int(runner.booster.num_features())
    if declared is not None and declared != n:
        raise ModelError(f"model file {path} for slot {slot!r} takes {declared} features per row but the manifest lists {n}; {fix}")
    try:
        raw = runner(np.zeros((1, n), dtype=np.float32))
        post = entry.get("postprocess", {"kind": "identity"})
        out = postprocess(post["kind"], post.get("params", {}), raw, np.zeros((1, n), dtype=np.float32))
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"model file {path} for slot {slot!r} fails on a {n}-feature row "
                         f"({type(exc).__name__}: {str(exc)[:160]}); {fix}") from None
    want = len(entry.get("outputs", [])) or out.shape[1]
    if out.ndim != 2 or out.shape[1] != want:
        raise ModelError(f"model file {path} for slot {slot!r} gives {out.shape[-1]} outputs per row but the manifest "
                         f"lists {want} ({', '.join(entry.get('outputs', []))}); {fix}")


__all__ = ["Registry", "LoadedModel", "sha256_bytes", "MANIFEST", "fold_rows"]
