"""PSR, DSR and PBO against the papers' worked examples and hand-computed cases."""

import math

import numpy as np
import pytest
from scipy import stats

from nexus.metrics import overfitting as of


def test_dsr_matches_bailey_lopez_de_prado_2014_example():
    # The paper's example: N=100 trials, V[SR]=0.5 (annualised), T=1250 daily obs,
    # annualised SR 2.5, skew -3, raw kurtosis 10 -> SR0 = 0.1132 per day, DSR = 0.9004.
    sr0 = of.expected_max_sharpe(100, 0.5 / 250)
    assert sr0 == pytest.approx(0.1132, abs=5e-5)
    dsr = of.deflated_sharpe_ratio(2.5 / math.sqrt(250), 1250, sr_variance=0.5 / 250, n_trials=100, skew=-3, kurtosis=10)
    assert dsr == pytest.approx(0.9004, abs=1e-4)


def test_psr_closed_form_normal_case():
    # normal returns (skew 0, kurtosis 3): denominator 1 + SR^2 / 2
    sr, t = 0.1, 500
    want = stats.norm.cdf(sr * math.sqrt(t - 1) / math.sqrt(1 + sr * sr / 2))
    assert of.probabilistic_sharpe_ratio(sr, t) == pytest.approx(want, rel=1e-12)
    assert of.probabilistic_sharpe_ratio(0.0, t) == pytest.approx(0.5)


def test_sample_moments_use_raw_kurtosis():
    rng = np.random.default_rng(0)
    r = rng.standard_t(5, 20_000) * 0.01 + 0.0005
    sr, skew, kurt, t = of.sample_moments(r)
    assert kurt == pytest.approx(stats.kurtosis(r, fisher=False), rel=1e-10)
    assert kurt == pytest.approx(stats.kurtosis(r) + 3.0, rel=1e-10)  # scipy's default is excess
    assert skew == pytest.approx(stats.skew(r), rel=1e-10)
    assert sr == pytest.approx(r.mean() / r.std(), rel=1e-12)
    assert t == r.size


def test_dsr_from_trials_picks_best_and_penalises_many_trials():
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.01, size=(1000, 50))
    out = of.dsr_from_trials(noise)
    assert out["best"] == float(np.argmax(noise.mean(0) / noise.std(0)))
    # the best of 50 pure-noise trials must not look significant after deflation
    assert out["dsr"] < 0.5 < out["psr"]


def _mean_metric(block):
    return block.mean(axis=0)


def test_pbo_is_one_when_in_sample_winner_is_always_out_of_sample_loser():
    # trial a earns +2 units on blocks 0, 2 and -1 on blocks 1, 3 (binary-exact values, so ties are exact);
    # trial b is the mirror. With the mean as metric:
    # splits {0,2} and {1,3}: the IS winner is the OOS loser, rank 1 of 2 -> w = 1/3, logit = log(1/2);
    # the four mixed splits tie in and out of sample -> shared rank 1.5 -> w = 1/2, logit 0 (counted as overfit).
    per = 10
    a = np.concatenate([np.full(per, v) for v in (0.25, -0.125, 0.25, -0.125)])
    b = np.concatenate([np.full(per, v) for v in (-0.125, 0.25, -0.125, 0.25)])
    res = of.pbo_cscv(np.column_stack([a, b]), n_blocks=4, metric=_mean_metric)
    assert res.n_splits == 6
    assert sorted(res.logits) == pytest.approx(sorted([math.log(0.5)] * 2 + [0.0] * 4), abs=1e-12)
    assert res.pbo == 1.0


def test_pbo_is_zero_for_a_dominant_trial():
    rng = np.random.default_rng(3)
    m = rng.normal(0, 0.01, size=(400, 8))
    m[:, 5] += 0.02  # dominates every block
    res = of.pbo_cscv(m, n_blocks=8)
    assert res.pbo == 0.0
    assert (res.is_best == 5).all()
    assert res.oos_rank == pytest.approx(np.full(res.n_splits, 8 / 9))


def test_pbo_hand_computed_three_trials():
    m = np.array([[0.03, 0.01, 0.02], [0.01, 0.03, 0.02]])
    res = of.pbo_cscv(m, n_blocks=2, metric=_mean_metric)
    # split 1: IS = row 0 -> winner trial 0; OOS row 1 ranks it worst (rank 1 of 3) -> w = 1/4
    # split 2: IS = row 1 -> winner trial 1; OOS row 0 ranks it worst -> w = 1/4
    assert list(res.is_best) == [0, 1]
    assert res.oos_rank == pytest.approx([0.25, 0.25])
    assert res.logits == pytest.approx([math.log(1 / 3)] * 2)
    assert res.pbo == 1.0


def test_bad_inputs_are_clear():
    with pytest.raises(Exception, match="even"):
        of.pbo_cscv(np.zeros((10, 3)), n_blocks=3)
    with pytest.raises(Exception, match="N >= 2"):
        of.pbo_cscv(np.zeros((10, 1)))
    with pytest.raises(Exception, match="NaN"):
        of.pbo_cscv(np.full((10, 3), np.nan), n_blocks=2)


def test_block_sum_sharpe_equals_the_direct_computation():
    # the fast path (per-block sums) must pick the same winners and ranks as Sharpe on the concatenated rows
    rng = np.random.default_rng(7)
    m = rng.normal(0.0002, 0.01, size=(660, 40))
    m[:, 3] = 0.001  # a constant column: infinite Sharpe on both paths
    fast = of.pbo_cscv(m, n_blocks=8)
    slow = of.pbo_cscv(m, n_blocks=8, metric=lambda b: of._sharpe_cols(b))
    np.testing.assert_array_equal(fast.is_best, slow.is_best)
    np.testing.assert_allclose(fast.oos_rank, slow.oos_rank)
    assert fast.pbo == slow.pbo
