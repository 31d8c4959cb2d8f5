"""Tests for the single-Gaussian population MMD^2: gaussian_mean (Theorem 1) and gaussian_rank_one (Theorem 2).

Each closed form is compared with a Monte Carlo estimate of eq. 1 and, in d = 1, with quadrature of the
densities. The break tests patch a wrong constant into the real call path and check that the same
comparison rejects it, so the comparisons are shown to be able to fail.
"""

import math

import pytest
import torch

import mmdlib.closed_form.population as population
from core_references import (
    assert_mean_batching,
    autograd_gradient,
    hessian_by_route,
    central_gradient,
    central_hessian,
    gaussian_spec,
    monte_carlo_mmd2,
    quadrature_mmd2_1d,
    rank_one_spec,
    within_standard_errors,
)
from mmdlib.closed_form import gaussian_mean, gaussian_rank_one, mixture_mmd2

F64 = torch.float64
MC_DRAWS = 100_000
COV_2D = torch.tensor([[0.9, 0.3], [0.3, 0.5]], dtype=F64)


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=F64)


# (mu, mu_star, cov, sigma2) for gaussian_mean.
MEAN_CASES = {
    "2d-near": (t(0.4, -0.2), t(0.1, 0.3), COV_2D, 1.0),
    "2d-far-narrow": (t(2.0, 1.0), t(-0.5, 0.0), COV_2D, 0.3),
}
# (a, a_star, eps, sigma2) for gaussian_rank_one.
RANK_ONE_CASES = {
    "2d-generic": (t(0.8, -0.4), t(0.3, 1.1), 0.5, 1.0),
    "2d-eps-zero": (t(1.2, 0.2), t(-0.3, 0.9), 0.0, 0.7),
    "2d-a-zero": (t(0.0, 0.0), t(0.6, 0.6), 0.4, 1.5),
}


def mean_matches_monte_carlo(mu, mu_star, cov, sigma2, seed: int) -> bool:
    mc_mean, mc_se = monte_carlo_mmd2(gaussian_spec(mu, cov), gaussian_spec(mu_star, cov), sigma2, MC_DRAWS, seed)
    return within_standard_errors(gaussian_mean(mu, mu_star, cov, sigma2).item(), mc_mean, mc_se)


def rank_one_matches_monte_carlo(a, a_star, eps, sigma2, seed: int) -> bool:
    mc_mean, mc_se = monte_carlo_mmd2(rank_one_spec(a, eps), rank_one_spec(a_star, eps), sigma2, MC_DRAWS, seed)
    return within_standard_errors(gaussian_rank_one(a, a_star, eps, sigma2).item(), mc_mean, mc_se)


@pytest.mark.parametrize("case", MEAN_CASES.values(), ids=MEAN_CASES.keys())
def test_gaussian_mean_matches_monte_carlo(case):
    assert mean_matches_monte_carlo(*case, seed=300)


@pytest.mark.parametrize("case", RANK_ONE_CASES.values(), ids=RANK_ONE_CASES.keys())
def test_gaussian_rank_one_matches_monte_carlo(case):
    assert rank_one_matches_monte_carlo(*case, seed=301)


@pytest.mark.parametrize(
    ("mu", "mu_star", "var", "sigma2"),
    [(0.7, -0.2, 0.5, 1.0), (2.0, 0.0, 1.5, 0.4)],
    ids=["near", "far-narrow-kernel"],
)
def test_gaussian_mean_matches_quadrature_1d(mu, mu_star, var, sigma2):
    cov = torch.tensor([[var]], dtype=F64)
    model, truth = gaussian_spec(t(mu), cov), gaussian_spec(t(mu_star), cov)
    expected = quadrature_mmd2_1d(model, truth, sigma2, half_width=abs(mu) + abs(mu_star) + 12.0 * math.sqrt(var))
    assert gaussian_mean(t(mu), t(mu_star), cov, sigma2).item() == pytest.approx(expected, rel=1e-6, abs=1e-11)


@pytest.mark.parametrize(
    ("a", "a_star", "eps", "sigma2"),
    [(0.5, 1.4, 0.3, 1.0), (2.0, 0.2, 0.6, 0.5)],
    ids=["wider-truth", "wider-model"],
)
def test_gaussian_rank_one_matches_quadrature_1d(a, a_star, eps, sigma2):
    model, truth = rank_one_spec(t(a), eps), rank_one_spec(t(a_star), eps)
    half_width = 12.0 * math.sqrt(max(a, a_star) ** 2 + eps**2)
    expected = quadrature_mmd2_1d(model, truth, sigma2, half_width=half_width)
    assert gaussian_rank_one(t(a), t(a_star), eps, sigma2).item() == pytest.approx(expected, rel=1e-6, abs=1e-11)


def test_gaussian_mean_zero_at_truth():
    mu = t(0.3, -1.0)
    assert gaussian_mean(mu, mu.clone(), COV_2D, 0.8).item() == 0.0


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["a-equals-truth", "a-equals-minus-truth"])
def test_gaussian_rank_one_zero_at_truth(sign):
    a_star = t(0.3, -1.0)
    assert gaussian_rank_one(sign * a_star, a_star, 0.5, 0.8).item() == pytest.approx(0.0, abs=1e-15)


def test_gaussian_mean_symmetric_about_truth():
    mu, mu_star = t(0.9, 0.4), t(0.1, -0.2)
    reflected = 2.0 * mu_star - mu
    value = gaussian_mean(mu, mu_star, COV_2D, 1.1)
    assert gaussian_mean(reflected, mu_star, COV_2D, 1.1).item() == pytest.approx(value.item(), rel=1e-14)


def test_gaussian_mean_symmetric_in_model_and_truth():
    mu, mu_star = t(0.9, 0.4), t(0.1, -0.2)
    swapped = gaussian_mean(mu_star, mu, COV_2D, 1.1)
    assert swapped.item() == pytest.approx(gaussian_mean(mu, mu_star, COV_2D, 1.1).item(), rel=1e-14)


def test_gaussian_rank_one_symmetric_in_sign_of_a():
    a, a_star = t(0.9, 0.4), t(0.1, -0.7)
    value = gaussian_rank_one(a, a_star, 0.3, 1.1)
    assert gaussian_rank_one(-a, a_star, 0.3, 1.1).item() == pytest.approx(value.item(), rel=1e-14)


@pytest.mark.parametrize("name", ["gaussian_mean", "gaussian_rank_one"])
def test_population_float32_close_to_float64(name):
    if name == "gaussian_mean":
        args = MEAN_CASES["2d-near"]
        value64 = gaussian_mean(*args)
        value32 = gaussian_mean(args[0].float(), args[1].float(), args[2].float(), args[3])
    else:
        args = RANK_ONE_CASES["2d-generic"]
        value64 = gaussian_rank_one(*args)
        value32 = gaussian_rank_one(args[0].float(), args[1].float(), args[2], args[3])
    assert value32.dtype == torch.float32
    assert value32.item() == pytest.approx(value64.item(), rel=1e-5, abs=1e-7)


def test_gaussian_mean_batched_shapes():
    assert_mean_batching(gaussian_mean, COV_2D, seed=302)


def test_gaussian_rank_one_batched_shapes():
    gen = torch.Generator().manual_seed(303)
    a = torch.randn(5, 3, generator=gen, dtype=F64)
    a_star = torch.randn(3, generator=gen, dtype=F64)
    eps = torch.tensor([0.0, 0.1, 0.5, 1.0, 2.0], dtype=F64)
    batched = gaussian_rank_one(a, a_star, eps, 0.9)
    assert batched.shape == (5,)
    for i in range(5):
        looped = gaussian_rank_one(a[i], a_star, float(eps[i]), 0.9)
        assert batched[i].item() == pytest.approx(looped.item(), rel=1e-12)


MU_STAR = t(0.3, -0.4)
A_STAR = t(0.7, 0.5)
DERIVATIVE_POINTS = {
    "mean-generic": ("mean", t(1.1, 0.2)),
    "mean-at-truth": ("mean", MU_STAR.clone()),
    "rank-one-generic": ("rank_one", t(-0.4, 1.3)),
    "rank-one-a-zero": ("rank_one", t(0.0, 0.0)),
    "rank-one-at-truth": ("rank_one", A_STAR.clone()),
}


def loss_for(kind: str):
    if kind == "mean":
        return lambda mu: gaussian_mean(mu, MU_STAR, COV_2D, 0.8)
    return lambda a: gaussian_rank_one(a, A_STAR, 0.4, 0.8)


@pytest.mark.parametrize("point", DERIVATIVE_POINTS.values(), ids=DERIVATIVE_POINTS.keys())
def test_population_gradient_matches_finite_differences(point):
    kind, x = point
    f = loss_for(kind)
    assert torch.allclose(autograd_gradient(f, x), central_gradient(f, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("route", ["autograd.functional", "torch.func"])
@pytest.mark.parametrize("point", DERIVATIVE_POINTS.values(), ids=DERIVATIVE_POINTS.keys())
def test_population_hessian_matches_finite_differences(point, route):
    kind, x = point
    f = loss_for(kind)
    hess = hessian_by_route(f, x, route)
    reference = central_hessian(f, x)
    assert bool(torch.isfinite(hess).all())
    assert torch.allclose(hess, reference, rtol=1e-5, atol=1e-7)


def test_gaussian_mean_hessian_at_truth_closed_form():
    # Near mu*, MMD^2 ~ 2 c delta^T (2 cov + sigma2 I)^(-1) delta / 2, with c = det(I + 2 cov / sigma2)^(-1/2).
    sigma2 = 0.8
    shifted = 2.0 * COV_2D + sigma2 * torch.eye(2, dtype=F64)
    c = torch.linalg.det(torch.eye(2, dtype=F64) + 2.0 * COV_2D / sigma2) ** -0.5
    expected = 2.0 * c * torch.linalg.inv(shifted)
    hess = torch.autograd.functional.hessian(loss_for("mean"), MU_STAR.clone())
    assert torch.allclose(hess, expected, rtol=1e-12, atol=1e-14)


def theorem1_by_solve_and_det(mu: torch.Tensor) -> torch.Tensor:
    """Theorem 1 written with linalg.solve and det, a second route to the same Hessian."""
    sigma2, eye = 0.8, torch.eye(2, dtype=F64)
    delta = mu - MU_STAR
    scale = torch.linalg.det(eye + 2.0 * COV_2D / sigma2) ** -0.5
    quad = delta @ torch.linalg.solve(2.0 * COV_2D + sigma2 * eye, delta)
    return 2.0 * scale * (1.0 - torch.exp(-0.5 * quad))


@pytest.mark.parametrize("route", ["autograd.functional", "torch.func"])
@pytest.mark.parametrize("mu", [t(1.1, 0.2), MU_STAR.clone()], ids=["generic", "at-truth"])
def test_gaussian_mean_hessian_matches_solve_det_route(mu, route):
    ours = hessian_by_route(loss_for("mean"), mu, route)
    second = hessian_by_route(theorem1_by_solve_and_det, mu, route)
    assert torch.allclose(ours, second, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("route", ["autograd.functional", "torch.func"])
def test_rank_one_point_mass_derivatives(route):
    # With a = 0 and eps = 0 the model is a point mass at the origin and its covariance is all zeros.
    f = lambda a: gaussian_rank_one(a, A_STAR, 0.0, 0.8)  # noqa: E731
    zero = torch.zeros(2, dtype=F64)
    hess = hessian_by_route(f, zero, route)
    assert bool(torch.isfinite(autograd_gradient(f, zero)).all())
    assert bool(torch.isfinite(hess).all())
    assert torch.allclose(hess, central_hessian(f, zero), rtol=1e-5, atol=1e-7)


def test_gaussian_mean_far_gradient_zero():
    mu = torch.tensor([1e3, 0.0], dtype=F64, requires_grad=True)
    value = gaussian_mean(mu, torch.zeros(2, dtype=F64), torch.eye(2, dtype=F64), 1.0)
    (grad,) = torch.autograd.grad(value, mu)
    assert bool(torch.isfinite(grad).all())
    assert torch.equal(grad, torch.zeros(2, dtype=F64))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_gaussian_mean_far_away_plateau(dtype):
    mu = torch.tensor([1e3, 0.0], dtype=dtype)
    value = gaussian_mean(mu, torch.zeros(2, dtype=dtype), torch.eye(2, dtype=dtype), 1.0)
    # The plateau value is 2 det(I + 2 cov / sigma2)^(-1/2) = 2 / 3 for cov = I, sigma2 = 1, d = 2.
    assert value.item() == pytest.approx(2.0 / 3.0, rel=1e-6)


def test_gaussian_rank_one_gradient_far_away_finite():
    a = torch.tensor([1e3, -1e3], dtype=F64, requires_grad=True)
    (grad,) = torch.autograd.grad(gaussian_rank_one(a, A_STAR, 0.1, 1.0), a)
    assert bool(torch.isfinite(grad).all())


# Break tests: patch a wrong constant into the call path and check that the comparison rejects it.


def lemma4_with_doubled_sigma2(mean, cov, sigma2):
    return BROKEN_SOURCE(mean, cov, 2.0 * sigma2)


def lemma4_without_determinant(mean, cov, sigma2):
    zero = torch.zeros_like(mean)
    return BROKEN_SOURCE(mean, cov, sigma2) - BROKEN_SOURCE(zero, cov, sigma2)


def mmd2_with_single_cross_term(p, q, sigma2):
    return p.expected_kernel(p, sigma2) + q.expected_kernel(q, sigma2) - q.expected_kernel(p, sigma2)


BROKEN_SOURCE = population.log_gaussian_rbf_expectation


@pytest.mark.parametrize(
    "broken", [lemma4_with_doubled_sigma2, lemma4_without_determinant], ids=["sigma2-doubled", "no-determinant"]
)
def test_monte_carlo_check_rejects_broken_lemma4(monkeypatch, broken):
    case = MEAN_CASES["2d-near"]
    assert mean_matches_monte_carlo(*case, seed=300)
    monkeypatch.setattr(population, "log_gaussian_rbf_expectation", broken)
    assert not mean_matches_monte_carlo(*case, seed=300)


def test_monte_carlo_check_rejects_missing_cross_factor(monkeypatch):
    case = RANK_ONE_CASES["2d-generic"]
    assert rank_one_matches_monte_carlo(*case, seed=301)
    monkeypatch.setattr(population, "mixture_mmd2", mmd2_with_single_cross_term)
    assert not rank_one_matches_monte_carlo(*case, seed=301)


def test_quadrature_check_rejects_doubled_sigma2(monkeypatch):
    cov = torch.tensor([[0.5]], dtype=F64)
    model, truth = gaussian_spec(t(0.7), cov), gaussian_spec(t(-0.2), cov)
    expected = quadrature_mmd2_1d(model, truth, 1.0, half_width=12.0)
    monkeypatch.setattr(population, "log_gaussian_rbf_expectation", lemma4_with_doubled_sigma2)
    broken = gaussian_mean(t(0.7), t(-0.2), cov, 1.0).item()
    assert broken != pytest.approx(expected, rel=1e-6, abs=1e-11)


def test_unpatched_mixture_mmd2_is_used():
    # The break test above patches population.mixture_mmd2; it must be the function the module calls.
    assert population.mixture_mmd2 is mixture_mmd2


@pytest.mark.parametrize(("eps", "dtype"), [(1e200, torch.float64), (1e30, torch.float32),
                                            (torch.tensor([0.1, 1e30]), torch.float32)],
                         ids=["float64", "float32", "tensor"])
def test_rank_one_eps_overflow_names_eps(eps, dtype):
    # eps = 1e200 used to end in a bare OverflowError from eps**2.
    a = torch.ones(2, 3, dtype=dtype)
    with pytest.raises(ValueError, match=r"eps = 1e\+\d+ is too large: eps\*\*2 overflows"):
        population.rank_one_model(a, eps)
