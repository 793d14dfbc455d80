"""Bench inputs shared by the stages: the default store when it is built, else random walks of its sizes;
and vectorbt with its engines for the side-by-side stages.

Benchmarks are about throughput, so when the default store is missing a
random walk of the same sizes is as good an input; the row's notes say
which one was used.
"""

from __future__ import annotations

import numpy as np

END_NS = 1_793_491_200_000_000_000  # 2026-11-01T00:00Z, where the synthetic default set ends


def default_sizes() -> dict[tuple[str, str], int]:
    from nexus.data.sources.synth import DEFAULT_SIZES

    return dict(DEFAULT_SIZES)


def random_walk(symbol: str, timeframe: str, n: int, seed: int, price: float = 100.0):
    """Valid OHLCV bars with volume tied to |r| and taker-buy flow tied to the return."""
    from nexus.data.bars import Bars
    from nexus.data.timeframes import timeframe_ns

    rng = np.random.default_rng(seed)
    ts = END_NS - timeframe_ns(timeframe) * np.arange(n, 0, -1, dtype=np.int64)
    r = rng.standard_t(4, n) * 0.001
    close = price * np.exp(np.cumsum(r))
    open_ = np.concatenate(([price], close[:-1]))
    wick = np.abs(rng.normal(0, 0.001, (2, n))) * close
    volume = rng.gamma(2.0, 50.0, n) * (1 + 200 * np.abs(r))
    share = np.clip(0.5 + 20 * r + rng.normal(0, 0.05, n), 0.01, 0.99)
    return Bars.from_arrays(
        symbol=symbol, timeframe=timeframe, ts=ts, open=open_, close=close,
        high=np.maximum(open_, close) + wick[0], low=np.minimum(open_, close) - wick[1], volume=volume,
        trades=rng.integers(1, 2000, n), quote_volume=volume * close, taker_buy_volume=volume * share,
    )


def default_series(ctx, scale: float = 1.0) -> tuple[dict, str]:
    """{(symbol, timeframe): Bars} of the default set and a note naming the source."""
    sizes = default_sizes()
    if scale == 1.0 and (ctx.store_root / "_SUCCESS").exists():
        from nexus.data.store import BarStore

        store = BarStore(ctx.store_root)
        data = {k: store.read(*k) for k in sizes if store.has(*k)}
        if data:
            return data, f"store {ctx.store_root}"
    data = {k: random_walk(k[0], k[1], max(1000, int(n * scale)), i) for i, (k, n) in enumerate(sizes.items())}
    return data, "random-walk bars of the default sizes" + (f" x {scale:g}" if scale != 1.0 else "")


def vectorbt_engines():
    """(vectorbt module, its engines: "numba" and "rust" when vectorbt-rust is installed) and "",
    or (None, a note saying why the comparison is skipped)."""
    try:
        import vectorbt as vbt
    except Exception as exc:  # noqa: BLE001 - any import failure means "skip with a note"
        return None, f"vectorbt not importable ({type(exc).__name__}: {exc}); run with .venv-bench (the bench extra)"
    engines = ["numba"]
    try:
        from vectorbt._engine import is_rust_available

        if is_rust_available():
            engines.append("rust")
    except Exception:  # noqa: BLE001
        pass
    return (vbt, engines), ""


def vectorbt_side_by_side(ctx, vb, simulate, final, items: float, repeat: int):
    """Time ``simulate(vbt, engine)`` (a vectorbt Portfolio) on each engine and compare its final values to ``final``.

    Returns (name and seconds of the faster engine, the relative differences, extra figures, notes).
    """
    import gc

    vbt, engines = vb
    notes = [] if "rust" in engines else ["vectorbt-rust not available: numba engine only"]
    extra, diffs = {}, []
    ref_name, ref_t = "", None
    for eng in engines:
        vbt.settings["engine"] = eng
        # the slow reference runs once per wide case after a compile/warm-up run
        t = ctx.timeit(lambda eng=eng: simulate(vbt, eng), repeat=repeat)
        p = simulate(vbt, eng)
        fv = np.asarray(p.final_value(), dtype=np.float64).reshape(-1)
        del p
        gc.collect()
        diff = float(np.max(np.abs(fv / final - 1.0)))
        extra[f"vectorbt_{eng}_final_absdiff"] = float(np.max(np.abs(fv - final)))
        diffs.append(diff)
        extra[f"vectorbt_{eng}_rate"] = items / t
        extra[f"vectorbt_{eng}_final_diff"] = diff
        notes.append(f"vectorbt {eng}: {items / t / 1e6:.2f}M bar-cols/s, final value rel diff {diff:.1e}")
        if ref_t is None or t < ref_t:
            ref_name, ref_t = f"vectorbt {eng}", t
    return ref_name, ref_t, diffs, extra, notes
