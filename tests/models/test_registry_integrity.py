"""The registry is one run's complete set: kills, swaps, mixes and empty registries are refused."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nexus.cli import main
from nexus.data.sources import synth
from nexus.data.store import BarStore
from nexus.errors import ModelError
from nexus.models.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ["--max-rows", "3000", "--fold-rows", "3000", "--step", "4d", "--model-scale", "0.1", "--quiet"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_store")
    store = BarStore(root, fsync=False)
    for seed, sym in enumerate(("BTCUSDT", "ETHUSDT"), start=3):
        bars, regimes = synth.generate(sym, "1m", n=20_000, seed=seed)
        store.write(bars, source="synthetic")
        store.write_aux(sym, "1m", "regime", bars.ts, {"regime": regimes})
    out = tmp_path_factory.mktemp("reg") / "models"
    assert main(["--store", str(root), "train", "--out", str(out), *TRAIN]) == 0
    return root, out


def _state(out: Path) -> tuple[str, dict]:
    """The run id of the registry at ``out``, after checking it is one complete run's set."""
    man = json.loads((out / "manifest.json").read_text())
    records = Registry(out).verify()
    assert all(r["ok"] for r in records), [r for r in records if not r["ok"]]
    carried = man.get("carried_over", {})
    assert all(e["run_id"] == (carried[s] if s in carried else man["run_id"]) for s, e in man["models"].items())
    folds = [f for v in man.get("folds", {}).values() for f in v if f.get("file")]  # walk-forward: one file per fold
    listed = {e["file"] for e in man["models"].values()} | {f["file"] for f in folds} | {"manifest.json"}
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == listed
    return man["run_id"], {e["file"]: e["sha256"] for e in list(man["models"].values()) + folds}


@pytest.mark.slow
def test_train_killed_at_random_moments_leaves_the_old_or_the_new_registry(tiny, tmp_path):
    store_root, first = tiny
    out = tmp_path / "models"
    shutil.copytree(first, out)
    cmd = [sys.executable, "-m", "nexus", "--store", str(store_root), "train", "--out", str(out), *TRAIN]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    full = time.perf_counter() - t0
    runs = {_state(out)[0]}
    outcomes = []
    rng = np.random.default_rng(7)
    # one kill as soon as the staging folder exists (surely mid-run, however loaded the machine),
    # then kills at random moments of a run's measured length
    for frac in [None, *sorted(rng.uniform(0.3, 1.05, size=4))]:
        before, _ = _state(out)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if frac is None:
            while proc.poll() is None and not any(".staging-" in p.name for p in out.parent.iterdir()):
                time.sleep(0.005)
        else:
            time.sleep(full * frac)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after, _ = _state(out)  # a complete set either way
        assert after == before or after not in runs  # the old run, or a whole new one
        outcomes.append(after == before)
        runs.add(after)
    assert True in outcomes  # at least one kill landed mid-run (the old set survived)
    # leftovers of the killed runs are cleaned by the next training into the same folder
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    assert not [p for p in out.parent.iterdir() if ".staging-" in p.name]


def test_partial_retrain_carries_the_other_slots_over_and_verifies(tiny, tmp_path):
    store_root, first = tiny
    out = tmp_path / "models"
    shutil.copytree(first, out)
    old = json.loads((out / "manifest.json").read_text())
    assert main(["--store", str(store_root), "train", "--out", str(out), "--slots", "volatility_forecast", *TRAIN]) == 0
    man = json.loads((out / "manifest.json").read_text())
    assert man["run_id"] != old["run_id"]
    assert man["models"]["volatility_forecast"]["run_id"] == man["run_id"]
    assert man["carried_over"] == {s: old["run_id"] for s in old["models"] if s != "volatility_forecast"}
    for s in man["carried_over"]:
        assert man["models"][s]["sha256"] == old["models"][s]["sha256"]
    assert main(["models", "verify", "--models", str(out)]) == 0


@pytest.mark.parametrize("case", ["missing", "empty folder", "no manifest", "no models"])
def test_models_verify_with_nothing_to_verify_exits_2(tmp_path, capsys, case):
    reg = tmp_path / "reg"
    if case != "missing":
        reg.mkdir()
    if case == "no manifest":
        (reg / "router.ubj").write_bytes(b"x")
    if case == "no models":
        (reg / "manifest.json").write_text(json.dumps({"version": 1, "models": {}}))
    assert main(["models", "verify", "--models", str(reg)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(reg) in err and "nexus train --out" in err


def test_entries_of_another_run_and_stray_files_are_refused(tiny, tmp_path, capsys):
    _, first = tiny
    out = tmp_path / "models"
    shutil.copytree(first, out)
    man = json.loads((out / "manifest.json").read_text())
    man["models"]["router"]["run_id"] = "0" * 32
    (out / "manifest.json").write_text(json.dumps(man))
    assert main(["models", "verify", "--models", str(out)]) == 2
    err = capsys.readouterr().err
    assert "router: trained by run '000" in err and "mixes runs" in err and err.count("\n") == 1
    man["models"]["router"]["run_id"] = man["run_id"]
    (out / "manifest.json").write_text(json.dumps(man))
    (out / "old_model.onnx").write_bytes(b"stray")
    assert main(["models", "verify", "--models", str(out)]) == 2
    assert "old_model.onnx: model file not listed" in capsys.readouterr().err


def _swap_in(out: Path, slot: str, blob: bytes) -> None:
    """Replace a slot's file and make the manifest's hash match it: only the shapes can tell."""
    man = json.loads((out / "manifest.json").read_text())
    e = man["models"][slot]
    (out / e["file"]).write_bytes(blob)
    e["sha256"] = hashlib_sha256(blob)
    e["bytes"] = len(blob)
    (out / "manifest.json").write_text(json.dumps(man))


def hashlib_sha256(blob: bytes) -> str:
    import hashlib

    return hashlib.sha256(blob).hexdigest()


def test_swapped_model_with_a_matching_hash_is_refused_by_its_shape(tiny, tmp_path, capsys):
    import xgboost as xgb

    from nexus.models.export import export_xgboost, xgboost_to_onnx

    _, first = tiny
    out = tmp_path / "models"
    shutil.copytree(first, out)
    man = json.loads((out / "manifest.json").read_text())["models"]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)).astype(np.float32)
    y = X[:, 0] + 0.1 * rng.normal(size=300)
    small = xgb.XGBRegressor(n_estimators=5, max_depth=2, nthread=1).fit(X, y)
    ubj_slot = next(s for s, e in man.items() if e["format"] == "xgboost-ubj")
    onnx_slot = next(s for s, e in man.items() if e["format"] == "onnx")
    _swap_in(out, ubj_slot, export_xgboost(small))
    with pytest.raises(ModelError, match=f"takes 5 features per row but the manifest lists {man[ubj_slot]['n_features']}"):
        Registry(out).load(ubj_slot)
    blob, _ = xgboost_to_onnx(small, 5)
    _swap_in(out, onnx_slot, blob)
    with pytest.raises(ModelError, match=f"slot '{onnx_slot}' takes 5 features per row"):
        Registry(out).load(onnx_slot)
    assert main(["models", "verify", "--models", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "features per row but the manifest lists" in err and "1 more problem" in err


def test_a_damaged_previous_registry_does_not_block_retraining(tiny, tmp_path):
    store_root, first = tiny
    out = tmp_path / "models"
    shutil.copytree(first, out)
    (out / "router.ubj").write_bytes(b"damaged")
    with pytest.warns(UserWarning, match="router: the previous model file is missing or does not match"):
        from nexus.models.train import TrainConfig, series_from_store, train_models

        train_models(series_from_store(BarStore(store_root)), str(out), TrainConfig(max_rows=3000, fold_rows=3000, step="4d", model_scale=0.1),
                     slots=["volatility_forecast"])
    man = json.loads((out / "manifest.json").read_text())
    assert "router" not in man["models"] and "router" not in man["carried_over"]
    assert _state(out)[0] == man["run_id"]
    (out / "manifest.json").write_text("{broken")
    with pytest.warns(UserWarning, match="previous registry cannot be read"):
        train_models(series_from_store(BarStore(store_root)), str(out), TrainConfig(max_rows=3000, fold_rows=3000, step="4d", model_scale=0.1),
                     slots=["volatility_forecast"])
    assert list(json.loads((out / "manifest.json").read_text())["models"]) == ["volatility_forecast"]
