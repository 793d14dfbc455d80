"""Overfitting statistics: probabilistic and deflated Sharpe ratio, PBO by CSCV.

All Sharpe ratios here are *per period* (not annualised): pass returns at the
frequency you measured them, or divide an annualised Sharpe by sqrt(periods).

- :func:`probabilistic_sharpe_ratio` (Bailey and López de Prado, 2012):
  P(true SR > sr_benchmark) given the sample SR, its length T, skewness and
  **raw** kurtosis (a normal distribution has 3). scipy's ``kurtosis``
  returns *excess* kurtosis by default; feeding it here unchanged (as
  vectorbt's DSR does) understates the penalty for fat tails. This module
  computes raw kurtosis itself.
- :func:`expected_max_sharpe` and :func:`deflated_sharpe_ratio` (Bailey and
  López de Prado, 2014): the PSR against the Sharpe ratio one expects from
  the best of N unskilled trials with the observed variance across trials.
- :func:`pbo_cscv` (Bailey, Borwein, López de Prado and Zhu, 2015): the
  probability of backtest overfitting by combinatorially symmetric
  cross-validation over a [T, N] matrix of per-period trial returns.

>>> round(deflated_sharpe_ratio(2.5 / 250 ** 0.5, n_obs=1250, sr_variance=0.5 / 250,
...                              n_trials=100, skew=-3.0, kurtosis=10.0), 4)
0.9004
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from statistics import NormalDist

import numpy as np

from nexus.errors import ConfigError, ValidationError

EULER_GAMMA = 0.5772156649015329
_N = NormalDist()


def sample_moments(returns: np.ndarray) -> tuple[float, float, float, int]:
    """(per-period Sharpe, skewness, raw kurtosis, T) of a return series, NaNs dropped.

    Moments are the population (biased) ones, as in the papers.
    """
    r = np.asarray(returns, dtype=np.float64).ravel()
    r = r[np.isfinite(r)]
    t = r.size
    if t < 3:
        raise ValidationError(f"need at least 3 finite returns for Sharpe moments, got {t}")
    mu = r.mean()
    d = r - mu
    m2 = float(np.mean(d * d))
    if m2 == 0.0:
        return math.nan, math.nan, math.nan, t
    sd = math.sqrt(m2)
    return float(mu / sd), float(np.mean(d**3) / sd**3), float(np.mean(d**4) / m2**2), t


def probabilistic_sharpe_ratio(
    sr: float, n_obs: int, *, sr_benchmark: float = 0.0, skew: float = 0.0, kurtosis: float = 3.0
) -> float:
    """P(true per-period SR > sr_benchmark); ``kurtosis`` is raw (3 for a normal)."""
    if n_obs < 2:
        raise ValidationError(f"n_obs must be >= 2, got {n_obs}")
    if not math.isfinite(sr):
        return math.nan
    denom = 1.0 - skew * sr + (kurtosis - 1.0) / 4.0 * sr * sr
    if denom <= 0.0:
        return math.nan
    return _N.cdf((sr - sr_benchmark) * math.sqrt(n_obs - 1) / math.sqrt(denom))


def expected_max_sharpe(n_trials: int, sr_variance: float, sr_mean: float = 0.0) -> float:
    """Expected maximum per-period SR among ``n_trials`` unskilled trials (False Strategy Theorem)."""
    if n_trials < 1:
        raise ConfigError(f"n_trials must be >= 1, got {n_trials}")
    if n_trials == 1:
        return sr_mean
    z1 = _N.inv_cdf(1.0 - 1.0 / n_trials)
    z2 = _N.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return sr_mean + math.sqrt(max(sr_variance, 0.0)) * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2)


def deflated_sharpe_ratio(
    sr: float, n_obs: int, *, sr_variance: float, n_trials: int, skew: float = 0.0, kurtosis: float = 3.0
) -> float:
    """PSR of the selected per-period SR against the expected maximum SR of ``n_trials`` trials."""
    sr0 = expected_max_sharpe(n_trials, sr_variance)
    return probabilistic_sharpe_ratio(sr, n_obs, sr_benchmark=sr0, skew=skew, kurtosis=kurtosis)


def dsr_from_trials(trial_returns: np.ndarray, best: int | None = None) -> dict[str, float]:
    """DSR of the best column of a [T, N] per-period return matrix, with its inputs.

    ``best`` defaults to the column with the highest per-period Sharpe ratio.
    """
    m = np.asarray(trial_returns, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] < 1:
        raise ValidationError(f"trial_returns must be [T, N], got shape {m.shape}")
    mu = np.nanmean(m, axis=0)
    sd = np.nanstd(m, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        srs = np.where(sd > 0, mu / sd, np.nan)
    if best is None:
        if np.all(np.isnan(srs)):
            raise ValidationError("every trial has zero variance; no Sharpe ratio to deflate")
        best = int(np.nanargmax(srs))
    sr, skew, kurt, t = sample_moments(m[:, best])
    var = float(np.nanvar(srs)) if np.isfinite(srs).sum() > 1 else 0.0
    n = int(np.isfinite(srs).sum())
    dsr = deflated_sharpe_ratio(sr, t, sr_variance=var, n_trials=max(n, 1), skew=skew, kurtosis=kurt)
    return {
        "best": float(best), "sharpe": sr, "skew": skew, "kurtosis": kurt, "n_obs": float(t),
        "n_trials": float(n), "sr_variance": var, "expected_max_sharpe": expected_max_sharpe(max(n, 1), var),
        "psr": probabilistic_sharpe_ratio(sr, t, skew=skew, kurtosis=kurt), "dsr": dsr,
    }


@dataclass(frozen=True)
class PBOResult:
    """PBO and the per-split logits; ``pbo`` = share of splits whose IS winner ranks at or below the OOS median."""

    pbo: float
    logits: np.ndarray  # one per IS/OOS split
    is_best: np.ndarray  # index of the in-sample winner per split
    oos_rank: np.ndarray  # relative OOS rank of that winner, in (0, 1)
    n_splits: int


def _sharpe_from(mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sd > 0, mu / sd, np.where(mu > 0, np.inf, np.where(mu < 0, -np.inf, 0.0)))


def _sharpe_cols(block: np.ndarray) -> np.ndarray:
    return _sharpe_from(block.mean(axis=0), block.std(axis=0))


class _BlockSharpe:
    """Per-period Sharpe of any union of blocks from per-block sums: O(blocks x N) per split, not O(T x N).

    A variance within 1e-12 of the mean square counts as zero, as the direct
    computation would find it (the sums' rounding must not turn a constant
    column into a huge Sharpe ratio).
    """

    def __init__(self, m: np.ndarray, bounds: np.ndarray) -> None:
        self.s1 = np.add.reduceat(m, bounds[:-1], axis=0)
        self.s2 = np.add.reduceat(m * m, bounds[:-1], axis=0)
        self.cnt = np.diff(bounds).astype(np.float64)

    def __call__(self, blocks: list[int]) -> np.ndarray:
        n = self.cnt[blocks].sum()
        mu = self.s1[blocks].sum(axis=0) / n
        ms = self.s2[blocks].sum(axis=0) / n
        var = ms - mu * mu
        var = np.where(var > 1e-12 * ms, var, 0.0)
        return _sharpe_from(mu, np.sqrt(var))


def pbo_cscv(trial_returns: np.ndarray, n_blocks: int = 16, metric=_sharpe_cols) -> PBOResult:
    """Probability of backtest overfitting by combinatorially symmetric cross-validation.

    The T rows are cut into ``n_blocks`` (even) contiguous blocks; every way of
    choosing half of them as in-sample (the rest out-of-sample) is one split.
    In each split the in-sample winner's out-of-sample relative rank
    ``w = rank / (N + 1)`` gives the logit ``log(w / (1 - w))``; PBO is the
    share of splits with logit <= 0. ``metric`` maps a [rows, N] block to N scores.
    """
    m = np.asarray(trial_returns, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] < 2:
        raise ValidationError(f"pbo_cscv needs a [T, N] matrix with N >= 2 trials, got shape {m.shape}")
    if n_blocks < 2 or n_blocks % 2:
        raise ConfigError(f"n_blocks must be even and >= 2, got {n_blocks}")
    t, n = m.shape
    if t < n_blocks:
        raise ValidationError(f"pbo_cscv: {t} rows cannot be cut into {n_blocks} blocks")
    if not np.isfinite(m).all():
        raise ValidationError("pbo_cscv: trial returns contain NaN or Inf; fill or drop those rows first")
    bounds = np.linspace(0, t, n_blocks + 1).astype(np.int64)
    if metric is _sharpe_cols:
        score = _BlockSharpe(m, bounds)  # same statistic, from per-block sums
    else:
        blocks = [np.arange(bounds[i], bounds[i + 1]) for i in range(n_blocks)]

        def score(idx: list[int]) -> np.ndarray:
            return metric(m[np.concatenate([blocks[b] for b in idx])])

    logits, winners, ranks = [], [], []
    for is_idx in combinations(range(n_blocks), n_blocks // 2):
        oos_idx = [b for b in range(n_blocks) if b not in is_idx]
        r_is = score(list(is_idx))
        r_oos = score(oos_idx)
        best = int(np.argmax(r_is))
        # rank 1 = worst OOS ... N = best OOS; ties share the average rank
        below = float(np.sum(r_oos < r_oos[best]))
        equal = float(np.sum(r_oos == r_oos[best]))
        rank = below + (equal + 1.0) / 2.0
        w = rank / (n + 1.0)
        winners.append(best)
        ranks.append(w)
        logits.append(math.log(w / (1.0 - w)))
    lg = np.asarray(logits)
    return PBOResult(
        pbo=float(np.mean(lg <= 0.0)), logits=lg, is_best=np.asarray(winners), oos_rank=np.asarray(ranks), n_splits=lg.size
    )


__all__ = [
    "sample_moments", "probabilistic_sharpe_ratio", "expected_max_sharpe", "deflated_sharpe_ratio",
    "dsr_from_trials", "pbo_cscv", "PBOResult", "EULER_GAMMA",
]
