"""Tests for mmdlib.objectives: gradients against analytic formulas and the population closed forms."""

import math

import pytest
import torch

from mmdlib.closed_form import gaussian_mean, gaussian_rank_one
from mmdlib.estimators import mmd2_unbiased
from mmdlib.experiments.rng import CounterNoise
from mmdlib.models import GaussianMean, RankOneCovariance
from mmdlib.objectives import data_u_statistic, mle_loss, mmd2_unbiased_fast, mmd_loss, one_sided_mmd_loss

D = 2
SIGMA2 = 1.5


def _keys(r, offset=0):
    return torch.arange(offset, offset + r, dtype=torch.int64)


def test_fast_mmd_matches_reference_estimator():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 6, D, generator=g, dtype=torch.float64) + 100.0
    y = torch.randn(3, 5, D, generator=g, dtype=torch.float64) + 100.0
    sigma2 = torch.tensor([0.5, 1.0, 4.0], dtype=torch.float64)
    expected = mmd2_unbiased(x, y, sigma2)
    assert torch.allclose(mmd2_unbiased_fast(x, y, sigma2), expected, atol=1e-12)
    data_term = data_u_statistic(y, sigma2)
    assert torch.allclose(mmd2_unbiased_fast(x, y, sigma2, data_term), expected, atol=1e-12)


def test_mle_gradient_gaussian_mean_is_analytic():
    cov = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64)
    model = GaussianMean(cov)
    y = torch.randn(2, 9, D, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    mu = torch.tensor([[0.3, -0.2], [1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    mle_loss(model, {"mu": mu}, y).sum().backward()
    # d/dmu of -1/m sum log N(y_j; mu, C) = C^{-1} (mu - ybar)
    expected = torch.linalg.solve(cov, (mu.detach() - y.mean(1)).T).T
    assert torch.allclose(mu.grad, expected, atol=1e-12)


def test_mle_gradient_rank_one_is_analytic():
    eps = 0.4
    model = RankOneCovariance(D, eps)
    y = torch.randn(1, 11, D, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    a = torch.tensor([[0.8, -0.3]], dtype=torch.float64, requires_grad=True)
    mle_loss(model, {"a": a}, y).sum().backward()
    # loss = 1/2 logdet C + 1/2 tr(C^{-1} S) + const, C = a a^T + eps^2 I, S = mean y y^T,
    # so grad_a = (C^{-1} - C^{-1} S C^{-1}) a.
    a0 = a.detach()[0]
    c_inv = torch.linalg.inv(torch.outer(a0, a0) + eps**2 * torch.eye(D, dtype=torch.float64))
    s = y[0].T @ y[0] / y.shape[1]
    expected = (c_inv - c_inv @ s @ c_inv) @ a0
    assert torch.allclose(a.grad[0], expected, atol=1e-12)


def _mean_gradient_check(loss_of, population_grad, r=4000):
    """Mean and standard error of per-repeat gradients vs the population gradient."""
    grads = loss_of()
    mean, se = grads.mean(0), grads.std(0) / math.sqrt(grads.shape[0])
    assert ((mean - population_grad).abs() < 4.5 * se + 1e-12).all(), (mean, population_grad, se)


def test_one_sided_gradient_unbiased_for_population_gradient():
    r, m = 4000, 3
    cov = torch.eye(D, dtype=torch.float64)
    model = GaussianMean(cov)
    mu_star = torch.tensor([0.7, -0.4], dtype=torch.float64)
    mu0 = torch.tensor([0.1, 0.5], dtype=torch.float64)
    y = model.transform({"mu": mu_star.expand(r, D)}, model.draw_noise(CounterNoise(_keys(r), 7, torch.float64), m))

    def grads():
        mu = mu0.expand(r, D).clone().requires_grad_(True)
        one_sided_mmd_loss(model, {"mu": mu}, y, SIGMA2).sum().backward()
        return mu.grad

    mu = mu0.clone().requires_grad_(True)
    gaussian_mean(mu, mu_star, cov, SIGMA2).backward()
    _mean_gradient_check(grads, mu.grad, r)


def test_mmd_gradient_unbiased_for_population_gradient():
    r, m, n, eps = 4000, 3, 4, 0.5
    model = RankOneCovariance(D, eps)
    a_star = torch.tensor([1.0, 0.5], dtype=torch.float64)
    a0 = torch.tensor([0.3, -0.8], dtype=torch.float64)
    y = model.transform({"a": a_star.expand(r, D)}, model.draw_noise(CounterNoise(_keys(r), 8, torch.float64), m))

    def grads():
        a = a0.expand(r, D).clone().requires_grad_(True)
        source = CounterNoise(_keys(r, 10_000), 9, torch.float64)
        mmd_loss(model, {"a": a}, y, SIGMA2, n, source).sum().backward()
        return a.grad

    a = a0.clone().requires_grad_(True)
    gaussian_rank_one(a, a_star, eps, SIGMA2).backward()
    _mean_gradient_check(grads, a.grad, r)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x, y: mmd2_unbiased_fast(x[:, :1], y, SIGMA2), r"n \(rows of x\) must be at least 2, got 1"),
        (lambda x, y: mmd2_unbiased_fast(x, y[:, :1], SIGMA2), r"m \(rows of y\) must be at least 2, got 1"),
        (lambda x, y: mmd2_unbiased_fast(x, y, 0.0), "sigma2 must be positive, got 0.0"),
        (lambda x, y: mmd2_unbiased_fast(x, y, -1.0), "sigma2 must be positive, got -1.0"),
        (lambda x, y: mmd2_unbiased_fast(x, y, torch.ones(2)), "batch shapes do not broadcast"),
        (lambda x, y: mmd2_unbiased_fast(x, y[..., :1], SIGMA2), "dimension mismatch"),
        (lambda x, y: data_u_statistic(y[:, :1], SIGMA2), r"m \(rows of y\) must be at least 2"),
        (lambda x, y: data_u_statistic(y, 0.0), "sigma2 must be positive"),
        (lambda x, y: mmd2_unbiased_fast(x.float(), y.float(), 1e-50), r"outside the range of torch\.float32"),
        (lambda x, y: data_u_statistic(y.float(), 1e-50), r"outside the range of torch\.float32"),
    ],
    ids=["n=1", "m=1", "sigma2=0", "sigma2<0", "sigma2-shape", "d-mismatch", "data-m=1", "data-sigma2=0",
         "sigma2-underflow", "data-sigma2-underflow"],
)
def test_fast_estimator_bad_input_raises(call, match):
    x = torch.randn(3, 4, D, dtype=torch.float64)
    y = torch.randn(3, 5, D, dtype=torch.float64)
    with pytest.raises(ValueError, match=match):
        call(x, y)


def test_mmd_loss_one_model_sample_raises():
    model = GaussianMean(torch.eye(D, dtype=torch.float64))
    params = {"mu": torch.zeros(3, D, dtype=torch.float64)}
    y = torch.randn(3, 5, D, dtype=torch.float64)
    source = CounterNoise(_keys(3), 0, torch.float64)
    with pytest.raises(ValueError, match="n must be at least 2, got 1"):
        mmd_loss(model, params, y, SIGMA2, 1, source)


def test_one_sided_loss_with_precomputed_data_term():
    g = torch.Generator().manual_seed(11)
    model = RankOneCovariance(3, 0.2)
    params = {"a": torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)}
    y = torch.randn(4, 30, 3, generator=g, dtype=torch.float64)
    sigma2 = torch.full((4,), 2.0, dtype=torch.float64)
    reference = one_sided_mmd_loss(model, params, y, sigma2)
    fast = one_sided_mmd_loss(model, params, y, sigma2, data_u_statistic(y, sigma2))
    assert torch.allclose(fast, reference, rtol=1e-10, atol=1e-12)
    (grad_reference,) = torch.autograd.grad(reference.sum(), params["a"])
    (grad_fast,) = torch.autograd.grad(fast.sum(), params["a"])
    assert torch.allclose(grad_fast, grad_reference, rtol=1e-10, atol=1e-12)
