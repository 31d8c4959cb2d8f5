"""Tests of the stationary-point census: the search on functions with known critical points, the
Woodbury loss against the Cholesky closed form, the m = 0 case against Theorem 2, and input errors."""

from __future__ import annotations

import math

import pytest
import torch

from mmdlib.census import (
    CensusResult,
    Setting,
    classify,
    deduplicate,
    find_stationary_points,
    gradient_and_hessian,
    mixture_rank_one_woodbury,
    run_census,
    run_setting,
    start_grid,
    summarize,
)
from mmdlib.closed_form import gaussian_rank_one, mixture_rank_one


def double_well(x: torch.Tensor) -> torch.Tensor:
    """(x1^2 - 1)^2 + (x2^2 - 1)^2: minima (+-1, +-1), saddles (0, +-1) and (+-1, 0), maximum at 0."""
    return (x[..., 0] ** 2 - 1) ** 2 + (x[..., 1] ** 2 - 1) ** 2


@pytest.mark.parametrize("d", [1, 2, 3], ids=lambda d: f"d{d}")
def test_woodbury_loss_matches_cholesky(d):
    g = torch.Generator().manual_seed(d)
    a, a_star, mean = (torch.randn(40, d, generator=g, dtype=torch.float64) for _ in range(3))
    expected = mixture_rank_one(a, a_star, mean, 0.3, 0.7)
    got = mixture_rank_one_woodbury(a, a_star, mean, 0.3, 0.7)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-14)


def test_woodbury_loss_batched_settings():
    g = torch.Generator().manual_seed(5)
    a = torch.randn(3, 7, 2, generator=g, dtype=torch.float64)
    a_star, mean = torch.randn(3, 1, 2, generator=g, dtype=torch.float64), torch.randn(3, 1, 2, dtype=torch.float64)
    sigma2 = torch.tensor([[0.1], [1.0], [10.0]], dtype=torch.float64)
    got = mixture_rank_one_woodbury(a, a_star, mean, 0.1, sigma2)
    for i in range(3):
        expected = mixture_rank_one(a[i], a_star[i, 0], mean[i, 0], 0.1, float(sigma2[i, 0]))
        torch.testing.assert_close(got[i], expected, rtol=1e-12, atol=1e-14)


def test_gradient_and_hessian_match_finite_differences():
    setting = Setting(1.0, 1.0, 40.0, 0.5)
    x = torch.tensor([[0.3, -0.7], [1.1, 0.4]], dtype=torch.float64)
    _, grad, hess = gradient_and_hessian(setting.loss, x)
    h = 1e-5
    for j in range(2):
        e = torch.zeros(2, dtype=torch.float64)
        e[j] = h
        fd_grad = (setting.loss(x + e) - setting.loss(x - e)) / (2 * h)
        torch.testing.assert_close(grad[:, j], fd_grad, rtol=1e-6, atol=1e-9)
        _, gp, _ = gradient_and_hessian(setting.loss, x + e)
        _, gm, _ = gradient_and_hessian(setting.loss, x - e)
        torch.testing.assert_close(hess[:, j, :], (gp - gm) / (2 * h), rtol=1e-5, atol=1e-8)


def test_search_finds_all_nine_points_of_double_well():
    found = find_stationary_points(double_well, start_grid(2.0, 9), radius=10.0)
    kinds = sorted(p.kind for p in found)
    assert kinds == ["maximum"] + ["minimum"] * 4 + ["strict saddle"] * 4
    coords = sorted(tuple(round(v, 8) + 0.0 for v in p.point.tolist()) for p in found)
    expected = sorted((float(x), float(y)) for x in (-1, 0, 1) for y in (-1, 0, 1))
    assert coords == expected


def test_search_drops_points_outside_radius():
    found = find_stationary_points(double_well, start_grid(2.0, 9), radius=0.5)
    assert [p.kind for p in found] == ["maximum"]


def test_deduplicate_merges_close_points():
    points = torch.tensor([[0.0, 0.0], [1e-7, 0.0], [1.0, 1.0], [1.0, 1.0 + 2e-7], [0.0, 1.0]], dtype=torch.float64)
    assert deduplicate(points, 1e-6).tolist() == [0, 2, 4]


def test_deduplicate_keeps_points_farther_than_tol():
    points = torch.tensor([[0.0], [0.5], [1.0]], dtype=torch.float64)
    assert deduplicate(points, 0.4).tolist() == [0, 1, 2]
    assert deduplicate(points, 0.6).tolist() == [0, 2]


@pytest.mark.parametrize(
    ("eigenvalues", "kind"),
    [
        ([1.0, 2.0], "minimum"),
        ([-1.0, -2.0], "maximum"),
        ([-1.0, 2.0], "strict saddle"),
        ([-1.0, 0.0], "strict saddle"),
        ([0.0, 2.0], "degenerate"),
        ([1e-9, 1.0], "degenerate"),
    ],
    ids=["min", "max", "saddle", "saddle-with-zero", "zero-and-positive", "below-tol"],
)
def test_classify_by_eigenvalue_signs(eigenvalues, kind):
    assert classify(torch.tensor([eigenvalues], dtype=torch.float64), 1e-7) == [kind]


def test_m_zero_reduces_to_theorem2():
    """With m = 0 the mixture is N(0, a a^T + eps^2 I): minima at +-a*, maximum at 0, saddles orthogonal to a*."""
    setting = Setting(0.0, 1.5, 30.0, 1.0)
    a = torch.randn(9, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(setting.loss(a), gaussian_rank_one(a, setting.a_star, setting.eps, 1.0))
    result = run_setting(setting, per_side=17)
    assert result.found_truth
    assert result.spurious_minima == []
    assert result.count("maximum") == 1
    assert result.count("degenerate") == 0
    saddles = [p for p in result.points if p.kind == "strict saddle"]
    assert len(saddles) == 2
    for p in saddles:
        assert abs(float(p.point @ setting.a_star)) < 1e-6


def test_m_zero_saddle_radius_matches_bisection():
    """The saddle radius equals the root of the radial derivative along the direction orthogonal to a*."""
    setting = Setting(0.0, 1.0, 0.0, 0.5)
    saddles = [p for p in run_setting(setting, per_side=17).points if p.kind == "strict saddle"]
    radius = float(saddles[0].point.norm())

    def radial_slope(r: float) -> float:
        h = 1e-6
        e2 = torch.tensor([0.0, 1.0], dtype=torch.float64)
        return float(setting.loss((r + h) * e2) - setting.loss((r - h) * e2)) / (2 * h)

    low, high = 0.05, 3.0
    assert radial_slope(low) < 0 < radial_slope(high)
    for _ in range(60):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if radial_slope(mid) < 0 else (low, mid)
    assert math.isclose(radius, 0.5 * (low + high), rel_tol=1e-6)


def test_stationary_points_come_in_sign_pairs():
    result = run_setting(Setting(1.0, 1.0, 60.0, 0.1), per_side=21)
    points = torch.stack([p.point for p in result.points])
    for p in result.points:
        assert float((points + p.point).norm(dim=-1).min()) < 1e-6


def test_batched_census_matches_single_settings():
    settings = [Setting(0.5, 1.0, 30.0, 0.1), Setting(2.0, 2.0, 60.0, 1.0)]
    batched = run_census(settings, per_side=17)
    for setting, result in zip(settings, batched):
        single = run_setting(setting, per_side=17)
        assert [p.kind for p in result.points] == [p.kind for p in single.points]
        got = torch.stack([p.point for p in result.points])
        torch.testing.assert_close(got, torch.stack([p.point for p in single.points]), atol=1e-6, rtol=0)


def test_spurious_minimum_is_flagged_and_is_a_local_minimum():
    """|m| = 1, |a*| = 1, 30 degrees, sigma2 = 0.1 has a minimum away from +-a*; the loss rises around it."""
    setting = Setting(1.0, 1.0, 30.0, 0.1)
    result = run_setting(setting, per_side=21)
    assert result.found_truth
    spurious = result.spurious_minima
    assert len(spurious) == 2
    p = spurious[0]
    assert p.value > 1e-3
    angles = torch.linspace(0, 2 * math.pi, 33, dtype=torch.float64)[:-1]
    ring = p.point + 1e-2 * torch.stack([angles.cos(), angles.sin()], dim=-1)
    assert bool((setting.loss(ring) > p.value).all())
    summary = summarize([result])
    assert summary["with_spurious"] == 1
    assert summary["spurious_minima"] == 2


def test_deduplicate_rejects_bad_input():
    with pytest.raises(ValueError, match=r"points must have shape \(n, d\)"):
        deduplicate(torch.zeros(3, dtype=torch.float64), 1e-3)
    with pytest.raises(ValueError, match="tol must be positive"):
        deduplicate(torch.zeros(3, 2, dtype=torch.float64), 0.0)


def test_classify_rejects_bad_input():
    with pytest.raises(ValueError, match=r"eigenvalues must have shape \(n, d\)"):
        classify(torch.zeros(2, dtype=torch.float64), 1e-7)
    with pytest.raises(ValueError, match="tol must be non-negative"):
        classify(torch.zeros(1, 2, dtype=torch.float64), -1.0)


def test_find_stationary_points_rejects_bad_input():
    with pytest.raises(ValueError, match=r"starts must have shape \(n, d\)"):
        find_stationary_points(double_well, torch.zeros(2, dtype=torch.float64))
    with pytest.raises(ValueError, match="grad_tol must be positive"):
        find_stationary_points(double_well, torch.zeros(1, 2, dtype=torch.float64), grad_tol=0.0)
    with pytest.raises(TypeError, match="starts must be a torch.Tensor"):
        find_stationary_points(double_well, [[0.0, 0.0]])


def test_setting_rejects_bad_input():
    with pytest.raises(ValueError, match=r"angle_deg must lie in \[0, 180\]"):
        Setting(1.0, 1.0, 200.0, 1.0)
    with pytest.raises(ValueError, match="mean_norm must be non-negative"):
        Setting(-1.0, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="sigma2 must be positive"):
        Setting(1.0, 1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="a_star_norm must be positive"):
        Setting(1.0, 0.0, 0.0, 1.0)


def test_census_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="settings must contain at least one Setting"):
        run_census([])
    with pytest.raises(ValueError, match="per_side must be at least 2"):
        start_grid(1.0, 1)
    with pytest.raises(ValueError, match="kind must be one of"):
        CensusResult(Setting(0.0, 1.0, 0.0, 1.0)).count("saddle")


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((math.inf, 1.0, 0.0, 1.0), ValueError, "mean_norm must be finite and non-negative, got inf"),
        (("1", 1.0, 0.0, 1.0), TypeError, "mean_norm must be a real number"),
        ((1.0, 1.0, "0", 1.0), TypeError, "angle_deg must be a real number"),
        ((1.0, 1.0, math.nan, 1.0), ValueError, "angle_deg must be finite"),
    ],
    ids=["inf-mean", "str-mean", "str-angle", "nan-angle"],
)
def test_setting_rejects_non_finite_and_non_numbers(args, error, match):
    # An infinite mean_norm used to pass and fail later as "radius must be finite".
    with pytest.raises(error, match=match):
        Setting(*args)


def test_scalar_loss_for_a_batch_is_rejected():
    starts = torch.zeros(3, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"one loss per point, shape \(3,\), got shape \(\)"):
        find_stationary_points(lambda x: (x**2).sum(), starts)


def test_fractional_iterations_are_rejected():
    starts = torch.zeros(3, 2, dtype=torch.float64)
    with pytest.raises(TypeError, match="iterations must be an integer, got float 2.5"):
        find_stationary_points(lambda x: (x**2).sum(-1), starts, iterations=2.5)
    with pytest.raises(TypeError, match="iterations must be an integer, got float 2.5"):
        run_census([Setting(1.0, 1.0, 0.0, 1.0)], per_side=2, iterations=2.5)


def test_census_rejects_items_that_are_not_settings():
    with pytest.raises(TypeError, match=r"settings\[1\] must be a Setting, got tuple"):
        run_census([Setting(1.0, 1.0, 0.0, 1.0), (1.0, 1.0, 0.0, 1.0)], per_side=2)
