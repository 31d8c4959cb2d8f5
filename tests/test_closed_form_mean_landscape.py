"""Theorem 1's gradient, Hessian and convex region against autograd, finite differences and eigenvalues."""

from __future__ import annotations

import math

import pytest
import torch

from mmdlib.closed_form import gaussian_mean
from mmdlib.closed_form.mean_landscape import (
    gaussian_mean_convex_radius,
    gaussian_mean_convexity_level,
    gaussian_mean_gradient,
    gaussian_mean_hessian,
)

F64 = torch.float64


def _random_cov(d: int, generator: torch.Generator) -> torch.Tensor:
    factor = torch.randn(d, d, generator=generator, dtype=F64)
    return factor @ factor.T / d + 0.3 * torch.eye(d, dtype=F64)


@pytest.fixture
def problem(request):
    d, sigma2 = request.param
    generator = torch.Generator().manual_seed(10 + d)
    mu = torch.randn(d, generator=generator, dtype=F64)
    mu_star = torch.randn(d, generator=generator, dtype=F64)
    return mu, mu_star, _random_cov(d, generator), sigma2


CASES = [(1, 0.5), (3, 1.0), (5, 4.0)]
CASE_IDS = ["d1-sigma2-0.5", "d3-sigma2-1", "d5-sigma2-4"]


@pytest.mark.parametrize("problem", CASES, ids=CASE_IDS, indirect=True)
def test_gradient_matches_autograd(problem):
    mu, mu_star, cov, sigma2 = problem
    expected = torch.func.grad(lambda m: gaussian_mean(m, mu_star, cov, sigma2))(mu)
    torch.testing.assert_close(gaussian_mean_gradient(mu, mu_star, cov, sigma2), expected, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("problem", CASES, ids=CASE_IDS, indirect=True)
def test_gradient_matches_finite_differences(problem):
    mu, mu_star, cov, sigma2 = problem
    step = 1e-6
    eye = torch.eye(mu.shape[-1], dtype=F64)
    plus = gaussian_mean(mu + step * eye, mu_star, cov, sigma2)
    minus = gaussian_mean(mu - step * eye, mu_star, cov, sigma2)
    central = (plus - minus) / (2 * step)
    torch.testing.assert_close(gaussian_mean_gradient(mu, mu_star, cov, sigma2), central, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("problem", CASES, ids=CASE_IDS, indirect=True)
def test_hessian_matches_autograd(problem):
    mu, mu_star, cov, sigma2 = problem
    expected = torch.func.hessian(lambda m: gaussian_mean(m, mu_star, cov, sigma2))(mu)
    torch.testing.assert_close(gaussian_mean_hessian(mu, mu_star, cov, sigma2), expected, rtol=1e-10, atol=1e-14)


def test_gradient_passes_gradcheck():
    generator = torch.Generator().manual_seed(0)
    cov = _random_cov(2, generator)
    mu = torch.randn(2, generator=generator, dtype=F64, requires_grad=True)
    mu_star = torch.randn(2, generator=generator, dtype=F64)
    assert torch.autograd.gradcheck(lambda m: gaussian_mean_gradient(m, mu_star, cov, 0.8), (mu,))


def test_batched_sigma2_matches_loop():
    generator = torch.Generator().manual_seed(1)
    cov = _random_cov(2, generator)
    mu = torch.randn(3, 2, generator=generator, dtype=F64)
    mu_star = torch.zeros(2, dtype=F64)
    sigma2 = torch.tensor([0.5, 1.0, 3.0], dtype=F64)
    batched = gaussian_mean_hessian(mu, mu_star, cov, sigma2)
    for i in range(3):
        torch.testing.assert_close(batched[i], gaussian_mean_hessian(mu[i], mu_star, cov, float(sigma2[i])))


def test_zero_gradient_only_at_truth():
    cov = torch.eye(2, dtype=F64)
    mu_star = torch.tensor([0.5, -1.0], dtype=F64)
    assert gaussian_mean_gradient(mu_star, mu_star, cov, 1.0).abs().max() == 0.0
    offsets = torch.tensor([[1e-3, 0.0], [0.0, 2.0], [5.0, 5.0]], dtype=F64)
    norms = gaussian_mean_gradient(mu_star + offsets, mu_star, cov, 1.0).norm(dim=-1)
    assert bool((norms > 0).all())


def test_hessian_psd_exactly_inside_ellipsoid():
    generator = torch.Generator().manual_seed(2)
    cov = _random_cov(3, generator)
    mu_star = torch.zeros(3, dtype=F64)
    mu = 3.0 * torch.randn(400, 3, generator=generator, dtype=F64)
    level = gaussian_mean_convexity_level(mu, mu_star, cov, 0.7)
    smallest = torch.linalg.eigvalsh(gaussian_mean_hessian(mu, mu_star, cov, 0.7))[..., 0]
    clear = (level - 1.0).abs() > 1e-6
    assert bool(clear.any())
    assert torch.equal((smallest[clear] >= 0), (level[clear] <= 1.0))


def test_convex_radius_is_tight_along_smallest_axis():
    cov = torch.diag(torch.tensor([0.2, 1.5], dtype=F64))
    sigma2 = 0.6
    radius = gaussian_mean_convex_radius(cov, sigma2)
    assert math.isclose(float(radius), math.sqrt(sigma2 + 2 * 0.2), rel_tol=1e-12)
    axis = torch.tensor([1.0, 0.0], dtype=F64)
    inside = torch.linalg.eigvalsh(gaussian_mean_hessian(0.99 * radius * axis, torch.zeros(2, dtype=F64), cov, sigma2))
    outside = torch.linalg.eigvalsh(gaussian_mean_hessian(1.01 * radius * axis, torch.zeros(2, dtype=F64), cov, sigma2))
    assert inside[0] > 0
    assert outside[0] < 0


def test_convex_radius_covers_every_direction():
    generator = torch.Generator().manual_seed(3)
    cov = _random_cov(4, generator)
    radius = gaussian_mean_convex_radius(cov, 1.3)
    directions = torch.randn(200, 4, generator=generator, dtype=F64)
    directions = directions / directions.norm(dim=-1, keepdim=True)
    hessians = gaussian_mean_hessian(0.999 * radius * directions, torch.zeros(4, dtype=F64), cov, 1.3)
    assert bool((torch.linalg.eigvalsh(hessians)[..., 0] > 0).all())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_autograd_gradient_survives_until_underflow(dtype):
    # q / 2 = 50 is far beyond the point where expm1's own derivative cancels, yet exp(-50) is representable.
    cov = torch.ones(1, 1, dtype=dtype)
    sigma2 = 1.0
    distance = math.sqrt(2 * 50.0 * 3.0)
    mu = torch.tensor([distance], dtype=dtype)
    grad = torch.func.grad(lambda m: gaussian_mean(m, torch.zeros(1, dtype=dtype), cov, sigma2))(mu)
    expected = gaussian_mean_gradient(mu.double(), torch.zeros(1, dtype=F64), cov.double(), sigma2)
    assert grad.item() > 0
    assert math.isclose(grad.item(), expected.item(), rel_tol=1e-4)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_gradient_underflows_to_zero_not_nan(dtype):
    cov = torch.ones(1, 1, dtype=dtype)
    mu = torch.tensor([200.0], dtype=dtype)  # q / 2 = 200^2 / 6, far past every underflow threshold
    mu_star = torch.zeros(1, dtype=dtype)
    grad = torch.func.grad(lambda m: gaussian_mean(m, mu_star, cov, 1.0))(mu)
    assert grad.item() == 0.0
    assert gaussian_mean_gradient(mu, mu_star, cov, 1.0).item() == 0.0
    assert gaussian_mean_hessian(mu, mu_star, cov, 1.0).abs().max().item() == 0.0


def test_rejects_dimension_mismatch():
    with pytest.raises(ValueError, match="dimension mismatch"):
        gaussian_mean_gradient(torch.zeros(2, dtype=F64), torch.zeros(3, dtype=F64), torch.eye(2, dtype=F64), 1.0)


def test_rejects_indefinite_cov():
    cov = torch.tensor([[1.0, 0.0], [0.0, -1.0]], dtype=F64)
    with pytest.raises(ValueError, match="cov must be positive definite"):
        gaussian_mean_hessian(torch.zeros(2, dtype=F64), torch.zeros(2, dtype=F64), cov, 1.0)
    with pytest.raises(ValueError, match="cov must be positive definite"):
        gaussian_mean_convex_radius(cov, 1.0)


def test_rejects_nonpositive_sigma2():
    with pytest.raises(ValueError, match="sigma2 must be positive"):
        gaussian_mean_convexity_level(torch.zeros(1, dtype=F64), torch.zeros(1, dtype=F64), torch.eye(1, dtype=F64), 0.0)


def test_rejects_integer_mu():
    with pytest.raises(TypeError, match="mu must have dtype float32 or float64"):
        gaussian_mean_gradient(torch.zeros(2, dtype=torch.int64), torch.zeros(2, dtype=F64), torch.eye(2, dtype=F64), 1.0)
