"""Bench stage "models": batched tree-ensemble inference and the feature matrix of one 950k-bar symbol.

Cases:
- a 100-tree XGBoost regressor (depth 6, 32 float32 features) scoring 1M rows
  on one thread with ``inplace_predict`` and, exported with onnxmltools, in an
  onnxruntime session with one intra-op thread; target >= 1M rows/s;
- ``build_features(bars, mq, sig)`` for one 950k-bar symbol (MQScore and the
  signal matrix computed beforehand: they are their own stages); target < 2 s;
- walk-forward training of every slot at every fold over the whole default
  store (what a new user's first ``make demo`` pays once); target < 6 min.
Reference: a numpy memory-floor pass over the same data (a column sum of the
feature rows; a sum of the closes), measured in the same run.
"""

from __future__ import annotations

import numpy as np

NAME = "models"
ORDER = 60
N_FEATURES = 32


def _cpu_seconds(fn) -> float:
    """CPU seconds of one single-threaded run: on a shared machine the wall time counts other people's work."""
    import time

    c0 = time.process_time()
    fn()
    return time.process_time() - c0


def _bars(ctx, n):
    from nexus.data.store import BarStore

    store = BarStore(ctx.store_root)
    try:
        if store.has("BTCUSDT", "1m"):
            bars = store.read("BTCUSDT", "1m")
            return bars[len(bars) - n:] if len(bars) > n else bars
    except Exception:  # an unreadable store falls back to generated bars
        pass
    from nexus.data.sources import synth

    return synth.generate("BTCUSDT", "1m", n=n, seed=0)[0]


def run(ctx) -> list:
    import xgboost as xgb

    from bench import Row
    from nexus.models.export import export_xgboost, xgboost_to_onnx
    from nexus.models.inference import OnnxRunner, XGBoostRunner, run_batched

    rows = []
    n_rows = 100_000 if ctx.quick else 1_000_000
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_rows, N_FEATURES)).astype(np.float32)
    Xtr = X[:20_000]
    y = Xtr[:, 0] - 0.5 * Xtr[:, 1] ** 2 + np.sin(Xtr[:, 2]) + 0.1 * rng.normal(size=len(Xtr))
    model = xgb.XGBRegressor(n_estimators=100, max_depth=6, tree_method="hist", nthread=2).fit(Xtr, y)
    t_ref = ctx.timeit(lambda: X.sum(axis=0))
    xgb_run = XGBoostRunner(export_xgboost(model), threads=1)
    t_xgb = ctx.timeit(lambda: run_batched(xgb_run, X))
    c_xgb = _cpu_seconds(lambda: run_batched(xgb_run, X))
    rows.append(Row(NAME, f"XGBoost 100 trees inplace_predict, {n_rows:,} rows, 1 thread", t_xgb, n_rows, "rows",
                    reference="numpy column sum (memory floor)", ref_seconds=t_ref, ref_items=n_rows,
                    target=">= 1M rows/s", passed=n_rows / t_xgb >= 1e6,
                    notes=f"depth 6, 32 float32 features; {n_rows / c_xgb / 1e6:.2f}M rows per CPU-second",
                    extra={"cpu_seconds": c_xgb, "rows_per_cpu_second": n_rows / c_xgb}))
    blob, out = xgboost_to_onnx(model, N_FEATURES)
    onnx_run = OnnxRunner(blob, out, threads=1)
    got = run_batched(onnx_run, X[:10_000])[:, 0]
    parity = float(np.max(np.abs(got - model.predict(X[:10_000]))))
    t_onnx = ctx.timeit(lambda: run_batched(onnx_run, X))
    c_onnx = _cpu_seconds(lambda: run_batched(onnx_run, X))
    rows.append(Row(NAME, f"ONNX (onnxmltools) 100 trees, {n_rows:,} rows, 1 thread", t_onnx, n_rows, "rows",
                    reference="numpy column sum (memory floor)", ref_seconds=t_ref, ref_items=n_rows,
                    target=">= 1M rows/s", passed=n_rows / t_onnx >= 1e6,
                    notes=f"max |onnx - xgboost| = {parity:.2g}; {n_rows / c_onnx / 1e6:.2f}M rows per CPU-second",
                    extra={"cpu_seconds": c_onnx, "rows_per_cpu_second": n_rows / c_onnx}))

    from nexus.models.features import build_features
    from nexus.mqscore import mqscore
    from nexus.strategies import signals

    n_bars = 100_000 if ctx.quick else 950_000
    bars = _bars(ctx, n_bars)
    small = bars[:5_000]
    build_features(small, mqscore(small), signals(small))  # compile / load the numba cache outside the timing
    mq, sig = mqscore(bars), signals(bars)
    holder = {}

    def feats():
        holder["fm"] = build_features(bars, mq, sig)

    t_feat = ctx.timeit(feats, repeat=1 if ctx.quick else 3)
    fm = holder.pop("fm")
    t_floor = ctx.timeit(lambda: float(bars.close.sum()) + float(bars.volume.sum()))
    rows.append(Row(NAME, f"build_features one symbol ({len(bars):,} bars, {len(fm.names)} features)", t_feat, len(bars),
                    "bars", reference="numpy sum of close + volume", ref_seconds=t_floor, ref_items=len(bars),
                    target="" if ctx.quick else "< 2 s", passed=None if ctx.quick else t_feat < 2.0,
                    notes=f"float32 [{len(bars)}, {len(fm.names)}] = {fm.values.nbytes / 1e6:.0f} MB; MQScore and signals precomputed"))
    if not ctx.quick:
        rows.append(_walk_forward(ctx))
    return rows


def _walk_forward(ctx):
    import tempfile
    import time

    from bench import Row
    from nexus.data.store import BarStore
    from nexus.models.train import TrainConfig, series_from_store, train_models

    series = series_from_store(BarStore(ctx.store_root))
    n = sum(len(s.bars) for s in series)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        train_models(series, f"{tmp}/models", TrainConfig())
        secs = time.perf_counter() - t0
        import json

        man = json.loads(open(f"{tmp}/models/manifest.json").read())
    folds = max((len(v) for v in man.get("folds", {}).values()), default=0)
    used = sum(bool(f.get("used")) for v in man.get("folds", {}).values() for f in v)
    total = sum(len(v) for v in man.get("folds", {}).values())
    return Row(NAME, f"walk-forward training, whole default store ({len(series)} series, {folds} folds x 9 slots)",
               secs, n, "bars", target="< 360 s", passed=secs < 360.0,
               notes=f"{used} of {total} slot-folds significant; features once per series, fits on sampled rows")
