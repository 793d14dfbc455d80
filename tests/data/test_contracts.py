"""NQ quarterly contracts: expiries, the roll rule, continuous views, the synthetic family and the store."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from nexus.data import contracts as C
from nexus.data import instruments
from nexus.data.bars import Bars
from nexus.data.calendar import session_id
from nexus.data.sources import synth
from nexus.errors import DataError

NS_DAY = 86_400_000_000_000


@pytest.fixture(scope="module")
def fam():
    return synth.generate_nq_family({"5m": None, "1h": None, "1d": None}, seed=0)


def test_expiries_are_third_fridays_and_rolls_eight_days_before():
    known = {(2024, 3): dt.date(2024, 3, 15), (2024, 6): dt.date(2024, 6, 21), (2024, 9): dt.date(2024, 9, 20),
             (2024, 12): dt.date(2024, 12, 20), (2025, 3): dt.date(2025, 3, 21), (2026, 6): dt.date(2026, 6, 19)}
    for (y, m), want in known.items():
        got = C.expiry_date(y, m)
        assert got == want and got.weekday() == 4 and 15 <= got.day <= 21
        assert C.roll_date(y, m) == want - dt.timedelta(days=8)
    # 08:30 CT on the expiry day: 13:30 UTC in March 2025 (CDT), 14:30 UTC in December 2024 (CST)
    assert C.expiry_ns(2025, 3) == pd.Timestamp("2025-03-21 13:30", tz="UTC").value
    assert C.expiry_ns(2024, 12) == pd.Timestamp("2024-12-20 14:30", tz="UTC").value


def test_symbols_round_trip_and_bad_ones_are_refused():
    for y, m in ((2025, 3), (2026, 12), (2030, 9)):
        assert C.parse_contract(C.contract_symbol("NQ", y, m)) == ("NQ", y, m)
    with pytest.raises(DataError, match="NQF25.*H/M/U/Z"):
        C.parse_contract("NQF25")
    with pytest.raises(DataError, match="quarterly"):
        C.contract_symbol("NQ", 2025, 4)
    # contracts trade under the root's instrument spec
    spec = instruments.get("NQZ25")
    assert spec.symbol == "NQZ25" and spec.tick_size == 0.25 and spec.multiplier == 20.0 and spec.calendar == "CME_GLOBEX"


def test_front_contract_follows_the_roll_rule():
    start = pd.Timestamp("2025-01-02", tz="UTC").value
    end = pd.Timestamp("2025-12-31", tz="UTC").value
    cal = C.roll_calendar("NQ", start, end)
    assert cal.symbols[:5] == ("NQH25", "NQM25", "NQU25", "NQZ25", "NQH26")
    # the session of Thursday 2025-03-13 (roll date of H25) opens 17:00 CT on the 12th: M25 from there
    before = pd.Timestamp("2025-03-12 15:00", tz="America/Chicago").tz_convert("UTC").value
    after = pd.Timestamp("2025-03-12 17:00", tz="America/Chicago").tz_convert("UTC").value
    idx = cal.front_index(np.array([start, before, after, end]))
    assert [cal.symbols[i] for i in idx] == ["NQH25", "NQH25", "NQM25", "NQH26"]


def _contract(sym, ts, close):
    close = np.asarray(close, dtype=np.float64)
    return Bars.from_arrays(ts=ts, open=close, high=close + 1, low=close - 1, close=close, volume=np.ones(ts.size), symbol=sym, timeframe="1d")


def test_continuous_views_on_a_hand_example():
    # daily bars stamped on trading dates across the H25 -> M25 roll (roll date 2025-03-13)
    days = ["2025-03-10", "2025-03-11", "2025-03-12", "2025-03-13", "2025-03-14"]
    ts = np.array([pd.Timestamp(d, tz="UTC").value for d in days], dtype=np.int64)
    h = _contract("NQH25", ts, [100.0, 101.0, 102.0, 103.0, 104.0])
    m = _contract("NQM25", ts, [110.0, 111.0, 112.0, 114.0, 113.0])
    cal = C.roll_calendar("NQ", int(ts[0]), int(ts[-1]))
    raw = C.continuous({"NQH25": h, "NQM25": m}, cal, "none")
    np.testing.assert_array_equal(raw.bars.close, [100, 101, 102, 114, 113])
    assert raw.roll_ts.tolist() == [ts[3]] and raw.spread.tolist() == [10.0] and raw.ratio.tolist() == [112 / 102]
    diff = C.continuous({"NQH25": h, "NQM25": m}, cal, "difference")
    np.testing.assert_array_equal(diff.bars.close, [110, 111, 112, 114, 113])
    np.testing.assert_array_equal(diff.bars.high, [111, 112, 113, 115, 114])
    ratio = C.continuous({"NQH25": h, "NQM25": m}, cal, "ratio")
    np.testing.assert_allclose(ratio.bars.close, [100 * 112 / 102, 101 * 112 / 102, 112, 114, 113])
    with pytest.raises(DataError, match="adjust='panama'"):
        C.continuous({"NQH25": h}, cal, "panama")


def test_synthetic_family_rolls(fam):
    for tf in ("5m", "1h", "1d"):
        adj, raw = fam.bars[tf], fam.unadjusted[tf]
        assert len(adj) == synth.DEFAULT_SIZES[("NQ", tf)] and np.array_equal(adj.ts, raw.ts)
        rts, cols = fam.rolls[tf]
        if tf == "5m":
            continue  # the 5-minute month holds no roll
        assert len(rts) >= (7 if tf == "1h" else 19)
        pos = np.searchsorted(adj.ts, rts)
        assert (adj.ts[pos] == rts).all()
        # calendar spread: carry of about 3.5 % a year over a quarter, i.e. 100-300 index points
        assert (cols["spread"] > 50).all() and (cols["spread"] < 400).all()
        # unadjusted: the close-to-close move across a roll contains the spread;
        # back-adjusted: it equals the new contract's own move (no jump at rolls)
        new_sym = [C.contract_symbol("NQ", int(v) // 100, int(v) % 100) for v in cols["to_contract"]]
        for p, sym, spread in zip(pos, new_sym, cols["spread"]):
            nb = fam.contracts[tf][sym]
            i = np.searchsorted(nb.ts, adj.ts[p])
            own = nb.close[i] - nb.close[i - 1]
            assert adj.close[p] - adj.close[p - 1] == pytest.approx(own, abs=1e-9)
            assert raw.close[p] - raw.close[p - 1] == pytest.approx(own + spread, abs=1e-9)
        # the last stretch of both views is the current front contract itself
        assert adj.close[-1] == raw.close[-1]
        # the back-adjusted series is the unadjusted one plus the later spreads
        later = np.array([cols["spread"][rts > t].sum() for t in adj.ts])
        np.testing.assert_allclose(adj.close, raw.close + later, atol=1e-9)


def test_contract_prices_carry_the_time_to_expiry(fam):
    by = fam.contracts["1d"]
    syms = sorted(by, key=lambda s: C.parse_contract(s)[1:])
    a, b = by[syms[-3]], by[syms[-2]]
    common, ia, ib = np.intersect1d(a.ts, b.ts, return_indices=True)
    assert common.size > 40
    # the later contract is dearer by carry, the gap shrinking towards the earlier expiry
    gap = b.close[ib] - a.close[ia]
    assert (gap > 0).all() and gap[:10].mean() > 0.5 * gap[-10:].mean()
    # contracts stop trading at their expiry
    for s in syms[:-2]:
        y, m = C.parse_contract(s)[1:]
        assert by[s].ts[-1] < C.expiry_ns(y, m)


def test_store_lists_contracts_and_serves_the_views(tmp_path, fam):
    from nexus.data.store import BarStore

    store = BarStore(tmp_path / "bars", fsync=False)
    synth.build_default_store(store, symbols=["NQ"], scale=1.0, progress=False)
    syms = store.symbols()
    assert "NQ" in syms and sum(1 for s in syms if s[2:3] in ("H", "M", "U", "Z")) >= 20
    assert "rolls" in store.aux_names("NQ", "1d")
    for view, want in (("difference", fam.bars["1d"]), ("front", fam.unadjusted["1d"])):
        got = store.continuous("NQ", "1d", view)
        tail = got.bars[len(got.bars) - len(want):]
        np.testing.assert_array_equal(tail.ts, want.ts)
        np.testing.assert_allclose(tail.close[-300:], want.close[-300:], atol=1e-9)
    np.testing.assert_array_equal(store.read("NQ", "1d").close, fam.bars["1d"].close)
    ratio = C.store_view(store, "NQ", "1d", "ratio")
    # ratio view: the log return across each roll is the new contract's own log return
    for t in ratio.roll_ts:
        p = int(np.searchsorted(ratio.bars.ts, t))
        nb = store.read(ratio.calendar.symbols[ratio.contract[p]], "1d")
        i = int(np.searchsorted(nb.ts, t))
        assert np.log(ratio.bars.close[p] / ratio.bars.close[p - 1]) == pytest.approx(np.log(nb.close[i] / nb.close[i - 1]), abs=1e-12)
    with pytest.raises(DataError, match="unknown view"):
        C.store_view(store, "NQ", "1d", "panama")


def test_rolls_command_lists_contracts_and_calendar(tmp_path, fam, capsys):
    from nexus.cli import main
    from nexus.data.store import BarStore

    store = BarStore(tmp_path / "bars", fsync=False)
    synth.build_default_store(store, symbols=["NQ"], scale=0.3, progress=False)
    assert main(["--store", str(store.root), "data", "rolls", "NQ", "--timeframe", "1h"]) == 0
    out = capsys.readouterr().out
    rolls = store.read_aux("NQ", "1h", "rolls")
    assert len(rolls["ts"]) >= 1
    for spread in rolls["spread"]:
        assert f"{spread:+.2f}" in out
    assert "8 calendar days before" in out
    assert main(["--store", str(store.root), "data", "rolls", "ES"]) == 2
    assert "ES" in capsys.readouterr().err


def test_doctests():
    import doctest

    result = doctest.testmod(C)
    assert result.attempted > 0 and result.failed == 0


def test_real_contract_symbols_land_in_the_same_layout():
    from nexus.data.sources.symbols import to_store_symbol

    assert to_store_symbol("NQH25.CME") == "NQH25" and to_store_symbol("nqz26.cme") == "NQZ26"
    assert to_store_symbol("NQ=F") == "NQ"
    assert C.parse_contract(to_store_symbol("NQU25.CME")) == ("NQ", 2025, 9)


def test_single_contracts_are_told_apart_from_series():
    assert C.is_contract("NQH25") and C.is_contract("ESZ30")
    assert not any(C.is_contract(s) for s in ("NQ", "BTCUSDT", "XRPUSDT", "NQF25", "NQ-PERP"))


def test_training_reads_series_not_single_contracts(tmp_path):
    from nexus.data.store import BarStore
    from nexus.models.train import series_from_store

    store = BarStore(tmp_path / "bars", fsync=False)
    synth.build_default_store(store, symbols=["NQ"], scale=0.05, progress=False)
    got = series_from_store(store)
    assert {(s.bars.symbol, s.bars.timeframe) for s in got} == {("NQ", "5m"), ("NQ", "1h"), ("NQ", "1d")}
    assert all(s.regimes is not None for s in got)
