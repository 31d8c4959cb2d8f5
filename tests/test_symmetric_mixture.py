"""Theorem 3 closed forms against autograd of the Cholesky-based loss, for isotropic and general Sigma."""

from __future__ import annotations

import math

import pytest
import torch

from mmdlib.closed_form import mixture_mean
from mmdlib.closed_form import symmetric_mixture as sm

MU_STAR = torch.tensor([1.7, -0.9], dtype=torch.float64)
COVS = {
    "isotropic": torch.eye(2, dtype=torch.float64),
    "general": torch.tensor([[1.5, 0.4], [0.4, 0.6]], dtype=torch.float64),
}
POINTS = torch.tensor([[0.3, 0.8], [-1.2, 0.1], [0.0, 0.0], [2.5, -1.5]], dtype=torch.float64)


@pytest.mark.parametrize("name", COVS)
def test_gradient_and_hessian_match_autograd(name):
    cov, sigma2 = COVS[name], 1.3

    def loss(mu: torch.Tensor) -> torch.Tensor:
        return mixture_mean(mu, MU_STAR, cov, sigma2)

    grads = torch.stack([torch.func.grad(loss)(mu) for mu in POINTS])
    hessians = torch.stack([torch.func.jacrev(torch.func.grad(loss))(mu) for mu in POINTS])
    torch.testing.assert_close(sm.mixture_mean_gradient(POINTS, MU_STAR, cov, sigma2), grads)
    torch.testing.assert_close(sm.mixture_mean_hessian(POINTS, MU_STAR, cov, sigma2), hessians)


def test_eq28_equals_hessian_over_constant():
    cov, sigma2 = COVS["isotropic"], 1.3
    _, constant = sm.mixture_metric(cov, sigma2)
    torch.testing.assert_close(sm.eq28_hessian_as_printed(POINTS, MU_STAR, sigma2) * constant,
                               sm.mixture_mean_hessian(POINTS, MU_STAR, cov, sigma2))


def test_eq47_not_proportional_to_hessian():
    cov, sigma2 = COVS["isotropic"], 1.3
    printed = sm.eq47_hessian_as_printed(POINTS[:2], MU_STAR, sigma2)
    true = sm.mixture_mean_hessian(POINTS[:2], MU_STAR, cov, sigma2)
    ratio = printed / true
    assert float(ratio.max() - ratio.min()) > 0.1


@pytest.mark.parametrize("name", COVS)
def test_saddles_at_one_third(name):
    cov, sigma2 = COVS[name], 0.7
    found = sm.mixture_stationary_set(MU_STAR, cov, sigma2)
    metric, _ = sm.mixture_metric(cov, sigma2)
    u = sm.scaled_truth_norm2(MU_STAR, cov, sigma2)
    points = torch.cat([found.maximum[None], found.minima, found.saddles])
    assert float(sm.mixture_mean_gradient(points, MU_STAR, cov, sigma2).abs().max()) < 1e-14
    quad = ((found.saddles @ metric) * found.saddles).sum(-1)
    torch.testing.assert_close(quad, torch.full((2,), u / 3, dtype=torch.float64))
    eigenvalues = torch.linalg.eigvalsh(sm.mixture_mean_hessian(found.saddles, MU_STAR, cov, sigma2))
    assert bool((eigenvalues[:, 0] < 0).all())
    assert bool((eigenvalues[:, 1] > 0).all())


def test_printed_saddle_location_not_stationary():
    cov, sigma2 = COVS["isotropic"], 0.7
    direction = torch.tensor([0.9, 1.7], dtype=torch.float64)  # orthogonal to MU_STAR
    printed = direction / direction.norm() * MU_STAR.norm()
    assert float(sm.mixture_mean_gradient(printed, MU_STAR, cov, sigma2).norm()) > 1e-3


def test_global_maximum_threshold():
    cov = COVS["isotropic"]
    for u in (0.9 * 4 * math.log(2), 1.1 * 4 * math.log(2)):
        sigma2 = 1.0
        mu_star = torch.tensor([math.sqrt(u * (2 + sigma2)), 0.0], dtype=torch.float64)
        at_zero = float(mixture_mean(torch.zeros(2, dtype=torch.float64), mu_star, cov, sigma2))
        far = sm.limit_at_infinity(mu_star, cov, sigma2)
        assert (at_zero >= far) == sm.zero_is_global_maximum(mu_star, cov, sigma2)
        assert sm.zero_is_global_maximum(mu_star, cov, sigma2) == (u > 4 * math.log(2))


@pytest.mark.parametrize("name", COVS)
def test_hessian_bound_holds_on_random_points(name):
    generator = torch.Generator().manual_seed(2)
    mu = torch.randn(3000, 2, generator=generator, dtype=torch.float64) * 4
    norms = torch.linalg.matrix_norm(sm.mixture_mean_hessian(mu, MU_STAR, COVS[name], 0.5), ord=2)
    assert float(norms.max()) <= sm.hessian_norm_bound(COVS[name], 0.5)


def test_radial_profile_sign_pattern():
    t = torch.linspace(-4, 4, 8001, dtype=torch.float64)
    for u in (0.01, 1.0, 52.0):
        g = sm.radial_derivative_profile(t, u)
        inside = (t.abs() > 1e-3) & ((t.abs() - 1).abs() > 1e-3)
        expected = torch.sign(t) * torch.sign(t.abs() - 1)
        assert bool((torch.sign(g[inside]) == expected[inside]).all()), u


def test_batched_covariance_raises():
    with pytest.raises(ValueError, match=r"cov must be one matrix of shape \(d, d\)"):
        sm.mixture_mean_gradient(POINTS, MU_STAR, torch.eye(2, dtype=torch.float64).expand(3, 2, 2), 1.0)


def test_zero_truth_raises():
    with pytest.raises(ValueError, match="mu_star must be a non-zero vector"):
        sm.mixture_stationary_set(torch.zeros(2, dtype=torch.float64), COVS["isotropic"], 1.0)
