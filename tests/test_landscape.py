"""Stationary-point finder on functions whose stationary points are known in closed form."""

from __future__ import annotations

import math

import pytest
import torch

from mmdlib.closed_form import gaussian_rank_one, mixture_mean
from mmdlib.landscape import (
    classify_eigenvalues,
    count_kinds,
    find_local_minima,
    find_stationary_points,
    loss_derivatives,
)


def _starts(k: int, low: float, high: float, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(k, 2, generator=generator, dtype=torch.float64)


def double_well(x: torch.Tensor) -> torch.Tensor:
    return x[0] ** 4 - 2.0 * x[0] ** 2 + x[1] ** 2


def himmelblau(x: torch.Tensor) -> torch.Tensor:
    return (x[0] ** 2 + x[1] - 11.0) ** 2 + (x[0] + x[1] ** 2 - 7.0) ** 2


def monkey_saddle(x: torch.Tensor) -> torch.Tensor:
    return x[0] ** 3 - 3.0 * x[0] * x[1] ** 2


def test_double_well_points_and_kinds():
    points = find_stationary_points(double_well, _starts(30, -2.0, 2.0))
    found = {(round(float(p.x[0]), 6), round(float(p.x[1]), 6)): p.kind for p in points}
    assert found == {(-1.0, 0.0): "minimum", (1.0, 0.0): "minimum", (0.0, 0.0): "strict saddle"}


def test_double_well_eigenvalues():
    points = find_stationary_points(double_well, _starts(30, -2.0, 2.0))
    saddle = next(p for p in points if p.kind == "strict saddle")
    minimum = next(p for p in points if p.kind == "minimum")
    torch.testing.assert_close(saddle.eigenvalues, torch.tensor([-4.0, 2.0], dtype=torch.float64))
    torch.testing.assert_close(minimum.eigenvalues, torch.tensor([2.0, 8.0], dtype=torch.float64))
    assert minimum.value == pytest.approx(-1.0)
    assert all(p.grad_norm <= 1e-10 for p in points)


def test_himmelblau_has_nine_points():
    points = find_stationary_points(himmelblau, _starts(150, -6.0, 6.0))
    assert count_kinds(points) == {"minimum": 4, "strict saddle": 4, "maximum": 1, "degenerate": 0}
    minima = [p for p in points if p.kind == "minimum"]
    assert any(torch.allclose(p.x, torch.tensor([3.0, 2.0], dtype=torch.float64)) for p in minima)
    assert all(p.value == pytest.approx(0.0, abs=1e-12) for p in minima)
    maximum = next(p for p in points if p.kind == "maximum")
    assert maximum.value == pytest.approx(181.617, abs=1e-3)


def test_monkey_saddle_is_degenerate():
    points = find_stationary_points(monkey_saddle, _starts(10, -1.0, 1.0), tol=1e-12, eig_tol=1e-4)
    assert len(points) == 1
    assert points[0].kind == "degenerate"
    assert float(points[0].x.norm()) < 1e-5


def test_duplicates_are_merged():
    starts = torch.tensor([[0.9, 0.1], [1.1, -0.1], [0.95, 0.0]], dtype=torch.float64)
    points = find_stationary_points(double_well, starts)
    assert len(points) == 1
    assert points[0].kind == "minimum"


def test_max_norm_drops_far_points():
    starts = torch.tensor([[0.9, 0.1], [-1.2, 0.3]], dtype=torch.float64)
    points = find_stationary_points(double_well, starts, max_norm=0.5)
    assert points == []


def test_classify_eigenvalues_table():
    cases = {(1.0, 2.0): "minimum", (-1.0, -2.0): "maximum", (-1.0, 2.0): "strict saddle",
             (-1.0, 0.0, 2.0): "strict saddle", (0.0, 2.0): "degenerate", (-1.0, 0.0): "degenerate"}
    for eigenvalues, kind in cases.items():
        assert classify_eigenvalues(torch.tensor(eigenvalues), 1e-6) == kind, eigenvalues


def test_batched_matches_pointwise_on_rank_one_loss():
    a_star = torch.tensor([1.6, 0.0], dtype=torch.float64)

    def loss(a: torch.Tensor) -> torch.Tensor:
        return gaussian_rank_one(a, a_star, 0.2, 0.8)

    starts = _starts(200, -3.0, 3.0)
    batched = find_stationary_points(loss, starts, batched=True, max_norm=10.0)
    pointwise = find_stationary_points(loss, starts[:6], max_norm=10.0)
    for point in pointwise:
        match = [p for p in batched if float((p.x - point.x).norm()) < 1e-6]
        assert len(match) == 1
        assert match[0].kind == point.kind
    assert count_kinds(batched) == {"minimum": 2, "strict saddle": 2, "maximum": 1, "degenerate": 0}


@pytest.mark.parametrize("case", ["rank_one", "mixture_mean"])
def test_autograd_hessian_matches_finite_differences(case):
    # Guards the Cholesky-based closed forms against wrong second derivatives in torch's autograd.
    a_star = torch.tensor([1.3, -0.7, 0.4], dtype=torch.float64)
    cov = torch.tensor([[1.2, 0.3, 0.0], [0.3, 0.8, 0.1], [0.0, 0.1, 0.5]], dtype=torch.float64)
    if case == "rank_one":
        def loss(a: torch.Tensor) -> torch.Tensor:
            return gaussian_rank_one(a, a_star, 0.3, 1.7)
    else:
        def loss(a: torch.Tensor) -> torch.Tensor:
            return mixture_mean(a, a_star, cov, 1.7)
    x = torch.tensor([[0.4, 0.9, -0.6]], dtype=torch.float64)
    _, _, hessian = loss_derivatives(loss, x, batched=True)
    step = 1e-4
    columns = []
    for e in torch.eye(3, dtype=torch.float64):
        _, g_plus, _ = loss_derivatives(loss, x + step * e, batched=True)
        _, g_minus, _ = loss_derivatives(loss, x - step * e, batched=True)
        columns.append((g_plus - g_minus)[0] / (2 * step))
    torch.testing.assert_close(hessian[0], torch.stack(columns), atol=1e-8, rtol=1e-6)


def test_starts_wrong_shape_raises():
    with pytest.raises(ValueError, match=r"starts must have shape \(k, d\)"):
        find_stationary_points(double_well, torch.zeros(2, dtype=torch.float64))


def test_starts_not_tensor_raises():
    with pytest.raises(TypeError, match="starts must be a torch.Tensor"):
        find_stationary_points(double_well, [[0.0, 0.0]])


def test_non_scalar_output_raises():
    with pytest.raises(ValueError, match="fn must return a scalar tensor, got shape"):
        find_stationary_points(lambda x: x**2, torch.zeros(3, 2, dtype=torch.float64))


def test_batched_wrong_output_raises():
    with pytest.raises(ValueError, match=r"fn must return a tensor of shape \(3,\)"):
        find_stationary_points(lambda x: (x**2).sum(), torch.zeros(3, 2, dtype=torch.float64), batched=True)


def test_non_tensor_output_raises():
    with pytest.raises(TypeError, match="fn must return a scalar tensor, got float"):
        find_stationary_points(lambda x: math.pi, torch.zeros(3, 2, dtype=torch.float64))


def test_nonpositive_tolerance_raises():
    with pytest.raises(ValueError, match="tol must be positive"):
        find_stationary_points(double_well, torch.zeros(1, 2, dtype=torch.float64), tol=0.0)


def test_descent_reaches_double_well_minima():
    starts = torch.tensor([[0.5, 0.8], [-0.3, -1.0], [2.0, 0.5]], dtype=torch.float64)
    x, grad_norm = find_local_minima(double_well, starts, step=0.05, max_iter=3000, tol=1e-10)
    expected = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    torch.testing.assert_close(x, expected, atol=1e-9, rtol=0)
    assert bool((grad_norm <= 1e-10).all())


def test_descent_batched_matches_pointwise():
    starts = torch.tensor([[0.5, 0.8], [-0.3, -1.0]], dtype=torch.float64)
    batched, _ = find_local_minima(lambda x: x[:, 0] ** 4 - 2 * x[:, 0] ** 2 + x[:, 1] ** 2, starts, step=0.05,
                                   max_iter=50, batched=True)
    pointwise, _ = find_local_minima(double_well, starts, step=0.05, max_iter=50)
    torch.testing.assert_close(batched, pointwise)


def test_descent_nonpositive_step_raises():
    with pytest.raises(ValueError, match="step must be positive"):
        find_local_minima(double_well, torch.zeros(1, 2, dtype=torch.float64), step=0.0)


@pytest.mark.parametrize(
    ("eigenvalues", "eig_tol", "error", "match"),
    [
        (torch.tensor([float("nan"), 1.0]), 1e-6, ValueError, "eigenvalues contains NaN"),
        (torch.tensor([]), 1e-6, ValueError, "eigenvalues must contain at least one value"),
        (torch.tensor([1.0, -1.0]), -5.0, ValueError, "eig_tol must be non-negative"),
        ([1.0, 2.0], 1e-6, TypeError, "eigenvalues must be a torch.Tensor"),
    ],
    ids=["nan", "empty", "negative-tol", "list"],
)
def test_classify_eigenvalues_bad_input_raises(eigenvalues, eig_tol, error, match):
    with pytest.raises(error, match=match):
        classify_eigenvalues(eigenvalues, eig_tol)


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (torch.ones(0, 2, dtype=torch.float64), ValueError, r"x must have shape \(k, d\) with k >= 1 .* got \(0, 2\)"),
        (torch.ones(2, dtype=torch.float64), ValueError, r"x must have shape \(k, d\).*use x\[None\]"),
        ([[1.0, 2.0]], TypeError, "x must be a torch.Tensor of dtype float32 or float64, got list"),
    ],
    ids=["empty", "one-dimensional", "list"],
)
def test_loss_derivatives_bad_points_raise(x, error, match):
    # An empty x raised a bare IndexError, and a (d,) vector was read as d points in one dimension.
    with pytest.raises(error, match=match):
        loss_derivatives(double_well, x)


def test_descent_constant_function_raises():
    starts = torch.zeros(2, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="does not depend on its input x"):
        find_local_minima(lambda x: torch.tensor(1.0, dtype=torch.float64), starts, step=0.1)
    with pytest.raises(ValueError, match="does not depend on its input x"):
        find_local_minima(lambda x: torch.ones(x.shape[0], dtype=torch.float64), starts, step=0.1, batched=True)


def test_descent_nan_loss_is_not_converged():
    starts = torch.tensor([[1.0, 0.0], [-1.0, 0.0]], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"NaN or infinite after 0 descent steps for start rows \[1\]"):
        find_local_minima(lambda x: torch.sqrt(x[0]) + x[1] ** 2, starts, step=0.1)
    with pytest.raises(ValueError, match="use a smaller step than 10"):
        find_local_minima(lambda x: x[0] ** 4, starts[:1], step=10.0, max_iter=20)
