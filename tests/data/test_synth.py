"""The synthetic market: validity, sizes, determinism and the stylized facts of real markets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from nexus.data import instruments
from nexus.data.calendar import local_ns, session_id, session_mask
from nexus.data.resample import resample
from nexus.data.sources import synth
from nexus.data.sources import synth_kernels as K
from nexus.data.timeframes import to_utc_ns
from nexus.data.validate import validate
from nexus.errors import ConfigError, UnknownSymbolError

N = 100_000


@pytest.fixture(scope="module")
def crypto():
    return synth.generate_crypto(synth.CRYPTO_SYMBOLS, N, seed=0)


@pytest.fixture(scope="module")
def nq():
    return synth.generate_nq({"5m": None, "1h": None, "1d": None}, seed=0)


def _r(b):
    return np.diff(np.log(b.close))


def _assert_valid(b, inst):
    assert (b.high >= np.maximum(b.open, b.close)).all()
    assert (b.low <= np.minimum(b.open, b.close)).all()
    assert (b.low > 0).all()
    assert (b.volume > 0).all()
    assert ((b.taker_buy_volume >= 0) & (b.taker_buy_volume <= b.volume)).all()
    assert (b.trades >= 1).all()
    assert (np.diff(b.ts) > 0).all()
    for c in ("open", "high", "low", "close"):
        ticks = getattr(b, c) / inst.tick_size
        assert np.abs(ticks - np.round(ticks)).max() < 1e-6, c
    lots = b.volume / inst.lot_size
    assert np.abs(lots - np.round(lots)).max() < 1e-6
    rep = validate(b)
    assert rep.ok, rep.summary()


def test_default_sizes_match_the_reference():
    # the per-dataset sizes are the reference's; they add up to 4,767,364 (the reference's
    # "total 5,705,153" does not match its own list; the per-dataset figures are kept)
    assert sum(synth.DEFAULT_SIZES.values()) == 4_767_364
    assert [synth.DEFAULT_SIZES[(s, "1m")] for s in synth.CRYPTO_SYMBOLS] == [949_851, 949_857, 949_863, 949_869, 949_875]
    assert [synth.DEFAULT_SIZES[("NQ", tf)] for tf in ("5m", "1h", "1d")] == [5_838, 10_953, 1_258]
    assert synth.DEFAULT_SIZES[("BTCUSDT", "1m")] == 949_851 and synth.DEFAULT_SIZES[("NQ", "1d")] == 1_258
    small = synth.scaled_sizes(0.01)
    assert small[("BTCUSDT", "1m")] == 9_499 and small[("NQ", "1d")] == 13
    assert synth.scaled_sizes(0.01, "NQ") == {("NQ", "5m"): 58, ("NQ", "1h"): 110, ("NQ", "1d"): 13}


def test_crypto_bars_are_valid_and_end_at_the_fixed_instant(crypto):
    for sym, (b, reg) in crypto.items():
        assert len(b) == N and reg.shape == (N,) and reg.dtype == np.int8
        assert b.symbol == sym and b.timeframe == "1m"
        assert b.close_ts[-1] == synth.END == to_utc_ns("2026-11-01T00:00Z")
        assert (np.diff(b.ts) == 60_000_000_000).all()
        inst = instruments.get(sym)
        _assert_valid(b, inst)
        # trade prints: the open is a new print, so it differs from the previous close on most bars,
        # but only by the small move between two prints (about sqrt(pre_open) of a bar's move)
        assert np.mean(b.open[1:] != b.close[:-1]) > 0.6
        step = np.abs(np.log(b.open[1:] / b.close[:-1])).mean() / np.abs(_r(b)).mean()
        assert 0.1 < step < 0.45, (sym, step)
        # the quoted spread: positive, on the tick grid, at least one tick, far below a bar's move
        assert (b.spread >= inst.tick_size - 1e-12).all()
        ticks = b.spread / inst.tick_size
        assert np.abs(ticks - np.round(ticks)).max() < 1e-6
        assert np.median(b.spread / b.close) < 0.2 * np.abs(_r(b)).mean()


def test_nq_bars_follow_the_cme_calendar(nq):
    inst = instruments.get("NQ")
    for tf, (b, reg) in nq.items():
        assert len(b) == synth.DEFAULT_SIZES[("NQ", tf)] and reg.shape == (len(b),)
        _assert_valid(b, inst)
    b5 = nq["5m"][0]
    assert session_mask(b5.ts, "CME_GLOBEX").all()
    # last bar closes at the Friday 16:00 CT close before the end instant
    assert b5.close_ts[-1] == int(pd.Timestamp("2026-10-30 16:00", tz="America/Chicago").tz_convert("UTC").value)
    b1d = nq["1d"][0]
    assert (pd.to_datetime(b1d.ts, unit="ns").day_of_week < 5).all()
    assert (b1d.ts % 86_400_000_000_000 == 0).all()  # stamped on trading dates
    span_years = (b1d.ts[-1] - b1d.ts[0]) / (365.25 * 86_400e9)
    assert 4.7 < span_years < 5.0
    # quote volume is the USD notional: contracts x price x 20
    np.testing.assert_allclose(b5.quote_volume, b5.volume * (b5.open + b5.high + b5.low + b5.close) / 4 * 20, rtol=1e-9)


def test_nq_sessions_open_with_a_gap(nq):
    b, _ = synth.generate("NQ", "5m", n=30_000, seed=0)
    jump = np.abs(np.log(b.open[1:] / b.close[:-1]))
    pause = np.diff(b.ts)
    inside = pause == 5 * 60_000_000_000
    weekday_open = (pause > 5 * 60_000_000_000) & (pause < 2 * 86_400_000_000_000)
    weekend_open = pause > 2 * 86_400_000_000_000
    # within a session the open is only the next print: a move far below the session-open gaps
    assert jump[inside].mean() < 0.25 * jump[weekday_open].mean()
    assert weekday_open.sum() > 60 and weekend_open.sum() > 15
    # half-normal mean = sd * sqrt(2/pi)
    assert jump[weekday_open].mean() == pytest.approx(synth.NQ_DAILY_GAP * np.sqrt(2 / np.pi), rel=0.35)
    assert jump[weekend_open].mean() == pytest.approx(synth.NQ_WEEKEND_GAP * np.sqrt(2 / np.pi), rel=0.4)


def test_nq_timeframes_agree(nq):
    b5, b1h, b1d = (nq[tf][0] for tf in ("5m", "1h", "1d"))
    sid = session_id(b5.ts, "CME_GLOBEX")
    whole = b5.take(sid > sid[0])  # drop the first, possibly partial, session
    for tf, other in (("1h", b1h), ("1d", b1d)):
        r = resample(whole, tf)
        tail = other[len(other) - len(r):]
        for c in ("ts", "open", "high", "low", "close", "trades"):
            np.testing.assert_array_equal(getattr(r, c), getattr(tail, c), err_msg=f"{tf} {c}")
        np.testing.assert_allclose(r.volume, tail.volume, rtol=1e-12)


def test_deterministic_for_a_seed_and_tail_consistent(crypto):
    a, ra = synth.generate("ETHUSDT", "1m", n=2_000, seed=0)
    b, rb = synth.generate("ETHUSDT", "1m", n=2_000, seed=0)
    full, rfull = crypto["ETHUSDT"]
    for c in a.columns:
        np.testing.assert_array_equal(getattr(a, c), getattr(b, c))
        # a short series is exactly the end of a long one
        np.testing.assert_array_equal(getattr(a, c), getattr(full, c)[-2_000:])
    np.testing.assert_array_equal(ra, rfull[-2_000:])
    c, _ = synth.generate("ETHUSDT", "1m", n=2_000, seed=1)
    assert not np.array_equal(a.close, c.close)
    n1, _ = synth.generate("NQ", "1d", n=50, seed=0)
    n2, _ = synth.generate("NQ", "1d", n=80, seed=0)
    for c in n1.columns:
        np.testing.assert_array_equal(getattr(n1, c), getattr(n2, c)[-50:])


def test_fat_tails_and_volatility_clustering(crypto):
    for sym, (b, _) in crypto.items():
        r = pd.Series(_r(b))
        assert sps.kurtosis(r, fisher=False) > 10, sym  # normal: 3
        a = r.abs()
        acf_abs = [a.autocorr(k) for k in (1, 10, 60)]
        acf = [r.autocorr(k) for k in (1, 10, 60)]
        assert acf_abs[0] > acf_abs[1] > acf_abs[2] > 0.1, (sym, acf_abs)
        assert max(abs(x) for x in acf) < 0.03, (sym, acf)


def test_volume_and_taker_flow_follow_returns(crypto):
    for sym, (b, _) in crypto.items():
        r = _r(b)
        assert np.corrcoef(b.volume[1:], np.abs(r))[0, 1] > 0.3, sym
        imb = (2 * b.taker_buy_volume - b.volume) / b.volume
        assert np.corrcoef(imb[1:], r)[0, 1] > 0.3, sym
        # spearman too: not driven by a few extreme bars
        assert sps.spearmanr(imb[1:], r).statistic > 0.3


def test_crypto_intraday_pattern(crypto):
    b, _ = crypto["BTCUSDT"]
    hour = pd.Series((b.ts // 3_600_000_000_000) % 24)
    vol_by_hour = pd.Series(b.volume).groupby(hour).mean()
    absr_by_hour = pd.Series(np.r_[np.nan, np.abs(_r(b))]).groupby(hour).mean()
    busy, quiet = [13, 14, 15], [3, 4, 5]
    assert vol_by_hour[busy].mean() > 1.4 * vol_by_hour[quiet].mean()
    assert absr_by_hour[busy].mean() > 1.3 * absr_by_hour[quiet].mean()


def test_nq_session_shaped_u_pattern(nq):
    # a longer 5m path (the default 5,838 bars is one month) gives stable hour means
    b, _ = synth.generate("NQ", "5m", n=30_000, seed=0)
    minute = pd.Series((local_ns(b.ts, "America/Chicago") % 86_400_000_000_000) // 60_000_000_000)
    vol = pd.Series(b.volume)
    absr = pd.Series(np.r_[np.nan, np.abs(_r(b))])
    first = (minute >= 510) & (minute < 540)  # 08:30-09:00 CT
    mid = (minute >= 690) & (minute < 750)  # 11:30-12:30
    last = (minute >= 870) & (minute < 900)  # 14:30-15:00
    night = (minute < 360) | (minute >= 17 * 60)
    assert vol[first].mean() > 1.5 * vol[mid].mean() and vol[last].mean() > 1.2 * vol[mid].mean()
    assert vol[mid].mean() > 3 * vol[night].mean()
    assert absr[first].mean() > 1.3 * absr[mid].mean() and absr[last].mean() > 1.1 * absr[mid].mean()
    assert absr[mid].mean() > 1.5 * absr[night].mean()


def test_cross_asset_correlation(crypto):
    R = np.array([_r(b) for b, _ in crypto.values()])
    C = np.corrcoef(R)
    off = C[~np.eye(len(R), dtype=bool)]
    assert off.min() > 0.3 and off.max() < 0.8, C


def test_realistic_price_levels(crypto, nq):
    bounds = {"BTCUSDT": (10_000, 300_000), "ETHUSDT": (500, 10_000), "BNBUSDT": (100, 2_000),
              "SOLUSDT": (10, 1_500), "XRPUSDT": (0.1, 6.0)}
    for sym, (b, _) in crypto.items():
        lo, hi = bounds[sym]
        assert lo < b.low.min() and b.high.max() < hi, (sym, b.low.min(), b.high.max())
    b1d = nq["1d"][0]
    # back-adjusted: the last stretch is the front contract near 20,000; earlier bars carry later roll spreads
    assert 10_000 < b1d.low.min() and b1d.high.max() < 50_000
    assert 15_000 < b1d.close[-1] < 25_000


def test_regimes_differ_in_volatility_volume_and_persistence(crypto):
    b, reg = crypto["BTCUSDT"]
    r = _r(b)
    g = reg[1:]
    assert set(np.unique(reg)) == set(range(5))
    absr = [np.abs(r[g == k]).mean() for k in range(5)]
    vol = [b.volume[1:][g == k].mean() for k in range(5)]
    calm, up, down, volatile, crisis = range(5)
    assert absr[crisis] > absr[volatile] > absr[calm] and absr[volatile] > absr[up]
    assert vol[crisis] > vol[volatile] > vol[calm]
    # persistence differs: mean stay in a regime (minutes) follows the configured durations, calm longest
    change = np.flatnonzero(np.diff(reg) != 0) + 1
    runs = np.diff(np.r_[0, change, reg.size])
    kinds = reg[np.r_[0, change]]
    stay = [runs[kinds == k].mean() for k in range(5)]
    assert stay[calm] > stay[up] > stay[volatile] > stay[crisis], stay
    # and no regime is an easy trend: the designed drift is a tiny fraction of the regime's volatility,
    # and the measured mean return agrees with it within sampling error
    drift = np.asarray(synth.CRYPTO_MARKET.drift)
    drift = (drift - synth.stationary(synth.transition_matrix(synth.CRYPTO_MARKET)) @ drift) * synth.MODELS["BTCUSDT"].sigma
    for k in range(5):
        x = r[g == k]
        assert abs(drift[k]) < 0.005 * x.std(), (k, drift[k], x.std())
        assert abs(x.mean() - drift[k]) < 4 * x.std() / np.sqrt(x.size), (k, x.mean(), drift[k])


def test_regime_chain_runs_forward_with_the_intended_matrix():
    # generated backwards on the reversed chain; read forwards it must be the chain P
    P = synth.transition_matrix(synth.CRYPTO_MARKET)
    pi = synth.stationary(P)
    np.testing.assert_allclose(pi @ P, pi, atol=1e-12)
    reg, _, z = synth._market(3_000_000, 11, synth.CRYPTO_MARKET, "test")
    fwd = reg[::-1].astype(np.int64)
    counts = np.zeros((5, 5))
    np.add.at(counts, (fwd[:-1], fwd[1:]), 1)
    occupancy = np.bincount(fwd, minlength=5) / fwd.size
    np.testing.assert_allclose(occupancy, pi, atol=0.05)
    exits = counts.copy()
    np.fill_diagonal(exits, 0)
    want = P.copy()
    np.fill_diagonal(want, 0)
    want /= want.sum(axis=1, keepdims=True)
    got = exits / exits.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, want, atol=0.07)
    # mean sojourn time per regime close to the configured durations (minutes)
    stay = np.diag(counts) / counts.sum(axis=1)
    np.testing.assert_allclose(1 / (1 - stay), synth.CRYPTO_MARKET.durations, rtol=0.25)
    # the shock has unit variance and fat tails
    assert abs(z.std() - 1) < 0.02 and sps.kurtosis(z, fisher=False) > 5


def test_errors_name_the_fix():
    with pytest.raises(UnknownSymbolError, match="DOGEUSDT.*known"):
        synth.generate("DOGEUSDT", "1m")
    with pytest.raises(ConfigError, match="resample"):
        synth.generate("BTCUSDT", "5m")
    with pytest.raises(ConfigError, match="'4h'"):
        synth.generate("NQ", "4h")
    with pytest.raises(ConfigError, match="n must be >= 1"):
        synth.generate("BTCUSDT", "1m", n=0)
    with pytest.raises(ConfigError, match="scale"):
        synth.scaled_sizes(0)
    with pytest.raises(UnknownSymbolError):
        synth.scaled_sizes(0.1, ["ES"])


def test_kernel_parameter_layout():
    assert K.N_PARAMS == 14 and K.P_VAR_CORR == 10 and K.P_PRE_OPEN == 13


def test_build_default_store_round_trip(tmp_path):
    from nexus.data.store import BarStore

    store = BarStore(tmp_path / "bars")
    info = synth.build_default_store(store, scale=0.002, progress=False)
    sizes = synth.scaled_sizes(0.002)
    assert info["datasets"] == {f"{s}/{tf}": n for (s, tf), n in sizes.items()}
    assert info["total_bars"] == sum(sizes.values())
    assert store.is_complete()
    contracts = sorted({k.split("/")[0] for k in info["contracts"]})
    assert contracts and all(c.startswith("NQ") and c[2] in "HMUZ" for c in contracts)
    assert store.symbols() == sorted(list(synth.SYMBOLS) + contracts)
    fam = synth.generate_nq_family({tf: n for (s, tf), n in sizes.items() if s == "NQ"}, seed=0)
    for tf, by in fam.contracts.items():
        for sym, b in by.items():
            np.testing.assert_array_equal(store.read(sym, tf).close, b.close)
        rolls = store.read_aux("NQ", tf, "rolls")
        np.testing.assert_array_equal(rolls["ts"], fam.rolls[tf][0])
    expected = synth.generate_all(scale=0.002)
    for (sym, tf), (bars, codes) in expected.items():
        got = store.read(sym, tf)
        for c in bars.columns:
            np.testing.assert_array_equal(getattr(got, c), getattr(bars, c), err_msg=f"{sym} {tf} {c}")
        aux = store.read_aux(sym, tf, "regime")
        np.testing.assert_array_equal(aux["ts"], bars.ts)
        np.testing.assert_array_equal(aux["regime"], codes)


def test_partial_build_is_not_marked_complete(tmp_path):
    from nexus.data.store import BarStore

    store = BarStore(tmp_path / "bars")
    info = synth.build_default_store(str(tmp_path / "bars"), symbols=["NQ"], scale=0.01, progress=False)
    assert set(info["datasets"]) == {"NQ/5m", "NQ/1h", "NQ/1d"}
    assert [s for s in store.symbols() if len(s) == 2] == ["NQ"] and not store.is_complete()


def test_docstring_examples_run():
    import doctest

    import nexus.data.sources.synth as mod

    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
