"""CME Globex / 24-7 calendars against pandas time-zone conversion and hand-checked instants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nexus.data.calendar import (
    NS_PER_DAY,
    NS_PER_MINUTE,
    check_calendar,
    session_bar_times,
    session_id,
    session_mask,
    session_start_ns,
    utc_offset_ns,
)
from nexus.data.timeframes import to_utc_ns
from nexus.errors import ConfigError


def _ns(s: str) -> int:
    return to_utc_ns(pd.Timestamp(s))


def _ct(s: str) -> int:
    """A Chicago wall-clock time as int ns UTC (pandas does the zone conversion)."""
    return int(pd.Timestamp(s).tz_localize("America/Chicago").tz_convert("UTC").value)


def _reference_open(ts: np.ndarray) -> np.ndarray:
    """Plain-Python CME rule on pandas-converted local times."""
    local = pd.DatetimeIndex(pd.to_datetime(ts, unit="ns", utc=True)).tz_convert("America/Chicago")
    out = np.empty(len(ts), dtype=bool)
    for k, t in enumerate(local):
        wd, minute = t.weekday(), t.hour * 60 + t.minute
        if wd == 5:
            out[k] = False
        elif wd == 6:
            out[k] = minute >= 17 * 60
        elif wd == 4:
            out[k] = minute < 16 * 60
        else:
            out[k] = not (16 * 60 <= minute < 17 * 60)
    return out


def test_session_mask_matches_plain_rule_over_two_years_with_dst():
    # 7-minute grid so every minute of the hour is hit over time; spans four DST switches
    ts = np.arange(_ns("2023-12-25T00:00Z"), _ns("2025-12-31T00:00Z"), 7 * NS_PER_MINUTE, dtype=np.int64)
    got = session_mask(ts, "CME_GLOBEX")
    np.testing.assert_array_equal(got, _reference_open(ts))
    assert 0.6 < got.mean() < 0.7  # 115 of 168 hours a week


@pytest.mark.parametrize(
    "local, is_open",
    [
        ("2024-07-07 16:59", False),  # Sunday before the open
        ("2024-07-07 17:00", True),  # Sunday open
        ("2024-07-08 15:59", True),  # Monday
        ("2024-07-08 16:00", False),  # daily maintenance break
        ("2024-07-08 16:59", False),
        ("2024-07-08 17:00", True),
        ("2024-07-12 15:59", True),  # Friday
        ("2024-07-12 16:00", False),  # weekend starts
        ("2024-07-13 12:00", False),  # Saturday
        ("2024-03-10 17:00", True),  # first session after the spring DST change (22:00 UTC)
        ("2024-03-10 16:59", False),
        ("2024-11-03 17:00", True),  # first session after the autumn change (23:00 UTC)
    ],
)
def test_session_mask_hand_checked(local, is_open):
    assert session_mask(np.array([_ct(local)]), "CME_GLOBEX")[0] == is_open


def test_dst_shifts_the_open_in_utc():
    # CDT (summer): 17:00 CT = 22:00 UTC; CST (winter): 23:00 UTC
    summer = np.array([_ns("2024-07-07T21:59Z"), _ns("2024-07-07T22:00Z")])
    winter = np.array([_ns("2024-01-07T22:59Z"), _ns("2024-01-07T23:00Z")])
    assert session_mask(summer, "CME").tolist() == [False, True]
    assert session_mask(winter, "CME").tolist() == [False, True]


def test_session_id_is_next_calendar_date_after_1700_ct():
    ts = np.arange(_ns("2024-02-25T00:00Z"), _ns("2024-04-05T00:00Z"), 13 * NS_PER_MINUTE, dtype=np.int64)
    local = pd.DatetimeIndex(pd.to_datetime(ts, unit="ns", utc=True)).tz_convert("America/Chicago")
    shifted = (local + pd.Timedelta(hours=7)).tz_localize(None).normalize()
    ref = ((shifted - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)).to_numpy()
    np.testing.assert_array_equal(session_id(ts, "CME_GLOBEX"), ref)
    sunday_open = _ct("2024-03-03 17:00")
    monday = (pd.Timestamp("2024-03-04") - pd.Timestamp("1970-01-01")).days
    assert session_id(np.array([sunday_open]), "CME")[0] == monday
    assert session_id(np.array([_ct("2024-03-04 15:55")]), "CME")[0] == monday
    assert session_id(np.array([_ct("2024-03-04 17:00")]), "CME")[0] == monday + 1


def test_session_start_is_the_1700_ct_open():
    ts = np.array([_ct("2024-03-11 09:30"), _ct("2024-03-10 18:00"), _ct("2024-11-05 03:00"), _ct("2024-07-12 15:55")])
    want = [_ct("2024-03-10 17:00"), _ct("2024-03-10 17:00"), _ct("2024-11-04 17:00"), _ct("2024-07-11 17:00")]
    assert session_start_ns(ts, "CME_GLOBEX").tolist() == want
    t = np.array([_ns("2024-03-11T09:30Z")])
    assert session_start_ns(t, "24/7").tolist() == [_ns("2024-03-11T00:00Z")]


@pytest.mark.parametrize("tz", ["America/Chicago", "Europe/London", "Australia/Sydney", "Asia/Kolkata"])
def test_utc_offset_matches_pandas(tz):
    rng = np.random.default_rng(3)
    ts = rng.integers(_ns("1995-01-01"), _ns("2035-01-01"), size=3000).astype(np.int64)
    # include instants one second either side of real transitions
    ts = np.concatenate([ts, [_ns("2024-03-10T07:59:59Z"), _ns("2024-03-10T08:00:00Z"), _ns("2024-11-03T06:59:59Z"), _ns("2024-11-03T07:00:00Z")]])
    idx = pd.DatetimeIndex(pd.to_datetime(ts, unit="ns", utc=True)).tz_convert(tz)
    ref = np.array([int(t.utcoffset().total_seconds()) * 1_000_000_000 for t in idx])
    np.testing.assert_array_equal(utc_offset_ns(ts, tz), ref)


def test_twenty_four_seven():
    ts = np.array([_ns("2024-07-13T12:00Z"), _ns("2024-07-14T23:59Z")])
    assert session_mask(ts, "24/7").tolist() == [True, True]
    assert session_mask(ts, None).tolist() == [True, True]
    assert session_id(ts, "24/7").tolist() == (ts // NS_PER_DAY).tolist()


def test_session_bar_times_counts_a_week():
    # one full trading week: five sessions of 23 h = 276 five-minute bars each
    t = session_bar_times(_ns("2024-07-07T00:00Z"), _ns("2024-07-14T00:00Z"), 5 * NS_PER_MINUTE, "CME_GLOBEX")
    assert t.size == 5 * 276
    assert t[0] == _ct("2024-07-07 17:00") and t[-1] == _ct("2024-07-12 15:55")
    assert np.unique(session_id(t, "CME")).size == 5


def test_unknown_calendar_is_refused():
    with pytest.raises(ConfigError, match="calendar 'NYSE'"):
        session_mask(np.array([0]), "NYSE")
    assert check_calendar("cme") == "CME_GLOBEX" and check_calendar(None) == "24/7"


def test_non_integer_timestamps_are_refused():
    with pytest.raises(ConfigError, match="int64 ns UTC"):
        session_mask(np.array([1.5e18]), "CME_GLOBEX")
    with pytest.raises(ConfigError, match="utc_ns_array"):
        session_id(np.array(["2024-01-01T00:00"], dtype="datetime64[m]"), "24/7")


def test_docstring_examples_run():
    import doctest

    import nexus.data.calendar as mod

    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
