"""Stylized facts of a bar series: the check a researcher runs before trusting data.

Real markets share a handful of statistical regularities: returns barely
autocorrelate, their magnitudes do (volatility clustering, slowly decaying),
tails are fat, naive trend or reversal rules earn little before costs, trade
prints bounce so a bar opens away from the previous close, and volume rises
with the size of the move. :func:`stylized_facts` measures each on one series
and gives a one-line verdict per fact against the bands of a real market.

Lags the series is too short for (fewer than four times the lag plus 20
returns) are skipped and listed in ``figures["skipped_lags"]``; a series too
short for the day-scale lag (24 hours; 1 day on daily bars) is refused with a
one-line ``DataError``.

Returns are log returns on an *analysis clock*: one hour for bars of one hour
or less (the last close in each clock hour), the bar itself for longer bars;
lags are in hours on an hourly clock and in bars (days) on a daily one.
Momentum at lookback ``L``: hold ``sign(log C_t - log C_{t-L})`` for the next
clock period; the Sharpe (no costs, annualised with the series' own periods
per year) of that rule and of its mirror, reversal, whose Sharpe is the
negative. The same rules at ``L`` minutes run on one-minute bars.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> n = 60 * 24 * 60
>>> ts = np.arange(n, dtype=np.int64) * 60_000_000_000
>>> close = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
>>> open_ = np.r_[close[0], close[:-1]]  # every bar opens at the previous close
>>> f = facts_from_arrays(ts, open_, close, np.ones(n), timeframe_ns=60_000_000_000, name="rw")
>>> abs(f.figures["acf_r"]["1"]) < 0.05, f.figures["open_ne_prev_close"]
(True, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Sequence

import numpy as np

from nexus.errors import DataError

NS_MINUTE = 60_000_000_000
NS_HOUR = 60 * NS_MINUTE
NS_YEAR = int(365.25 * 24 * NS_HOUR)

ACF_R_LAGS_H = (1, 2, 6, 24)
ACF_ABS_LAGS_H = (1, 6, 24, 72, 168)
MOMENTUM_LAGS_H = (6, 24, 72, 168)
MOMENTUM_LAGS_MIN = (5, 15, 60)
ACF_PLOT_LAGS = 200
# daily (or longer) bars: the same facts with lags in days
ACF_R_LAGS_D = (1, 2, 5, 20)
ACF_ABS_LAGS_D = (1, 5, 20, 60)
MOMENTUM_LAGS_D = (5, 20, 60, 120)
NS_DAY = 24 * NS_HOUR

# bands of a real market (issue 14, point 1); annual volatility bands per symbol family
BANDS: dict[str, tuple[float, float]] = {
    "acf_r_1": (-0.05, 0.05),
    "acf_abs_24": (0.10, 0.40),
    "acf_abs_168": (0.03, math.inf),
    "excess_kurtosis": (5.0, 40.0),
    "sharpe": (-1.5, 1.5),
    "open_ne_prev_close": (0.5, 1.0),
    "volume_abs_r_corr": (0.1, 1.0),
    "tail_index": (2.0, 6.0),
}
VOL_BANDS: dict[str, tuple[float, float]] = {"BTC": (0.4, 1.0), "crypto": (0.5, 1.6), "other": (0.05, 1.5)}


def vol_band(symbol: str) -> tuple[float, float]:
    """Plausible annualised volatility for a symbol: BTC 0.4-1.0, other USDT pairs 0.5-1.6, else 0.05-1.5."""
    s = symbol.upper()
    if s.startswith("BTC"):
        return VOL_BANDS["BTC"]
    if s.endswith(("USDT", "USD", "USDC", "BUSD")) and s[:2] not in ("NQ", "ES"):
        return VOL_BANDS["crypto"]
    return VOL_BANDS["other"]


@dataclass
class Verdict:
    """One fact against its band: ``ok`` and a one-line ``line``."""

    fact: str
    value: float
    band: tuple[float, float]
    ok: bool
    note: str

    @property
    def line(self) -> str:
        lo, hi = self.band
        band = f"[{lo:g}, {hi:g}]" if math.isfinite(hi) else f"> {lo:g}"
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.fact:<28} {self.value:>9.4f}  band {band:<14} {self.note}"


@dataclass
class StylizedFacts:
    """Figures, verdicts and plot data of :func:`stylized_facts`."""

    name: str
    figures: dict[str, Any]
    verdicts: list[Verdict]
    plot: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)

    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.ok]

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable figures and verdicts (JSON-safe)."""
        return {
            "series": self.name,
            "figures": self.figures,
            "verdicts": [{"fact": v.fact, "value": v.value, "band": list(v.band), "ok": v.ok, "note": v.note} for v in self.verdicts],
            "ok": self.ok,
        }

    def summary(self) -> str:
        f = self.figures
        head = (
            f"{self.name}: {f['bars']:,} bars, {f['returns']:,} returns on a {f['clock']} clock, "
            f"{f['years']:.2f} years"
        )
        return "\n".join([head] + ["  " + v.line for v in self.verdicts])


# ------------------------------------------------------------------ array mathematics
def acf(x: np.ndarray, lags: Sequence[int]) -> np.ndarray:
    """Sample autocorrelation of ``x`` at each lag (mean and variance over the whole series)."""
    x = np.asarray(x, dtype=np.float64)
    d = x - x.mean()
    denom = float(d @ d)
    out = np.empty(len(lags))
    for k, lag in enumerate(lags):
        out[k] = float(d[lag:] @ d[: d.shape[0] - lag]) / denom if denom > 0 else np.nan
    return out


def acf_on_clock(x: np.ndarray, slots: np.ndarray, lags: Sequence[int]) -> np.ndarray:
    """Autocorrelation pairing values whose clock slots are exactly ``lag`` apart (gaps, closed hours).

    On a complete series (``slots`` consecutive) it equals :func:`acf`; with
    gaps, the sum over the pairs that exist is scaled by ``(n - lag) / pairs``.
    """
    x = np.asarray(x, dtype=np.float64)
    slots = np.asarray(slots, dtype=np.int64)
    d = x - x.mean()
    denom = float(d @ d)
    dense = np.full(int(slots[-1] - slots[0]) + 1, np.nan)
    dense[slots - slots[0]] = d
    out = np.empty(len(lags))
    for k, lag in enumerate(lags):
        prod = dense[lag:] * dense[: dense.shape[0] - lag]
        ok = ~np.isnan(prod)
        pairs = int(ok.sum())
        out[k] = float(prod[ok].sum()) / denom * (x.shape[0] - lag) / pairs if denom > 0 and pairs else np.nan
    return out


def excess_kurtosis(x: np.ndarray) -> float:
    """Population excess kurtosis (normal = 0)."""
    d = np.asarray(x, dtype=np.float64) - np.mean(x)
    m2 = float(np.mean(d * d))
    return float(np.mean(d**4) / (m2 * m2) - 3.0) if m2 > 0 else float("nan")


def hill_tail_index(x: np.ndarray, tail: float = 0.025) -> float:
    """Hill estimator of the tail index of |x| over its largest ``tail`` share (real returns: about 3)."""
    a = np.sort(np.abs(np.asarray(x, dtype=np.float64)))[::-1]
    k = max(10, int(tail * a.shape[0]))
    if a.shape[0] <= k or a[k] <= 0:
        return float("nan")
    return float(1.0 / np.mean(np.log(a[:k] / a[k])))


def momentum_sharpe(log_close: np.ndarray, lookback: int, periods_per_year: float) -> float:
    """Annualised Sharpe, no costs, of holding ``sign(log C_t - log C_{t-L})`` over the next period.

    The mirror rule (reversal) has exactly the negative Sharpe.
    """
    lc = np.asarray(log_close, dtype=np.float64)
    sig = np.sign(lc[lookback:-1] - lc[:-lookback - 1])
    pnl = sig * np.expm1(np.diff(lc[lookback:]))
    sd = float(pnl.std())
    return float(pnl.mean() / sd * math.sqrt(periods_per_year)) if sd > 0 else 0.0


def clock_index(ts: np.ndarray, timeframe_ns: int, clock_ns: int) -> np.ndarray:
    """Index of the last bar in each ``clock_ns`` bucket (by bar close time; every bar when the clock is the bar)."""
    if clock_ns <= timeframe_ns:
        return np.arange(ts.shape[0])
    bucket = (ts + timeframe_ns - 1) // clock_ns
    return np.flatnonzero(np.r_[bucket[1:] != bucket[:-1], True])


def _lags_on_clock(lags: Sequence[int], clock_ns: int, unit_ns: int = NS_HOUR) -> list[tuple[str, int]]:
    out, seen = [], set()
    for h in lags:
        lag = int(round(h * unit_ns / clock_ns))
        if lag >= 1 and lag not in seen:
            seen.add(lag)
            out.append((str(h), lag))
    return out


def _fits(n_returns: int, lag: int) -> bool:
    # an autocorrelation or a rule needs several times its lag in points to mean anything
    return n_returns >= 4 * lag + 20


def _usable(name: str, n_returns: int, lags: list[tuple[str, int]], unit: str, skipped: list[str], need: int = 0) -> list[tuple[str, int]]:
    """Lags the series is long enough for; ``lags[need]`` must fit (else a one-line error), longer ones are skipped."""
    if len(lags) > need and not _fits(n_returns, lags[need][1]):
        raise DataError(
            f"{name}: series too short for a lag of {lags[need][0]} {unit} ({n_returns} returns, at least "
            f"{4 * lags[need][1] + 20} needed); use a longer span or a shorter timeframe"
        )
    keep = [(k, lag) for k, lag in lags if _fits(n_returns, lag)]
    skipped += [f"{k}{unit[0]}" for k, lag in lags if not _fits(n_returns, lag)]
    return keep


def facts_from_arrays(
    ts: np.ndarray,
    open_: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    *,
    timeframe_ns: int,
    name: str = "series",
    symbol: str = "",
) -> StylizedFacts:
    """Stylized facts of one series from its arrays (see the module docstring)."""
    ts = np.asarray(ts, dtype=np.int64)
    close = np.asarray(close, dtype=np.float64)
    open_ = np.asarray(open_, dtype=np.float64)
    volume = np.asarray(volume, dtype=np.float64)
    n = ts.shape[0]
    if n < 3:
        raise DataError(f"{name}: series too short ({n} bars); stylized facts need a long history")
    bad = ~(close > 0) | ~(open_ > 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"{name}: non-positive or missing price at bar {i} (close {close[i]!r}); clean the series first")
    clock_ns = max(NS_HOUR, int(timeframe_ns))
    idx = clock_index(ts, int(timeframe_ns), clock_ns)
    lc = np.log(close[idx])
    r = np.diff(lc)
    # clock slot of each return (its closing bar's bucket): lags pair returns a clock time apart, so a
    # session calendar's closed hours or a download's gaps do not shift them
    slots = ((ts[idx] + int(timeframe_ns) - 1) // clock_ns)[1:] if clock_ns == NS_HOUR else np.arange(r.shape[0])
    span_ns = max(int(ts[-1] - ts[0]) + int(timeframe_ns), 1)
    years = span_ns / NS_YEAR
    ppy = r.shape[0] / years
    skipped: list[str] = []
    daily = clock_ns >= NS_DAY
    sets = (ACF_R_LAGS_D, ACF_ABS_LAGS_D, MOMENTUM_LAGS_D) if daily else (ACF_R_LAGS_H, ACF_ABS_LAGS_H, MOMENTUM_LAGS_H)
    unit_ns, unit = (clock_ns, "days") if daily else (NS_HOUR, "hours")
    # the day-scale volatility clustering (24 hours, or 1 day on daily bars) is the least a series must allow
    need = (0, 0 if daily else ACF_ABS_LAGS_H.index(24), 0)
    acf_r_lags, abs_lags, mom_lags = (
        _usable(name, r.shape[0], _lags_on_clock(lags, clock_ns, unit_ns), unit, skipped, k) for lags, k in zip(sets, need)
    )
    ar = np.abs(r)
    figures: dict[str, Any] = {
        "bars": int(n),
        "returns": int(r.shape[0]),
        "clock": "1h" if clock_ns == NS_HOUR else ("1d" if clock_ns == NS_DAY else f"{clock_ns // NS_MINUTE}min"),
        "lag_unit": "d" if daily else "h",
        "years": round(years, 4),
        "acf_r": {k: float(v) for (k, _), v in zip(acf_r_lags, acf_on_clock(r, slots, [lag for _, lag in acf_r_lags]))},
        "acf_abs_r": {k: float(v) for (k, _), v in zip(abs_lags, acf_on_clock(ar, slots, [lag for _, lag in abs_lags]))},
        "excess_kurtosis": excess_kurtosis(r),
        "annual_volatility": float(r.std() * math.sqrt(ppy)),
        "tail_index": hill_tail_index(r),
        "momentum_sharpe": {k: momentum_sharpe(lc, lag, ppy) for k, lag in mom_lags},
    }
    figures["reversal_sharpe"] = {k: -v for k, v in figures["momentum_sharpe"].items()}
    # an annualised Sharpe of a rule with no edge has a standard error of about 1 / sqrt(years)
    figures["sharpe_se"] = 1.0 / math.sqrt(years)
    base_r = np.diff(np.log(close))
    one_minute = int(timeframe_ns) == NS_MINUTE
    if one_minute:
        bppy = base_r.shape[0] / years
        lags_1m = _usable(name, base_r.shape[0], [(str(L), L) for L in MOMENTUM_LAGS_MIN], "minutes", skipped)
        figures["momentum_sharpe_1m"] = {k: momentum_sharpe(np.log(close), L, bppy) for k, L in lags_1m}
        figures["reversal_sharpe_1m"] = {k: -v for k, v in figures["momentum_sharpe_1m"].items()}
    figures["skipped_lags"] = skipped
    figures["acf_r_base_1"] = float(acf(base_r, [1])[0])
    figures["open_ne_prev_close"] = float(np.mean(open_[1:] != close[:-1]))
    vol_ok = volume[1:] > 0
    figures["volume_abs_r_corr"] = (
        float(np.corrcoef(volume[1:], np.abs(base_r))[0, 1]) if vol_ok.any() and volume[1:].std() > 0 else float("nan")
    )
    hour = ((ts // NS_HOUR) % 24).astype(np.int64)
    cnt = np.bincount(hour[1:], minlength=24).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        vol_prof = np.sqrt(np.bincount(hour[1:], weights=base_r * base_r, minlength=24) / cnt)
        volu_prof = np.bincount(hour[1:], weights=volume[1:], minlength=24) / cnt
    seen = cnt > 0
    figures["intraday_volatility_ratio"] = float(np.nanmax(vol_prof[seen]) / np.nanmin(vol_prof[seen])) if seen.any() else float("nan")
    figures["intraday_volume_ratio"] = (
        float(np.nanmax(volu_prof[seen]) / np.nanmin(volu_prof[seen])) if seen.any() and np.nanmin(volu_prof[seen]) > 0 else float("nan")
    )
    verdicts = _verdicts(figures, symbol or name, one_minute)
    z = np.sort((r - r.mean()) / r.std()) if r.std() > 0 else np.sort(r)
    probs = (np.arange(1, z.shape[0] + 1) - 0.5) / z.shape[0]
    pick = np.unique(np.linspace(0, z.shape[0] - 1, min(400, z.shape[0])).astype(np.int64))
    nd = NormalDist()
    plot = {
        "acf_lags": np.arange(1, min(ACF_PLOT_LAGS, r.shape[0] // 4) + 1),
        "qq_theory": np.array([nd.inv_cdf(float(p)) for p in probs[pick]]),
        "qq_sample": z[pick],
        "hour_volatility": vol_prof,
        "hour_volume": volu_prof,
    }
    plot["acf_r"] = acf_on_clock(r, slots, plot["acf_lags"])
    plot["acf_abs_r"] = acf_on_clock(ar, slots, plot["acf_lags"])
    return StylizedFacts(name=name, figures=figures, verdicts=verdicts, plot=plot)


def _verdicts(f: dict[str, Any], symbol: str, one_minute: bool) -> list[Verdict]:
    out: list[Verdict] = []

    def add(fact: str, value: float, band: tuple[float, float], good: str, bad: str) -> None:
        ok = bool(np.isfinite(value) and band[0] <= value <= band[1])
        out.append(Verdict(fact, float(value), band, ok, good if ok else bad))

    u = f["lag_unit"]
    mid, long = ("1", "20") if u == "d" else ("24", "168")
    if "1" in f["acf_r"]:
        add(f"acf r lag 1{u}", f["acf_r"]["1"], BANDS["acf_r_1"], "returns nearly uncorrelated", "returns predictable from the last one")
    if mid in f["acf_abs_r"]:
        add(f"acf |r| lag {mid}{u}", f["acf_abs_r"][mid], BANDS["acf_abs_24"], "volatility clusters", "volatility clustering unlike a real market")
    if long in f["acf_abs_r"]:
        add(f"acf |r| lag {long}{u}", f["acf_abs_r"][long], BANDS["acf_abs_168"], "clustering decays slowly", "clustering dies out too fast")
    add("excess kurtosis", f["excess_kurtosis"], BANDS["excess_kurtosis"], "fat tails", "tails unlike a real market")
    add("annual volatility", f["annual_volatility"], vol_band(symbol), "plausible level", "implausible level for this instrument")
    add("tail index (Hill)", f["tail_index"], BANDS["tail_index"], "power-law tail", "tail index unlike a real market")
    for key, unit in (("momentum_sharpe", u), ("momentum_sharpe_1m", "min")):
        for lag, s in f.get(key, {}).items():
            add(f"momentum/reversal L={lag}{unit}", abs(s), (0.0, BANDS["sharpe"][1]), "no free lunch",
                f"a naive rule earns too much (standard error of a zero-edge Sharpe here: {f['sharpe_se']:.2f})")
    if one_minute:
        add("open != previous close", f["open_ne_prev_close"], BANDS["open_ne_prev_close"], "prints bounce", "opens copy the previous close")
        add("corr(volume, |r|)", f["volume_abs_r_corr"], BANDS["volume_abs_r_corr"], "volume follows the move", "volume ignores the move")
    return out


def stylized_facts(bars, *, name: str | None = None) -> StylizedFacts:
    """Stylized facts of a ``Bars`` series with a one-line verdict per fact.

    >>> from nexus.data.sources.synth import generate
    >>> bars, _ = generate("BTCUSDT", "1m", n=20_000)
    >>> f = stylized_facts(bars)
    >>> sorted(f.figures["momentum_sharpe"]), f.figures["skipped_lags"]
    (['24', '6', '72'], ['168h', '168h'])
    """
    from nexus.data.timeframes import timeframe_ns

    tf = timeframe_ns(bars.timeframe) if bars.timeframe else int(np.median(np.diff(bars.ts)))
    label = name or (f"{bars.symbol}/{bars.timeframe}" if bars.symbol else "series")
    return facts_from_arrays(bars.ts, bars.open, bars.close, bars.volume, timeframe_ns=tf, name=label, symbol=bars.symbol)


__all__ = ["stylized_facts", "facts_from_arrays", "StylizedFacts", "Verdict", "acf", "acf_on_clock", "excess_kurtosis", "hill_tail_index", "momentum_sharpe", "vol_band"]
