"""Theorem 2 closed forms against autograd of the Cholesky-based loss, with |a*| != 1 and sigma2 != 1."""

from __future__ import annotations

import math

import pytest
import torch

from mmdlib.closed_form import gaussian_rank_one
from mmdlib.closed_form import rank_one as r1

A_STAR = torch.tensor([1.7, -0.4, 0.3], dtype=torch.float64)
POINTS = torch.tensor([[0.3, 0.8, -0.5], [-1.2, 0.1, 0.9], [0.0, 0.0, 0.0], [2.5, -1.5, 0.2]], dtype=torch.float64)
SETTINGS = [(0.3, 2.5), (0.0, 0.4), (1.1, 1.0)]


def _autograd(a_star: torch.Tensor, eps: float, sigma2: float) -> tuple[torch.Tensor, torch.Tensor]:
    def loss(a: torch.Tensor) -> torch.Tensor:
        return gaussian_rank_one(a, a_star, eps, sigma2)

    grads = torch.stack([torch.func.grad(loss)(a) for a in POINTS])
    hessians = torch.stack([torch.func.jacrev(torch.func.grad(loss))(a) for a in POINTS])
    return grads, hessians


@pytest.mark.parametrize("eps, sigma2", SETTINGS, ids=lambda v: str(v))
def test_loss_matches_cholesky_route(eps, sigma2):
    torch.testing.assert_close(r1.rank_one_loss(POINTS, A_STAR, eps, sigma2),
                               gaussian_rank_one(POINTS, A_STAR, eps, sigma2))


@pytest.mark.parametrize("eps, sigma2", SETTINGS, ids=lambda v: str(v))
def test_gradient_matches_autograd(eps, sigma2):
    grads, _ = _autograd(A_STAR, eps, sigma2)
    torch.testing.assert_close(r1.rank_one_gradient(POINTS, A_STAR, eps, sigma2), grads)


@pytest.mark.parametrize("eps, sigma2", SETTINGS, ids=lambda v: str(v))
def test_hessian_matches_autograd(eps, sigma2):
    _, hessians = _autograd(A_STAR, eps, sigma2)
    torch.testing.assert_close(r1.rank_one_hessian(POINTS, A_STAR, eps, sigma2), hessians)


def test_printed_lemma5_right_only_for_unit_truth():
    unit = A_STAR / A_STAR.norm()
    torch.testing.assert_close(r1.lemma5_gradient_as_printed(POINTS, unit, 0.3, 2.5),
                               r1.rank_one_gradient(POINTS, unit, 0.3, 2.5))
    error = (r1.lemma5_gradient_as_printed(POINTS, A_STAR, 0.3, 2.5) - r1.rank_one_gradient(POINTS, A_STAR, 0.3, 2.5))
    assert float(error.abs().max()) > 1e-3


def test_printed_lemma6_off_by_sigma_power():
    unit = A_STAR / A_STAR.norm()
    sigma2, d = 2.5, 3
    printed = r1.lemma6_hessian_as_printed(POINTS, unit, 0.3, sigma2)
    torch.testing.assert_close(printed * sigma2**d, r1.rank_one_hessian(POINTS, unit, 0.3, sigma2))


@pytest.mark.parametrize("eps, sigma2", SETTINGS, ids=lambda v: str(v))
def test_stationary_set_has_zero_gradient(eps, sigma2):
    found = r1.rank_one_stationary_set(A_STAR, eps, sigma2)
    points = torch.cat([found.maximum[None], found.minima, found.saddles])
    assert found.saddles.shape[0] == (4 if found.saddle_radius2 is not None else 0)
    gradient = r1.rank_one_gradient(points, A_STAR, eps, sigma2)
    assert float(gradient.abs().max()) < 1e-14


def test_saddles_are_strict_and_orthogonal():
    found = r1.rank_one_stationary_set(A_STAR, 0.3, 2.5)
    eigenvalues = torch.linalg.eigvalsh(r1.rank_one_hessian(found.saddles, A_STAR, 0.3, 2.5))
    assert bool((eigenvalues[:, 0] < -1e-6).all())
    assert bool((eigenvalues[:, -1] > 1e-6).all())
    torch.testing.assert_close(found.saddles @ A_STAR, torch.zeros(4, dtype=torch.float64))


def test_ring_exists_below_seven_c():
    c = 2 * 0.3**2 + 2.5
    assert r1.saddle_ring_exists(6.99 * c, 0.3, 2.5)
    assert not r1.saddle_ring_exists(7.0 * c, 0.3, 2.5)
    assert math.isnan(r1.saddle_radius2(7.5 * c, 0.3, 2.5))
    assert r1.saddle_radius2(6.9 * c, 0.3, 2.5) > 100 * c


def test_radius_solves_cubic_equation():
    big_b, c = A_STAR.pow(2).sum().item(), 2 * 0.3**2 + 2.5
    r = r1.saddle_radius2(big_b, 0.3, 2.5)
    assert (c + r) ** 3 * (c + big_b) == pytest.approx(c * (c + 2 * r) ** 3, rel=1e-12)


def test_global_maximum_threshold():
    c = 2 * 0.2**2 + 1.0
    for big_b in (2.5 * c, 3.5 * c):
        truth = torch.tensor([math.sqrt(big_b), 0.0], dtype=torch.float64)
        at_zero = float(r1.rank_one_loss(torch.zeros(2, dtype=torch.float64), truth, 0.2, 1.0))
        far = r1.limit_at_infinity(big_b, 0.2, 1.0, d=2)
        assert (at_zero >= far) == r1.zero_is_global_maximum(big_b, 0.2, 1.0)
    assert not r1.zero_is_global_maximum(2.5 * c, 0.2, 1.0)
    assert r1.zero_is_global_maximum(3.5 * c, 0.2, 1.0)


def test_hessian_bound_holds_on_random_points():
    generator = torch.Generator().manual_seed(1)
    a = torch.randn(2000, 3, generator=generator, dtype=torch.float64) * torch.logspace(-2, 2, 2000)[:, None]
    for eps, sigma2 in SETTINGS:
        norms = torch.linalg.matrix_norm(r1.rank_one_hessian(a, A_STAR, eps, sigma2), ord=2)
        assert float(norms.max()) <= r1.hessian_norm_bound(float(A_STAR.pow(2).sum()), eps, sigma2, d=3)


def test_zero_truth_raises():
    with pytest.raises(ValueError, match="a_star must be a non-zero vector"):
        r1.rank_one_stationary_set(torch.zeros(2, dtype=torch.float64), 0.1, 1.0)


def test_dimension_mismatch_raises():
    with pytest.raises(ValueError, match="dimension mismatch"):
        r1.rank_one_gradient(torch.zeros(2, dtype=torch.float64), A_STAR, 0.1, 1.0)
