"""Walk-forward training: fold windows (embargo, tiling), significance decisions, fold-aware inference, leak canary."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from nexus.cli import main
from nexus.data.sources import synth
from nexus.data.store import BarStore
from nexus.errors import ConfigError, ModelError
from nexus.models.registry import Registry, fold_rows
from nexus.models.slots import SLOT_NAMES
from nexus.models.train_common import FEATURE_SET_NAMES, SlotResult, mean_margin
from nexus.models.train_data import TrainConfig, TrainingSet
from nexus.models.train_folds import NOT_SIGNIFICANT, USED, WORSE, decide, margin_interval
from nexus.models.walkforward import boundaries, series_step

N_BARS = 30_000  # ~21 days of 1m bars: an initial window of ~10 days, then folds every 3 days
TRAIN = ["--fold-rows", "4000", "--step", "3d", "--model-scale", "0.1", "--quiet"]


@pytest.fixture(scope="module")
def wf(tmp_path_factory):
    root = tmp_path_factory.mktemp("wf_store")
    store = BarStore(root, fsync=False)
    for seed, sym in enumerate(("BTCUSDT", "ETHUSDT"), start=5):
        bars, regimes = synth.generate(sym, "1m", n=N_BARS, seed=seed)
        store.write(bars, source="synthetic")
        store.write_aux(sym, "1m", "regime", bars.ts, {"regime": regimes})
    out = tmp_path_factory.mktemp("wf_reg") / "models"
    assert main(["--store", str(root), "train", "--out", str(out), *TRAIN]) == 0
    return store, out


def test_every_fold_ends_its_training_an_embargo_before_its_use_window(wf):
    store, out = wf
    man = json.loads((out / "manifest.json").read_text())
    assert man["schedule"] == "walk_forward" and man["embargo_bars"] >= man["horizon_bars"] == 30
    rows = fold_rows(man)
    assert {r["slot"] for r in rows} == set(SLOT_NAMES)
    for slot, folds in man["folds"].items():
        assert len(folds) >= 3, slot
        for f in folds:
            for key, s in f["series"].items():
                ts = store.read(*key.split("/")).ts
                assert s["train_end_ns"] + s["embargo_ns"] <= s["use_start_ns"], (slot, f["fold"], key)
                # in bars: the last bar a training label reads is >= horizon + embargo bars before the first used bar
                last = int(np.searchsorted(ts, s["train_end_ns"]))
                first = int(np.searchsorted(ts, s["use_start_ns"]))
                assert first - last >= man["embargo_bars"], (slot, f["fold"], key)
    for r in rows:
        assert r["train_end"] < r["use_start"] < r["use_end"]
        assert set(r) >= {"slot", "series", "fold", "train_start", "train_end", "use_start", "use_end", "score",
                          "baseline", "margin_lo", "margin_hi", "used"}


def test_folds_tile_each_series_out_of_sample_window_without_gaps_or_overlaps(wf):
    store, out = wf
    man = json.loads((out / "manifest.json").read_text())
    for slot, folds in man["folds"].items():
        for key in ("BTCUSDT/1m", "ETHUSDT/1m"):
            ts = store.read(*key.split("/")).ts
            wins = [(f["series"][key]["use_start_ns"], f["series"][key]["use_end_ns"]) for f in folds if key in f["series"]]
            assert wins == sorted(wins)
            for (a0, a1), (b0, b1) in zip(wins, wins[1:]):
                assert a1 == b0  # half-open windows meet exactly
            assert wins[-1][1] > ts[-1]  # the last window holds the last bar
            owner = np.zeros(ts.size, dtype=np.int64)
            for a, b in wins:
                owner += (ts >= a) & (ts < b)
            oos = ts >= wins[0][0]
            assert (owner[oos] == 1).all() and (owner[~oos] == 0).all()


def test_a_margin_interval_containing_zero_falls_back_to_the_rule():
    assert decide(-0.01, 0.02) == (False, NOT_SIGNIFICANT)
    assert decide(-0.03, -0.01) == (False, WORSE)
    assert decide(0.001, 0.02) == (True, USED)
    rng = np.random.default_rng(0)
    loss = rng.normal(1.0, 0.3, 2000)
    noise = loss + rng.normal(0.0, 0.05, 2000)  # the model is the baseline plus noise: no real margin
    res = SlotResult("governor", "onnx", b"", ("a",), ("trust",), "brier", float(noise.mean()), float(loss.mean()),
                     False, 100, 2000, **mean_margin(loss, noise))
    point, lo, hi = margin_interval(res, TrainConfig(n_boot=300), seed=1)
    assert point == pytest.approx(loss.mean() - noise.mean())
    assert lo < 0 < hi and decide(lo, hi)[0] is False
    better = SlotResult("governor", "onnx", b"", ("a",), ("trust",), "brier", float((loss - 0.2).mean()),
                        float(loss.mean()), False, 100, 2000, **mean_margin(loss, loss - 0.2 + rng.normal(0, 0.05, 2000)))
    assert decide(*margin_interval(better, TrainConfig(n_boot=300), seed=1)[1:])[0] is True


def test_leak_canary_a_feature_equal_to_the_label_on_training_rows_only_gains_nothing_out_of_sample():
    from nexus.models.train_signal import train_governor

    names = FEATURE_SET_NAMES["bar_mq_sig"]
    rng = np.random.default_rng(4)
    n_fit, n_val = 3000, 1500
    y_fit = (rng.random(n_fit) < 0.5).astype(np.float64)
    y_val = (rng.random(n_val) < 0.5).astype(np.float64)
    X_fit = rng.normal(size=(n_fit, len(names))).astype(np.float32)
    X_val = rng.normal(size=(n_val, len(names))).astype(np.float32)
    X_fit[:, 0] = y_fit  # the future label itself, present on training rows only
    X_val[:, 0] = (rng.random(n_val) < 0.5)  # out of sample the "feature" carries nothing
    ts = TrainingSet(names, X_fit, {"gov": y_fit}, X_val, {"gov": y_val}, {}, (), "synthetic", 5, [])
    res = train_governor(ts, TrainConfig())
    _, lo, hi = margin_interval(res, TrainConfig(n_boot=300), seed=0)
    assert hi < 0  # the leak makes the model worse than the base rate out of sample ...
    assert decide(lo, hi)[0] is False  # ... so the rule runs


def test_inference_scores_each_bar_with_the_fold_whose_use_window_holds_it(wf, tmp_path):
    from nexus.mqscore import mqscore
    from nexus.pipeline.modelset import ModelSet
    from nexus.strategies import signals

    store, out = wf
    copy = tmp_path / "models"
    shutil.copytree(out, copy)
    man = json.loads((copy / "manifest.json").read_text())
    slot = "volatility_forecast"
    folds = man["folds"][slot]
    for f in folds:  # every fold used, except the second, which falls back
        f["used"] = f["file"] is not None and f["fold"] != folds[1]["fold"]
        for s in f["series"].values():
            s["used"] = f["used"]
    (copy / "manifest.json").write_text(json.dumps(man))
    ms = ModelSet(copy, required=True)
    bars = store.read("BTCUSDT", "1m")
    bound = ms.bind(bars, mqscore(bars), signals(bars))
    rows = np.arange(len(bars))
    got = bound.predict(slot, rows)
    reg = Registry(copy)
    from nexus.models.features import build_features

    fm = build_features(bars, mqscore(bars), signals(bars))
    first = folds[0]["series"]["BTCUSDT/1m"]["use_start_ns"]
    assert np.isnan(got[bars.ts < first]).all()  # before the first fold: the rule
    for f in folds:
        s = f["series"]["BTCUSDT/1m"]
        inside = (bars.ts >= s["use_start_ns"]) & (bars.ts < s["use_end_ns"])
        if not f["used"]:
            assert np.isnan(got[inside]).all()
            continue
        m = reg.load_fold(slot, f)
        want = m.predict(fm.select(m.feature_names)[inside])
        np.testing.assert_allclose(got[inside], want, rtol=1e-5, atol=1e-7)
    # a fold whose training reaches into its use window is refused, never scored
    f = man["folds"][slot][0]
    f["series"]["BTCUSDT/1m"]["train_end_ns"] = f["series"]["BTCUSDT/1m"]["use_start_ns"]
    (copy / "manifest.json").write_text(json.dumps(man))
    bound = ModelSet(copy).bind(bars, mqscore(bars), signals(bars))
    with pytest.raises(ModelError, match="reaches into its use window"):
        bound.predict(slot, rows)


def test_models_report_lists_every_fold_with_its_interval_and_decision(wf, capsys):
    _, out = wf
    assert main(["models", "report", "--models", str(out)]) == 0
    text = capsys.readouterr().out
    man = json.loads((out / "manifest.json").read_text())
    n = sum(len(v) for v in man["folds"].values())
    assert text.count("[") >= n and "margin" in text and "decision" in text
    for slot in SLOT_NAMES:
        assert slot in text


def test_schedule_boundaries_and_steps():
    day = 86_400 * 10**9
    t0 = int(np.datetime64("2025-01-10", "ns").astype(np.int64))
    b = boundaries(t0, t0 + 400 * day, 0.5, "auto")
    assert [str(np.datetime64(x, "ns"))[:10] for x in b[:3]] == ["2025-08-01", "2025-09-01", "2025-10-01"]
    assert boundaries(t0, t0 + 10 * day, 0.5, "2d") == [t0 + 5 * day, t0 + 7 * day, t0 + 9 * day]
    assert series_step("1m", "auto") == 1 and series_step("1h", "auto") == 3 and series_step("1d", "auto") == 3
    assert series_step("1h", "month") == 1
    with pytest.raises(ConfigError, match="step"):
        boundaries(t0, t0 + 10 * day, 0.5, "weekly")
    with pytest.raises(ConfigError, match="horizon"):
        TrainConfig(horizon=30, embargo=10).embargo_rows


def _cfg(store, models, use_models=True):
    from nexus.pipeline.config import BacktestConfig, BookConfig

    sets = [f"run.store='{store.root}'", f"run.models='{models}'", "run.progress=false",
            f"run.use_models={'true' if use_models else 'false'}"]
    cfg = BacktestConfig.from_dict({}, source="<test>", overrides=sets)
    cfg.books = [BookConfig("main", ["BTCUSDT/1m", "ETHUSDT/1m"], "1m", 1_000_000.0)]
    return cfg


def test_backtest_out_of_sample_window_puts_rules_models_and_baselines_on_the_same_bars(wf):
    from nexus.pipeline import backtest
    from nexus.pipeline.oos import window_returns

    store, out = wf
    res = backtest(_cfg(store, out), ablate=True)
    book = res.books["main"]
    o = book.oos
    man = json.loads((out / "manifest.json").read_text())
    first = min(s["use_start_ns"] for f in man["folds"]["volatility_forecast"] for s in f["series"].values())
    assert o["start"].value == first
    table = o["table"]
    assert {"models", "rules", "baseline buy_and_hold"} <= set(table.index)
    # every variant is simulated afresh: flat at the book's capital up to the window, its return measured from there
    cap = 1_000_000.0
    for name, eq in o["equity"].items():
        before = eq[eq.index < o["start"]]
        assert (before.to_numpy() == cap).all(), name
        total = (float(eq.iloc[-1]) / cap - 1.0) * 100.0
        assert float(table.loc[name, "Total Return [%]"]) == pytest.approx(total, rel=1e-9, abs=1e-9), name
    # the rules variant runs the same bars as the --no-models backtest, over the window only
    rules = backtest(_cfg(store, out, use_models=False)).books["main"]
    assert rules.oos is None
    r = window_returns(rules.equity, first, cap)
    assert r.index.equals(window_returns(o["equity"]["rules"], first, cap).index)
    # buy and hold enters at the window's first tradable bar and holds: its window return is the price path's
    bh = o["equity"]["baseline buy_and_hold"]
    assert int(table.loc["baseline buy_and_hold", "trades entered"]) >= 1 and float(bh.iloc[-1]) != cap
    assert table.loc["models", "sharpe_lo"] <= table.loc["models", "Sharpe Ratio"] <= table.loc["models", "sharpe_hi"]
    # one ablation per slot in use, each a Sharpe difference with its interval
    used = [s for s, v in res.models.items() if v == "model"]
    assert sorted(o["ablation"].index) == sorted(used)
    d = res.to_dict()
    oos = d["books"]["main"]["oos"]
    assert {"start", "end", "rules", "models", "ablations"} <= set(oos)
    assert len(d["folds"]) == len(fold_rows(man)) > 0
    text = res.summary()
    assert "OUT OF SAMPLE main" in text and "Sharpe [lo, hi]" in text and "IN-SAMPLE" in text


def test_from_window_starts_flat_and_carries_a_standing_position_to_the_first_tradable_row():
    from nexus.pipeline.oos import from_window

    nan = np.nan
    d = np.array([[0.5, nan, 1.0], [nan, -0.5, nan], [nan, nan, nan], [nan, nan, 0.0], [0.25, nan, nan]])
    ts = np.arange(5) * 10
    plain = from_window(d, ts, 20)
    assert np.isnan(plain[:2]).all() and np.array_equal(plain[2:], d[2:], equal_nan=True)
    tradable = np.array([[1, 1, 1], [1, 1, 1], [0, 1, 1], [1, 1, 1], [1, 1, 1]], dtype=bool)
    got = from_window(d, ts, 15, carry=True, tradable=tradable)
    # column 0: last decision 0.5, row 2 closed -> placed on row 3; column 1: -0.5 on row 2;
    # column 2: 1.0 on row 2, then its own 0.0 on row 3 stays
    want = np.array([[nan, nan, nan], [nan, nan, nan], [nan, -0.5, 1.0], [0.5, nan, 0.0], [0.25, nan, nan]])
    assert np.array_equal(got, want, equal_nan=True)
    # a column whose own decision falls on its first row keeps it
    d2 = np.array([[1.0], [-1.0]])
    assert from_window(d2, np.array([0, 1]), 1, carry=True)[:, 0].tolist()[1] == -1.0
    # a window after the last row: nothing left
    assert np.isnan(from_window(d, ts, 99, carry=True)).all()


def test_collapse_note_names_the_layer_whose_vetoes_cut_the_trades():
    import pandas as pd

    from nexus.pipeline.oos import collapse_note

    idx = ["bars seen", "1 quality", "2 signals", "3 meta", "4 aggregate", "5 governance", "6 risk", "7 sizing"]
    f = pd.DataFrame({"models": [1000, 900, 800, 700, 600, 20, 15, 15],
                      "rules": [1000, 900, 800, 700, 600, 500, 400, 400]}, index=idx)
    note = collapse_note(f, {"models": 3, "rules": 200})
    assert "5 governance" in note and "3 trades against 200" in note
    assert collapse_note(f, {"models": 30, "rules": 200}) == ""
