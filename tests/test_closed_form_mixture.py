"""Tests for Gaussian mixtures: GaussianMixture, mixture_mmd2, mixture_mean (Theorem 3) and mixture_rank_one.

The closed forms are compared with Monte Carlo estimates of eq. 1, with quadrature in d = 1, and their
derivatives with central finite differences.
"""

import math

import pytest
import torch

import mmdlib.closed_form.population as population
from core_references import (
    assert_mean_batching,
    autograd_gradient,
    hessian_by_route,
    MixtureSpec,
    central_gradient,
    central_hessian,
    monte_carlo_mmd2,
    quadrature_mmd2_1d,
    rank_one_spec,
    symmetric_mixture_spec,
    within_standard_errors,
)
from mmdlib.closed_form import (
    GaussianMixture,
    mixture_mean,
    mixture_mean_model,
    mixture_mmd2,
    mixture_rank_one,
    mixture_rank_one_model,
)

F64 = torch.float64
MC_DRAWS = 100_000
COV_2D = torch.tensor([[0.6, -0.2], [-0.2, 0.4]], dtype=F64)


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=F64)


# (mu, mu_star, cov, sigma2) for mixture_mean.
MEAN_CASES = {
    "2d-separated": (t(1.5, 0.3), t(-0.2, 1.0), COV_2D, 1.0),
    "2d-mu-zero": (t(0.0, 0.0), t(1.2, -0.8), COV_2D, 0.5),
}
# (a, a_star, mean, eps, sigma2) for mixture_rank_one.
RANK_ONE_CASES = {
    "2d-generic": (t(0.8, -0.4), t(0.3, 1.1), t(1.0, 0.5), 0.5, 1.0),
    "2d-eps-zero": (t(1.2, 0.2), t(-0.3, 0.9), t(0.0, 1.5), 0.0, 0.7),
}


def mean_matches_monte_carlo(mu, mu_star, cov, sigma2, seed: int) -> bool:
    model, truth = symmetric_mixture_spec(mu, cov), symmetric_mixture_spec(mu_star, cov)
    mc_mean, mc_se = monte_carlo_mmd2(model, truth, sigma2, MC_DRAWS, seed)
    return within_standard_errors(mixture_mean(mu, mu_star, cov, sigma2).item(), mc_mean, mc_se)


def rank_one_matches_monte_carlo(a, a_star, mean, eps, sigma2, seed: int) -> bool:
    model, truth = rank_one_spec(a, eps, center=mean), rank_one_spec(a_star, eps, center=mean)
    mc_mean, mc_se = monte_carlo_mmd2(model, truth, sigma2, MC_DRAWS, seed)
    return within_standard_errors(mixture_rank_one(a, a_star, mean, eps, sigma2).item(), mc_mean, mc_se)


@pytest.mark.parametrize("case", MEAN_CASES.values(), ids=MEAN_CASES.keys())
def test_mixture_mean_matches_monte_carlo(case):
    assert mean_matches_monte_carlo(*case, seed=400)


@pytest.mark.parametrize("case", RANK_ONE_CASES.values(), ids=RANK_ONE_CASES.keys())
def test_mixture_rank_one_matches_monte_carlo(case):
    assert rank_one_matches_monte_carlo(*case, seed=401)


def test_mixture_mmd2_unequal_weights_matches_monte_carlo():
    weights_p, weights_q = t(0.2, 0.5, 0.3), t(0.7, 0.3)
    means_p, means_q = t(-1.0, 0.0, 2.0)[:, None], t(0.5, -0.5)[:, None]
    factors_p, factors_q = t(0.5, 0.3, 0.8)[:, None, None], t(1.0, 0.4)[:, None, None]
    p = GaussianMixture(weights_p, means_p, factors_p**2)
    q = GaussianMixture(weights_q, means_q, factors_q**2)
    spec_p, spec_q = MixtureSpec(weights_p, means_p, factors_p), MixtureSpec(weights_q, means_q, factors_q)
    mc_mean, mc_se = monte_carlo_mmd2(spec_p, spec_q, 0.6, MC_DRAWS, seed=402)
    assert within_standard_errors(mixture_mmd2(p, q, 0.6).item(), mc_mean, mc_se)


@pytest.mark.parametrize(
    ("mu", "mu_star", "var", "sigma2"),
    [(1.5, 0.4, 0.3, 1.0), (0.0, 2.0, 0.8, 0.5)],
    ids=["separated", "mu-zero"],
)
def test_mixture_mean_matches_quadrature_1d(mu, mu_star, var, sigma2):
    cov = torch.tensor([[var]], dtype=F64)
    model, truth = symmetric_mixture_spec(t(mu), cov), symmetric_mixture_spec(t(mu_star), cov)
    half_width = max(abs(mu), abs(mu_star)) + 12.0 * math.sqrt(var)
    expected = quadrature_mmd2_1d(model, truth, sigma2, half_width=half_width)
    assert mixture_mean(t(mu), t(mu_star), cov, sigma2).item() == pytest.approx(expected, rel=1e-6, abs=1e-11)


def test_mixture_rank_one_matches_quadrature_1d():
    a, a_star, mean, eps, sigma2 = 0.4, 1.1, 1.3, 0.3, 0.8
    model, truth = rank_one_spec(t(a), eps, center=t(mean)), rank_one_spec(t(a_star), eps, center=t(mean))
    expected = quadrature_mmd2_1d(model, truth, sigma2, half_width=mean + 12.0 * math.sqrt(a_star**2 + eps**2))
    value = mixture_rank_one(t(a), t(a_star), t(mean), eps, sigma2)
    assert value.item() == pytest.approx(expected, rel=1e-6, abs=1e-11)


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["mu-equals-truth", "mu-equals-minus-truth"])
def test_mixture_mean_zero_at_truth(sign):
    mu_star = t(0.8, -0.3)
    assert mixture_mean(sign * mu_star, mu_star, COV_2D, 0.9).item() == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["a-equals-truth", "a-equals-minus-truth"])
def test_mixture_rank_one_zero_at_truth(sign):
    a_star, mean = t(0.8, -0.3), t(0.5, 0.5)
    assert mixture_rank_one(sign * a_star, a_star, mean, 0.2, 0.9).item() == pytest.approx(0.0, abs=1e-15)


def test_mixture_mean_symmetric_in_sign_of_mu():
    mu, mu_star = t(0.9, 0.4), t(0.1, -0.7)
    value = mixture_mean(mu, mu_star, COV_2D, 1.1)
    assert mixture_mean(-mu, mu_star, COV_2D, 1.1).item() == pytest.approx(value.item(), rel=1e-14)


def test_mixture_rank_one_symmetric_in_sign_of_a():
    a, a_star, mean = t(0.9, 0.4), t(0.1, -0.7), t(1.0, 0.0)
    value = mixture_rank_one(a, a_star, mean, 0.3, 1.1)
    assert mixture_rank_one(-a, a_star, mean, 0.3, 1.1).item() == pytest.approx(value.item(), rel=1e-14)


def test_mixture_rank_one_symmetric_in_sign_of_mean():
    a, a_star, mean = t(0.9, 0.4), t(0.1, -0.7), t(1.0, 0.3)
    value = mixture_rank_one(a, a_star, mean, 0.3, 1.1)
    assert mixture_rank_one(a, a_star, -mean, 0.3, 1.1).item() == pytest.approx(value.item(), rel=1e-14)


def test_mixture_mmd2_symmetric_in_arguments():
    p = mixture_mean_model(t(0.9, 0.4), COV_2D)
    q = mixture_rank_one_model(t(0.3, 0.2), t(-0.5, 1.0), 0.4)
    assert mixture_mmd2(p, q, 0.7).item() == pytest.approx(mixture_mmd2(q, p, 0.7).item(), rel=1e-14)


@pytest.mark.parametrize("name", ["mixture_mean", "mixture_rank_one"])
def test_mixture_float32_close_to_float64(name):
    if name == "mixture_mean":
        mu, mu_star, cov, sigma2 = MEAN_CASES["2d-separated"]
        value64 = mixture_mean(mu, mu_star, cov, sigma2)
        value32 = mixture_mean(mu.float(), mu_star.float(), cov.float(), sigma2)
    else:
        a, a_star, mean, eps, sigma2 = RANK_ONE_CASES["2d-generic"]
        value64 = mixture_rank_one(a, a_star, mean, eps, sigma2)
        value32 = mixture_rank_one(a.float(), a_star.float(), mean.float(), eps, sigma2)
    assert value32.dtype == torch.float32
    assert value32.item() == pytest.approx(value64.item(), rel=1e-5, abs=1e-7)


def test_mixture_mean_batched_shapes():
    assert_mean_batching(mixture_mean, COV_2D, seed=403)


def test_mixture_rank_one_batched_shapes():
    gen = torch.Generator().manual_seed(404)
    a = torch.randn(5, 1, 3, generator=gen, dtype=F64)
    a_star = torch.randn(3, generator=gen, dtype=F64)
    mean = torch.randn(2, 3, generator=gen, dtype=F64)
    batched = mixture_rank_one(a, a_star, mean, 0.4, 0.9)
    assert batched.shape == (5, 2)
    for i in range(5):
        for j in range(2):
            looped = mixture_rank_one(a[i, 0], a_star, mean[j], 0.4, 0.9)
            assert batched[i, j].item() == pytest.approx(looped.item(), rel=1e-12)


def test_kernel_mean_matches_monte_carlo():
    mu, cov, sigma2 = t(1.0, -0.5), COV_2D, 0.7
    y = t(0.3, 0.2, -1.0, 1.0, 2.0, 0.0).reshape(3, 2)
    gen = torch.Generator().manual_seed(405)
    x = symmetric_mixture_spec(mu, cov).sample(MC_DRAWS, gen)
    samples = torch.exp(-((x[:, None, :] - y[None]) ** 2).sum(-1) / (2.0 * sigma2))  # (n, 3)
    mc_mean, mc_se = samples.mean(0), samples.std(0) / math.sqrt(MC_DRAWS)
    exact = mixture_mean_model(mu, cov).kernel_mean(y, sigma2)
    assert exact.shape == (3,)
    for j in range(3):
        assert within_standard_errors(exact[j].item(), mc_mean[j].item(), mc_se[j].item())


def test_kernel_mean_batched_sigma2():
    model = mixture_mean_model(torch.stack([t(1.0, 0.0), t(0.0, 1.0)]), COV_2D)  # batch (2,)
    y = t(0.3, 0.2, -1.0, 1.0, 2.0, 0.0).reshape(1, 3, 2).expand(2, 3, 2)
    sigma2 = t(0.5, 2.0)
    batched = model.kernel_mean(y, sigma2)
    assert batched.shape == (2, 3)
    for i in range(2):
        single = mixture_mean_model(model.means[i, 0], COV_2D).kernel_mean(y[i], float(sigma2[i]))
        assert torch.allclose(batched[i], single, rtol=1e-13, atol=0)


MU_STAR = t(0.6, -0.4)
A_STAR, CENTER = t(0.7, 0.5), t(1.0, -0.5)
DERIVATIVE_POINTS = {
    "mean-generic": ("mean", t(1.1, 0.2)),
    "mean-mu-zero": ("mean", t(0.0, 0.0)),
    "mean-at-truth": ("mean", MU_STAR.clone()),
    "rank-one-generic": ("rank_one", t(-0.4, 1.3)),
    "rank-one-a-zero": ("rank_one", t(0.0, 0.0)),
    "rank-one-at-truth": ("rank_one", A_STAR.clone()),
}


def loss_for(kind: str):
    if kind == "mean":
        return lambda mu: mixture_mean(mu, MU_STAR, COV_2D, 0.8)
    return lambda a: mixture_rank_one(a, A_STAR, CENTER, 0.4, 0.8)


@pytest.mark.parametrize("point", DERIVATIVE_POINTS.values(), ids=DERIVATIVE_POINTS.keys())
def test_mixture_gradient_matches_finite_differences(point):
    kind, x = point
    f = loss_for(kind)
    assert torch.allclose(autograd_gradient(f, x), central_gradient(f, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("route", ["autograd.functional", "torch.func"])
@pytest.mark.parametrize("point", DERIVATIVE_POINTS.values(), ids=DERIVATIVE_POINTS.keys())
def test_mixture_hessian_matches_finite_differences(point, route):
    kind, x = point
    f = loss_for(kind)
    hess = hessian_by_route(f, x, route)
    assert bool(torch.isfinite(hess).all())
    assert torch.allclose(hess, central_hessian(f, x), rtol=1e-5, atol=1e-7)


def test_mixture_mean_gradient_far_away_finite():
    mu = torch.tensor([1e3, 0.0], dtype=F64, requires_grad=True)
    (grad,) = torch.autograd.grad(mixture_mean(mu, MU_STAR, torch.eye(2, dtype=F64), 1.0), mu)
    assert bool(torch.isfinite(grad).all())
    assert grad.abs().max().item() < 1e-300


def mixture_mmd2_with_single_cross_term(p, q, sigma2):
    return p.expected_kernel(p, sigma2) + q.expected_kernel(q, sigma2) - p.expected_kernel(q, sigma2)


def test_monte_carlo_check_rejects_missing_cross_factor(monkeypatch):
    case = MEAN_CASES["2d-separated"]
    assert mean_matches_monte_carlo(*case, seed=400)
    monkeypatch.setattr(population, "mixture_mmd2", mixture_mmd2_with_single_cross_term)
    assert not mean_matches_monte_carlo(*case, seed=400)

