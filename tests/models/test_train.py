"""Training end to end on a small synthetic store: CLI round trip, honesty, leakage, refusals."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from nexus.cli import main
from nexus.data.sources import synth
from nexus.data.store import BarStore
from nexus.models import build_features
from nexus.models.registry import Registry
from nexus.models.slots import SLOT_NAMES
from nexus.models.train import SeriesInput, TrainConfig, train_models

N_BARS = 60_000  # regimes last hours to days: fewer bars leave a validation fold with one or two regimes


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A two-symbol synthetic store and the models `nexus train` fits on it."""
    root = tmp_path_factory.mktemp("store")
    store = BarStore(root)
    for seed, sym in enumerate(("BTCUSDT", "ETHUSDT"), start=3):
        bars, regimes = synth.generate(sym, "1m", n=N_BARS, seed=seed)  # distinct seeds: distinct regime paths
        store.write(bars, source="synthetic")
        store.write_aux(sym, "1m", "regime", bars.ts, {"regime": regimes})
    out = tmp_path_factory.mktemp("models")
    code = main(["--store", str(root), "train", "--out", str(out), "--schedule", "single", "--max-rows", "12000",
                 "--model-scale", "0.2", "--quiet"])
    assert code == 0
    return store, out


def test_every_slot_is_trained_and_recorded(trained):
    store, out = trained
    man = json.loads((out / "manifest.json").read_text())
    assert sorted(man["models"]) == sorted(SLOT_NAMES)
    assert man["regime_labels"] == "synthetic" and man["series"] == ["BTCUSDT/1m", "ETHUSDT/1m"]
    bars = store.read("BTCUSDT", "1m")
    cut = int(N_BARS * 0.6)
    for slot, e in man["models"].items():
        assert e["format"] in ("onnx", "xgboost-ubj")
        assert e["train_windows"]["BTCUSDT/1m"]["end_ns"] == int(bars.ts[cut - 1])
        assert e["input_shape"] == [None, len(e["feature_names"])]
        assert e["parity_max_abs_diff"] < 1e-5, slot
        assert e["metrics"]["n_validation"] > 0 and np.isfinite(e["metrics"]["model"])
        assert e["library_versions"]["xgboost"] and e["verdict"]


def test_round_trip_predicts_after_the_window(trained):
    from nexus.mqscore import mqscore
    from nexus.strategies import signals

    store, out = trained
    bars = store.read("ETHUSDT", "1m")
    fm = build_features(bars, mqscore(bars), signals(bars))
    cut = int(N_BARS * 0.6)
    reg = Registry(out)
    for slot in SLOT_NAMES:
        m = reg.load(slot)
        m.check_applicable(bars.ts[cut:], series="ETHUSDT/1m")
        with pytest.raises(Exception, match="inside or before its training window"):
            m.check_applicable(bars.ts[cut - 5:])
        y = m.predict(fm.select(m.feature_names)[cut:])
        assert y.shape == (N_BARS - cut, len(m.outputs)) and y.dtype == np.float32
        assert np.isfinite(y).all(), slot
    vol = reg.load("volatility_forecast").predict(fm.select(reg.load("volatility_forecast").feature_names)[cut:])
    assert (vol > 0).all()
    anomaly = reg.load("anomaly_detector").predict(fm.select(reg.load("anomaly_detector").feature_names)[cut:])
    assert ((anomaly >= 0) & (anomaly <= 1)).all()
    router = reg.load("router")
    p = router.predict(fm.select(router.feature_names)[cut:])
    assert ((p >= 0) & (p <= 1)).all() and (p[:, 0] + p[:, 1] <= 1 + 1e-6).all()
    risk = reg.load("risk_classifier")
    np.testing.assert_allclose(risk.predict(fm.select(risk.feature_names)[cut:]).sum(axis=1), 1.0, atol=1e-5)
    # one batched call over several symbols equals one call per symbol
    from nexus.models.inference import predict_many

    other = store.read("BTCUSDT", "1m")
    fm2 = build_features(other, mqscore(other), signals(other))
    both = predict_many(risk, {"ETHUSDT": fm, "BTCUSDT": fm2})
    np.testing.assert_array_equal(both["BTCUSDT"][cut:], risk.predict(fm2.select(risk.feature_names))[cut:])
    np.testing.assert_array_equal(both["ETHUSDT"], risk.predict(fm.select(risk.feature_names)))


def test_vol_forecaster_and_regime_classifier_beat_their_baselines(trained):
    _, out = trained
    man = json.loads((out / "manifest.json").read_text())["models"]
    vol = man["volatility_forecast"]["metrics"]
    assert vol["model"] < vol["baseline"] and man["volatility_forecast"]["usable"]
    reg = man["regime_classifier"]["metrics"]
    assert reg["model"] > reg["baseline"] and man["regime_classifier"]["usable"]


def test_report_shows_model_next_to_baseline(trained, capsys):
    _, out = trained
    assert main(["models", "report", "--models", str(out)]) == 0
    text = capsys.readouterr().out
    man = json.loads((out / "manifest.json").read_text())["models"]
    for slot, e in man.items():
        line = next(l for l in text.splitlines() if l.strip().startswith(slot))
        assert ("does NOT beat" in line) == (not e["usable"])
    if not all(e["usable"] for e in man.values()):
        assert "falls back to the rule version" in text


def test_tampered_file_is_refused_by_the_cli(trained, tmp_path, capsys):
    _, out = trained
    copy = tmp_path / "models"
    shutil.copytree(out, copy)
    path = copy / "router.ubj"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    assert main(["models", "verify", "--models", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "router.ubj does not match its sha256" in err and "nexus train" in err


def test_missing_store_is_a_clear_cli_error(tmp_path, capsys):
    assert main(["--store", str(tmp_path / "nowhere"), "train", "--out", str(tmp_path / "m")]) == 2
    assert "nexus --store" in capsys.readouterr().err


def _shuffle_after(bars, regimes, cut, seed):
    """The same series with every bar from ``cut`` on replaced by a reshuffled path."""
    rng = np.random.default_rng(seed)
    r = np.diff(np.log(bars.close))
    tail = rng.permutation(r[cut - 1:])
    close = bars.close.copy()
    close[cut:] = close[cut - 1] * np.exp(np.cumsum(tail))
    ratio = np.ones_like(close)
    ratio[cut:] = close[cut:] / bars.close[cut:]
    arrays = {c: getattr(bars, c) * ratio for c in ("open", "high", "low")}
    vol = bars.volume.copy()
    vol[cut:] = rng.permutation(vol[cut:])
    new_regimes = regimes.copy()
    new_regimes[cut:] = rng.permutation(regimes[cut:])
    tb = np.minimum(bars.taker_buy_volume, vol)
    return bars.with_columns(close=close, volume=vol, taker_buy_volume=tb, **arrays), new_regimes


def test_shuffling_after_the_window_changes_nothing(tmp_path):
    from nexus.models import labels as lab

    bars, regimes = synth.generate("SOLUSDT", "1m", n=6000, seed=5)
    cfg = TrainConfig(max_rows=4000, model_scale=0.1, horizon=20, walk_forward=False)
    cut = int(len(bars) * cfg.train_fraction)
    other, other_reg = _shuffle_after(bars, regimes, cut, seed=1)
    # the test can fail: labels of the last rows of the window do read the shuffled future
    a, b = lab.forward_return(bars.close, cfg.horizon), lab.forward_return(other.close, cfg.horizon)
    assert not np.allclose(a[cut - cfg.horizon:cut], b[cut - cfg.horizon:cut])
    np.testing.assert_array_equal(a[: cut - cfg.horizon], b[: cut - cfg.horizon])
    slots = ["volatility_forecast", "regime_classifier", "router", "risk_multiplier", "governor"]
    first = train_models([SeriesInput(bars, regimes)], tmp_path / "a", cfg, slots=slots)
    second = train_models([SeriesInput(other, other_reg)], tmp_path / "b", cfg, slots=slots)
    for slot in slots:
        assert first[slot]["sha256"] == second[slot]["sha256"], slot
        assert first[slot]["metrics"] == second[slot]["metrics"], slot


def test_until_sets_the_window_and_symbols_select_series(trained, tmp_path):
    from nexus.data.timeframes import to_utc_ns
    from nexus.models.train import series_from_store
    from nexus.models.train_data import cut_index

    store, _ = trained
    series = series_from_store(store, ["ETHUSDT"])
    assert [s.key for s in series] == ["ETHUSDT/1m"] and series[0].regimes is not None
    bars = series[0].bars
    until = int(bars.ts[40_000])
    assert cut_index(bars, TrainConfig(until_ns=until)) == 40_000  # bars strictly before --until
    assert cut_index(bars, TrainConfig()) == int(len(bars) * 0.6)
    date = str(np.datetime64(until, "ns"))
    out = tmp_path / "m"
    assert main(["--store", str(store.root), "train", "--out", str(out), "--schedule", "single", "--symbols", "ETHUSDT", "--until", date,
                 "--slots", "volatility_forecast", "--max-rows", "3000", "--model-scale", "0.1", "--quiet"]) == 0
    e = Registry(out).entry("volatility_forecast")
    assert e["train_windows"]["ETHUSDT/1m"]["end_ns"] == int(bars.ts[40_000 - 1])
    assert to_utc_ns(date) == until and Registry(out).slots() == ["volatility_forecast"]
