"""Tests for the verdict helpers: rate comparisons, error summaries, exact references, the paper's tables."""

import math
import statistics

import pytest
import torch
from scipy.stats import chi2, ttest_ind_from_stats

from mmdlib.experiments.spec import Setting
from mmdlib.experiments.success import covariance_error, wilson_interval
from mmdlib.experiments.verdicts import (
    PAPER_TABLE_1,
    PAPER_TABLE_8,
    best_in_paper_table,
    best_of_kind,
    compare_rates,
    error_summary,
    mean_difference_z,
    rank_one_mle,
    rate_curve,
    sample_mean_success_probability,
    summarize,
    table1_in_table8,
    verdict_line,
    x_values,
)
from results_factory import counts_to_errors, make_results

SETTINGS = [Setting("m=8", 8), Setting("m=32", 32), Setting("m=128", 128)]
METHODS = [("A", "mmd"), ("B", "mle"), ("C", "wgan")]


def _rates(counts: dict[str, list[int]], trials: int = 40) -> dict:
    errors = {(s.label, name): counts_to_errors(counts[name][i], trials)
              for i, s in enumerate(SETTINGS) for name, _ in METHODS}
    return make_results("mean", SETTINGS, METHODS, errors, threshold=0.5)


def test_rate_curve_matches_counts_and_wilson():
    data = _rates({"A": [1, 20, 39], "B": [0, 0, 0], "C": [5, 5, 5]})
    curve = rate_curve(data, "A")
    assert curve.settings == ("m=8", "m=32", "m=128")
    assert curve.x == (8.0, 32.0, 128.0)
    assert curve.successes == (1, 20, 39)
    assert curve.rates == pytest.approx((1 / 40, 0.5, 39 / 40))
    assert (curve.low[1], curve.high[1]) == pytest.approx(wilson_interval(20, 40))
    assert curve.pooled_rate == pytest.approx(60 / 120)


def test_rate_curve_unknown_method_raises():
    data = _rates({"A": [1, 1, 1], "B": [1, 1, 1], "C": [1, 1, 1]})
    with pytest.raises(KeyError, match="no runs of method 'Z'"):
        rate_curve(data, "Z")


def test_x_values_rejects_unknown_field():
    data = _rates({"A": [1, 1, 1], "B": [1, 1, 1], "C": [1, 1, 1]})
    assert x_values(data, "m") == {"m=8": 8, "m=32": 32, "m=128": 128}
    with pytest.raises(ValueError, match="x must name a setting field"):
        x_values(data, "label")


def test_identical_rates_coincide():
    data = _rates({"A": [3, 20, 30], "B": [3, 20, 30], "C": [0, 0, 0]})
    comparison = compare_rates(data, "A", "B")
    assert comparison.coincide
    assert comparison.max_abs_difference == 0.0
    assert comparison.overlapping == 3
    assert not comparison.first_better


def test_clear_gap_makes_first_better():
    data = _rates({"A": [30, 35, 40], "B": [3, 20, 30], "C": [0, 2, 1]})
    comparison = compare_rates(data, "A", "C")
    assert comparison.first_higher == ("m=8", "m=32", "m=128")
    assert comparison.second_higher == ()
    assert comparison.first_better
    assert not comparison.coincide
    assert comparison.pooled_first == pytest.approx(105 / 120)
    reverse = compare_rates(data, "C", "A")
    assert not reverse.first_better
    assert reverse.second_higher == ("m=8", "m=32", "m=128")


def test_disjointness_follows_wilson_bounds():
    data = _rates({"A": [12, 0, 0], "B": [4, 0, 0], "C": [0, 0, 0]})
    comparison = compare_rates(data, "A", "B", settings=["m=8"])
    low_a, _ = wilson_interval(12, 40)
    _, high_b = wilson_interval(4, 40)
    assert comparison.settings == ("m=8",)
    assert bool(comparison.first_higher) == (low_a > high_b)


def test_compare_rates_without_shared_settings_raises():
    data = _rates({"A": [1, 1, 1], "B": [1, 1, 1], "C": [1, 1, 1]})
    with pytest.raises(ValueError, match="no setting where both"):
        compare_rates(data, "A", "B", settings=["m=9"])


def test_error_summary_matches_statistics_module():
    values = [0.3, 0.1, None, 0.7, 0.2]
    errors = {(s.label, name): values for s in SETTINGS for name, _ in METHODS}
    data = make_results("unmixing", SETTINGS, METHODS, errors, threshold=0.5)
    summary = error_summary(data, "m=8", "A")
    finite = [v for v in values if v is not None]
    assert summary.mean == pytest.approx(statistics.mean(finite))
    assert summary.std == pytest.approx(statistics.stdev(finite))
    assert (summary.finite, summary.trials) == (4, 5)


def test_summarize_single_value_has_nan_std():
    summary = summarize("s", "m", [2.0])
    assert summary.mean == 2.0
    assert math.isnan(summary.std)


def test_best_of_kind_picks_lowest_mean():
    methods = [("MMD 1", "mmd"), ("MMD 2", "mmd"), ("WGAN 1", "wgan")]
    errors = {("m=8", "MMD 1"): [0.5, 0.7], ("m=8", "MMD 2"): [0.2, 0.4], ("m=8", "WGAN 1"): [0.1, 0.1]}
    data = make_results("unmixing", SETTINGS[:1], methods, errors, threshold=1.0)
    assert best_of_kind(data, "m=8", "mmd").method == "MMD 2"
    assert best_of_kind(data, "m=8", "wgan").method == "WGAN 1"
    with pytest.raises(KeyError, match="no method of kind 'mle'"):
        best_of_kind(data, "m=8", "mle")


def test_mean_difference_z_matches_welch_t():
    a, b = summarize("s", "a", [1.0, 2.0, 4.0, 3.5]), summarize("s", "b", [2.5, 3.0, 5.0, 6.0, 4.5])
    expected = ttest_ind_from_stats(a.mean, a.std, a.finite, b.mean, b.std, b.finite, equal_var=False).statistic
    assert mean_difference_z(a, b) == pytest.approx(expected)
    assert math.isnan(mean_difference_z(summarize("s", "c", [1.0]), b))


def test_sample_mean_probability_matches_simulation():
    m, d, threshold = 256, 10, 0.02
    assert sample_mean_success_probability(m, d, threshold) == pytest.approx(chi2.cdf(m * (threshold * d) ** 2, d))
    g = torch.Generator().manual_seed(0)
    trials = 4000
    means = torch.randn(trials, m, d, generator=g, dtype=torch.float64).mean(1)  # truth 0, covariance I
    simulated = ((means.norm(dim=-1) / d) <= threshold).double().mean().item()
    p = sample_mean_success_probability(m, d, threshold)
    assert abs(simulated - p) < 4 * math.sqrt(p * (1 - p) / trials)


def test_sample_mean_probability_rejects_bad_input():
    with pytest.raises(ValueError, match="m must be at least 1"):
        sample_mean_success_probability(0, 3, 0.1)
    with pytest.raises(ValueError, match="threshold"):
        sample_mean_success_probability(5, 3, -0.1)


@pytest.mark.parametrize("eps", [0.3, 1e-3], ids=["eps-0.3", "eps-1e-3"])
def test_rank_one_mle_is_stationary_and_maximal(eps):
    g = torch.Generator().manual_seed(1)
    d, m = 4, 200
    a_star = torch.tensor([1.0, -0.5, 0.3, 0.8], dtype=torch.float64)
    y = torch.randn(m, 1, generator=g, dtype=torch.float64) * a_star + eps * torch.randn(m, d, generator=g,
                                                                                              dtype=torch.float64)

    def log_likelihood(a):
        cov = torch.outer(a, a) + eps**2 * torch.eye(d, dtype=torch.float64)
        return torch.distributions.MultivariateNormal(torch.zeros(d, dtype=torch.float64), cov).log_prob(y).mean()

    a_hat = rank_one_mle(y, eps).requires_grad_(True)
    (grad,) = torch.autograd.grad(log_likelihood(a_hat), a_hat)
    assert grad.abs().max().item() < 1e-6 / eps**2
    best = log_likelihood(a_hat.detach()).item()
    for _ in range(20):
        other = a_hat.detach() + 0.05 * torch.randn(d, generator=g, dtype=torch.float64)
        assert log_likelihood(other).item() <= best + 1e-12
    assert covariance_error(a_hat.detach(), a_star).item() < 0.1


def test_rank_one_mle_is_zero_below_noise_floor():
    y = 0.1 * torch.ones(5, 3, dtype=torch.float64)
    assert torch.equal(rank_one_mle(y, eps=1.0), torch.zeros(3, dtype=torch.float64))


def test_rank_one_mle_is_batched():
    g = torch.Generator().manual_seed(2)
    y = torch.randn(3, 50, 4, generator=g, dtype=torch.float64)
    batch = rank_one_mle(y, 0.1)
    for r in range(3):
        alone = rank_one_mle(y[r], 0.1)
        assert covariance_error(batch[r], alone).item() < 1e-12


def test_paper_tables_have_every_cell():
    assert sorted(PAPER_TABLE_8) == [0.01, 0.1, 1.0]
    for row in PAPER_TABLE_8.values():
        assert list(row)[:2] == ["Random", "VCA"]
        assert len(row) == 14
    assert PAPER_TABLE_8[0.01]["MMD 1"] == (0.36, 0.19)
    assert PAPER_TABLE_8[1.0]["WGAN 6"] == (4.76, 1.98)
    assert PAPER_TABLE_8[0.1]["MMD 4"] == (5.92, 10.25)
    assert sorted(PAPER_TABLE_1) == [0.001, 0.01, 0.1]


def test_best_in_paper_table():
    assert best_in_paper_table(0.01, "MMD") == ("MMD 1", 0.36, 0.19)
    assert best_in_paper_table(1.0, "WGAN") == ("WGAN 5", 3.42, 0.92)
    with pytest.raises(KeyError, match="no noise variance 0.5"):
        best_in_paper_table(0.5, "MMD")


def test_table1_entries_found_in_table8():
    matches = {(noise, method): found for noise, method, _, found in table1_in_table8()}
    assert matches[(0.01, "MMD")] == ["MMD 5"]
    assert matches[(0.001, "MMD")] == []
    assert sum(bool(found) for found in matches.values()) == 1


def test_verdict_line_format():
    assert verdict_line("X beats Y", True, "0.5 vs 0.1", "ci") == "[ci scale] X beats Y: holds (0.5 vs 0.1)"
    assert "does not hold" in verdict_line("X", False, "e", "paper")


def _tiny_covariance(experiment: str = "covariance", lr: float = 0.1):
    from mmdlib.experiments.live import collect, run_method
    from mmdlib.experiments.spec import ExperimentSpec, Method

    methods = (Method("MLE", "mle", lr=lr, iterations=3, repeats=3),)
    settings = (Setting("m=10", 10, eps=0.3), Setting("m=20", 20, eps=0.3))
    spec = ExperimentSpec(experiment, "test", 3, settings, methods, threshold=0.5)
    return spec, collect(spec, [run_method(spec, "MLE", base_seed=4)], base_seed=4)


def test_redrawn_problems_match_the_runner():
    from mmdlib.experiments.runner import run_setting
    from mmdlib.experiments.verdicts import redraw_problems

    spec, data = _tiny_covariance()
    redrawn = list(redraw_problems(data, "MLE"))
    assert [s.label for s, _ in redrawn] == ["m=10", "m=20"]
    for index, (setting, problem) in enumerate(redrawn):
        result = run_setting(spec, index, "MLE", range(3), base_seed=4)
        assert torch.allclose(problem.truth["a"].float(), result.truth["a"], atol=1e-6)
        assert problem.y.shape == (3, setting.m, 3)


def test_initial_errors_equal_errors_after_zero_steps():
    from mmdlib.experiments.verdicts import initial_errors

    _, data = _tiny_covariance(lr=0.0)
    errors = initial_errors(data, "MLE")
    for run in data["runs"]:
        assert errors[run["setting"]] == pytest.approx(run["errors"], rel=1e-5)
    with pytest.raises(KeyError, match="no runs of method 'MMD'"):
        initial_errors(data, "MMD")


def test_closed_form_mle_curve_scores_each_repeat():
    from mmdlib.experiments.verdicts import closed_form_mle_curve, redraw_problems

    _, data = _tiny_covariance()
    curve = closed_form_mle_curve(data)
    assert curve.settings == ("m=10", "m=20")
    assert curve.x == (10.0, 20.0)
    assert curve.trials == (3, 3)
    for (setting, problem), successes in zip(redraw_problems(data, "MLE"), curve.successes):
        sample_cov = problem.y.transpose(-2, -1) @ problem.y / setting.m
        top = torch.linalg.eigvalsh(sample_cov)[..., -1]
        a_hat = rank_one_mle(problem.y, setting.eps)
        assert torch.allclose(a_hat.pow(2).sum(-1), top - setting.eps**2)
        errors = covariance_error(a_hat, problem.truth["a"])
        assert successes == int((errors <= 0.5).sum())


def test_closed_form_mle_curve_rejects_mixtures():
    from mmdlib.experiments.verdicts import closed_form_mle_curve

    _, data = _tiny_covariance("mixture_covariance")
    with pytest.raises(ValueError, match="covers the experiments 'covariance' and 'covariance_eps'"):
        closed_form_mle_curve(data)
