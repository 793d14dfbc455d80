"""Registry, signals(), SignalMatrix, signal_columns and the input errors at the API edge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nexus as nx
from nexus.errors import ConfigError, ValidationError
from nexus.strategies import REGISTRY, nexus_names, register_strategy, signal_columns, signals, unregister_strategy
from nexus.strategies.context import Context
from tests.conftest import make_bars

GROUPS = {"event": 1, "breakout": 3, "microstructure": 3, "detection": 4, "technical": 3, "rotation": 2, "reversion": 2, "ml": 2}


def test_registry_holds_twenty_plus_four_baselines_with_metadata():
    names = nexus_names()
    assert len(names) == 20
    counts = {}
    for n in names:
        counts[REGISTRY[n].group] = counts.get(REGISTRY[n].group, 0) + 1
    assert counts == GROUPS
    assert [k for k, s in REGISTRY.items() if s.group == "baseline"] == ["sma_crossover", "zscore_reversion", "ts_momentum", "donchian_breakout"]
    for spec in REGISTRY.values():
        assert spec.description and spec.fn.__doc__
        for p in spec.params.values():
            assert p.low <= p.default <= p.high
        assert spec.warmup_for() >= 1
    # every order-book or tape idea names its bar proxy in the docstring
    for n in names:
        assert "bar proxy" in REGISTRY[n].fn.__doc__.lower(), n


def test_signals_matrix_matches_single_strategy_runs():
    b = make_bars(1200, seed=4)
    S = nx.signals(b, "nexus")
    assert S.names == tuple(nexus_names()) and S.signal.shape == (1200, 20) and S.signal.dtype == np.int8
    assert S.confidence.dtype == np.float32
    for j, name in enumerate(S.names):
        s, c = REGISTRY[name].compute(b)
        np.testing.assert_array_equal(S.signal[:, j], s)
        np.testing.assert_array_equal(S.confidence[:, j], c)
        w = S.warmup[name]
        assert not S.signal[:w, j].any() and not S.confidence[:w, j].any()
    # confidence is zero exactly where the signal is zero
    assert np.all((S.signal != 0) | (S.confidence == 0))


def test_signals_params_override_and_errors():
    b = make_bars(600, seed=2)
    S = signals(b, ["sma_crossover"], params={"sma_crossover": {"fast": 3, "slow": 7}})
    c = pd.Series(b.close)
    want = np.sign(c.rolling(3).mean() - c.rolling(7).mean()).fillna(0).to_numpy().astype(np.int8)
    want[:7] = 0
    np.testing.assert_array_equal(S.signal[:, 0], want)
    assert S.warmup == {"sma_crossover": 7} and S.params["sma_crossover"] == {"fast": 3, "slow": 7}
    with pytest.raises(ConfigError, match="unknown parameter 'fats'"):
        signals(b, ["sma_crossover"], params={"sma_crossover": {"fats": 3}})
    with pytest.raises(ConfigError, match="fast .* must be below slow"):
        signals(b, ["sma_crossover"], params={"sma_crossover": {"fast": 30, "slow": 7}})
    with pytest.raises(ConfigError, match="expected an integer"):
        signals(b, ["sma_crossover"], params={"sma_crossover": {"fast": 2.5}})
    with pytest.raises(ConfigError, match="not among the selected"):
        signals(b, ["momentum_breakout"], params={"sma_crossover": {"fast": 3}})
    with pytest.raises(ConfigError, match="unknown strategy or group"):
        signals(b, ["nope"])
    assert signals(b, "detection").names == ("spoofing", "iceberg", "liquidation", "liquidity_trap")


def test_user_strategy_gets_everything_builtins_get():
    @register_strategy(name="close_above_open", group="mine", params={"m": (1.0, (0.5, 2.0))}, warmup=3)
    def close_above_open(bars, m=1.0):
        """Long when the close exceeds the open by m times the bar's wick."""
        s = np.where(bars.close > bars.open, 1, -1).astype(np.int8)
        return s, np.full(len(bars), 0.6, dtype=np.float32)

    try:
        b = make_bars(300, seed=9)
        S = signals(b)  # "all" includes user strategies
        assert "close_above_open" in S.names
        col, conf = S.column("close_above_open")
        want = np.where(b.close > b.open, 1, -1)
        want[:3] = 0
        np.testing.assert_array_equal(col, want)
        assert conf[3:].min() == pytest.approx(0.6) and conf[:3].max() == 0
        assert signals(b, "mine").names == ("close_above_open",)
        assert nx.check_lookahead("close_above_open", b, cuts=5).ok
        assert signal_columns(b, "close_above_open", [{"m": 1.0}, {"m": 2.0}]).shape == (300, 2)
        with pytest.raises(ConfigError, match="already registered"):
            register_strategy(name="close_above_open")(close_above_open.__wrapped__)
    finally:
        unregister_strategy("close_above_open")
    assert "close_above_open" not in REGISTRY


def test_user_strategy_bad_output_is_refused_with_its_name():
    @register_strategy(name="bad_output", warmup=0)
    def bad_output(bars):
        s = np.zeros(len(bars))
        s[5] = np.nan
        return s, np.zeros(len(bars))

    @register_strategy(name="bad_conf", warmup=0)
    def bad_conf(bars):
        return np.zeros(len(bars), np.int8), np.full(len(bars), 1.5)

    try:
        b = make_bars(50)
        with pytest.raises(ValidationError, match="'bad_output'.*NaN at row 5"):
            signals(b, "bad_output")
        with pytest.raises(ValidationError, match="'bad_conf'.*confidence must be in"):
            signals(b, "bad_conf")
    finally:
        unregister_strategy("bad_output")
        unregister_strategy("bad_conf")


def test_stack_of_symbols_and_to_pandas():
    a, b = make_bars(400, seed=1, symbol="AAA"), make_bars(300, seed=2, symbol="BBB", taker=False)
    S = signals({"AAA": a, "BBB": b}, ["momentum_breakout", "order_book_imbalance"])
    assert S.signal.shape == (700, 2) and S.symbols == ("AAA", "BBB") and S.offsets.tolist() == [0, 400, 700]
    for sym, bars in (("AAA", a), ("BBB", b)):
        one = signals(bars, ["momentum_breakout", "order_book_imbalance"])
        np.testing.assert_array_equal(S[sym].signal, one.signal)
        np.testing.assert_array_equal(S[sym].confidence, one.confidence)
    df = S.to_pandas()
    assert df.index.names == ["symbol", "ts"] and list(df.columns) == ["momentum_breakout", "order_book_imbalance"]
    assert df.loc["BBB"].shape == (300, 2)
    both = signals(a, ["momentum_breakout"]).to_pandas("both")
    assert both.columns.tolist() == [("signal", "momentum_breakout"), ("confidence", "momentum_breakout")]
    assert str(both.index.tz) == "UTC"
    cnt = S.counts()
    row = cnt[(cnt.symbol == "AAA") & (cnt.strategy == "momentum_breakout")].iloc[0]
    col = S["AAA"].signal[:, 0]
    assert row.long == (col == 1).sum() and row.short == (col == -1).sum()


def test_signal_columns_sma_fast_path_matches_single_runs():
    b = make_bars(2000, seed=6)
    grid = {"fast": [5, 10, 5, 20], "slow": [50, 50, 100, 100]}
    X = signal_columns(b, "sma_crossover", grid)
    assert X.shape == (2000, 4) and X.dtype == np.int8
    for j in range(4):
        s, _ = REGISTRY["sma_crossover"].compute(b, {"fast": grid["fast"][j], "slow": grid["slow"][j]})
        np.testing.assert_array_equal(X[:, j], s)
    Y, C = signal_columns(b, "momentum_breakout", [{"n": 20}, {"n": 40, "z": 1.5}], return_confidence=True)
    np.testing.assert_array_equal(Y[:, 1], REGISTRY["momentum_breakout"].compute(b, {"n": 40, "z": 1.5})[0])
    assert C.dtype == np.float32
    with pytest.raises(ConfigError, match="equal-length"):
        signal_columns(b, "sma_crossover", {"fast": [5, 10], "slow": [50]})


def test_bad_bars_get_a_clear_error_naming_row_and_field():
    b = make_bars(100, seed=1, symbol="XYZ")
    close = b.close.copy()
    close[17] = np.nan
    with pytest.raises(ValidationError, match="XYZ 1m row 17: field 'close'"):
        signals(b.with_columns(close=close))
    tb = b.taker_buy_volume.copy()
    tb[3] = b.volume[3] * 2
    with pytest.raises(ValidationError, match="row 3: taker_buy_volume"):
        signals(b.with_columns(taker_buy_volume=tb))
    with pytest.raises(ValidationError, match="expected Bars"):
        signals(np.zeros(10))
    ts = b.ts.copy()
    ts[50] = ts[49]
    with pytest.raises(ValidationError, match="row 50: timestamps not strictly increasing"):
        signals(b.with_columns(ts=ts))


def test_context_shares_series():
    ctx = Context(make_bars(300))
    assert ctx.atr(14) is ctx.atr(14) and ctx.vol_z(20) is ctx.vol_z(20)
    # the aggressor delta uses the taker column when present, else the close location
    b = make_bars(50, seed=3)
    np.testing.assert_allclose(Context(b).delta(), 2 * b.taker_buy_volume - b.volume)
    b2 = b.with_columns(taker_buy_volume=None)
    clv = ((b.close - b.low) - (b.high - b.close)) / (b.high - b.low)
    np.testing.assert_allclose(Context(b2).delta(), clv * b.volume)


def test_the_docs_example_strategy_works():
    from nexus.strategies import Param

    @register_strategy(name="gap_fade", group="mine", params={"n": Param(30, 5, 240), "k": (2.0, (1.0, 4.0))},
                       warmup=lambda p: p["n"] + 1)
    def gap_fade(bars, n=30, k=2.0, ctx=None):
        """Fade a close k ATRs away from the previous close. Bar proxy: none."""
        atr = ctx.atr(n)
        move = np.r_[0.0, np.diff(bars.close)] / atr
        sig = np.where(np.abs(move) > k, -np.sign(move), 0).astype(np.int8)
        return sig, np.clip(np.abs(np.nan_to_num(move)) / (2 * k), 0, 1).astype(np.float32) * (sig != 0)

    try:
        b = make_bars(800, seed=12, vol=0.004)
        S = signals(b, "mine", params={"gap_fade": {"k": 1.5}})
        s = S.signal[:, 0]
        tr = np.maximum(b.high - b.low, np.abs(np.r_[np.nan, b.high[1:] - b.close[:-1]]))
        tr = np.fmax(tr, np.abs(np.r_[np.nan, b.low[1:] - b.close[:-1]]))
        tr[0] = b.high[0] - b.low[0]
        atr = pd.Series(tr).rolling(30).mean().to_numpy()
        move = np.r_[0.0, np.diff(b.close)] / atr
        want = np.where(np.abs(move) > 1.5, -np.sign(move), 0)
        want[:31] = 0
        np.testing.assert_array_equal(s, want)
        assert np.count_nonzero(s) > 5 and S.warmup["gap_fade"] == 31
        assert nx.check_lookahead("gap_fade", b, cuts=10).ok
    finally:
        unregister_strategy("gap_fade")


def test_pooled_buffers_never_leak_between_calls():
    from nexus.strategies.pool import POOL, release_memory

    release_memory()
    runs = [make_bars(2000, seed=31), make_bars(1500, seed=32, taker=False), make_bars(2000, seed=33, vol=0.004)]
    for b in runs:  # each call reuses the buffers the previous one gave back
        S = signals(b, "nexus")
        for j, name in enumerate(S.names):
            s, c = REGISTRY[name].compute(b)  # a private, unpooled context
            np.testing.assert_array_equal(S.signal[:, j], s, err_msg=name)
            np.testing.assert_array_equal(S.confidence[:, j], c, err_msg=name)
    assert POOL.nbytes > 0
    release_memory()
    assert POOL.nbytes == 0
