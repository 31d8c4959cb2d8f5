"""Tests for the success criteria of section 4 and the Wilson interval."""

import pytest
import torch

from mmdlib.experiments.success import (
    covariance_error,
    mean_error,
    mixture_mean_error,
    unmixing_distance,
    wilson_interval,
)


def test_mean_error_scales_by_dimension():
    mu = torch.tensor([3.0, 4.0, 0.0, 0.0])
    assert mean_error(mu, torch.zeros(4)).item() == pytest.approx(5.0 / 4)


def test_mixture_mean_error_ignores_sign_flip():
    mu_star = torch.tensor([1.0, -2.0])
    assert mixture_mean_error(-mu_star, mu_star).item() == 0.0
    assert mean_error(-mu_star, mu_star).item() > 1.0


def test_covariance_error_matches_frobenius_and_sign():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(5, generator=g, dtype=torch.float64), torch.randn(5, generator=g, dtype=torch.float64)
    frob = torch.linalg.matrix_norm(torch.outer(a, a) - torch.outer(b, b)) / 5
    assert covariance_error(a, b).item() == pytest.approx(frob.item(), rel=1e-12)
    assert covariance_error(-a, b).item() == pytest.approx(frob.item(), rel=1e-12)
    assert covariance_error(-b, b).item() == 0.0


def test_unmixing_distance_permutation_invariant():
    g = torch.Generator().manual_seed(1)
    A_star = torch.rand(6, 4, generator=g, dtype=torch.float64)
    perm = torch.tensor([2, 0, 3, 1])
    assert unmixing_distance(A_star[:, perm], A_star).item() == 0.0
    shifted = A_star[:, perm] + 0.1
    # Every column moves by 0.1 in each of 6 coordinates: 4 * 6 * 0.01.
    assert unmixing_distance(shifted, A_star).item() == pytest.approx(0.24, rel=1e-12)


def test_unmixing_distance_is_minimum_over_permutations():
    from itertools import permutations

    g = torch.Generator().manual_seed(2)
    A = torch.rand(2, 3, 3, generator=g, dtype=torch.float64)
    A_star = torch.rand(2, 3, 3, generator=g, dtype=torch.float64)
    got = unmixing_distance(A, A_star)
    for i in range(2):
        brute = min(((A[i][:, list(p)] - A_star[i]) ** 2).sum().item() for p in permutations(range(3)))
        assert got[i].item() == pytest.approx(brute, rel=1e-12)


def test_unmixing_distance_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        unmixing_distance(torch.zeros(3, 2), torch.zeros(3, 3))


@pytest.mark.parametrize(("k", "n", "low", "high"), [(5, 10, 0.236593, 0.763407), (0, 10, 0.0, 0.277533),
                                                    (10, 10, 0.722467, 1.0)], ids=["half", "none", "all"])
def test_wilson_interval_known_values(k, n, low, high):
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(low, abs=1e-6)
    assert got[1] == pytest.approx(high, abs=1e-6)


def test_wilson_interval_rejects_bad_counts():
    with pytest.raises(ValueError, match="at most trials=3"):
        wilson_interval(4, 3)
    with pytest.raises(ValueError, match="trials must be at least 1"):
        wilson_interval(0, 0)


@pytest.mark.parametrize(
    ("error", "first", "second", "match"),
    [
        (mean_error, torch.zeros(1), torch.ones(4), r"mu and mu_star must have shapes \(\.\.\., d\) with the same d"),
        (mean_error, torch.zeros(3, 2), torch.zeros(3), r"got \(3, 2\) and \(3,\)"),
        (mixture_mean_error, torch.zeros(1), torch.ones(4), "mu and mu_star must have shapes"),
        (covariance_error, torch.zeros(1), torch.ones(4), "a and a_star must have shapes"),
    ],
    ids=["mean-broadcast-d", "mean-mismatch", "mixture-mean", "covariance"],
)
def test_errors_reject_mismatched_d(error, first, second, match):
    with pytest.raises(ValueError, match=match):
        error(first, second)


def test_wilson_level_must_be_a_number():
    with pytest.raises(TypeError, match="level must be a number in \\(0, 1\\) such as 0.95, got str '0.9'"):
        wilson_interval(3, 10, level="0.9")


def test_unmixing_distance_names_the_nan_argument():
    A_star = torch.eye(3, dtype=torch.float64)
    A = A_star.clone()
    A[1, 2] = float("nan")
    with pytest.raises(ValueError, match="A contains NaN or infinite entries"):
        unmixing_distance(A, A_star)
    with pytest.raises(ValueError, match="A_star contains NaN or infinite entries"):
        unmixing_distance(A_star, A)
