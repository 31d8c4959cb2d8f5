"""Tests for mmdlib.models: sampler moments, log-likelihoods and closed forms against independent routes."""

import math

import pytest
import torch

from mmdlib.experiments.rng import CounterNoise
from mmdlib.models import GaussianMean, LinearUnmixing, MixtureMean, MixtureRankOne, RankOneCovariance

D = 3


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _models():
    cov = torch.tensor([[2.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 0.5]], dtype=torch.float64)
    mean = torch.tensor([1.0, -0.5, 0.25], dtype=torch.float64)
    a = torch.tensor([[0.7, -1.2, 0.4]], dtype=torch.float64)
    mu = torch.tensor([[0.5, 1.0, -1.5]], dtype=torch.float64)
    return {
        "gaussian_mean": (GaussianMean(cov), {"mu": mu}),
        "rank_one": (RankOneCovariance(D, 0.3), {"a": a}),
        "mixture_mean": (MixtureMean(cov), {"mu": mu}),
        "mixture_rank_one": (MixtureRankOne(mean, 0.3), {"a": a}),
    }


@pytest.mark.parametrize("name", list(_models()))
def test_sampler_moments_match_closed_form(name):
    model, params = _models()[name]
    n = 40000
    x = model.sample(params, n, _gen(1))[0]  # (n, d)
    mixture = model.closed_form(params)
    w = mixture.weights
    mean = (w[:, None] * mixture.means[0]).sum(0)
    second = (w[:, None, None] * (mixture.covs[0] + mixture.means[0][:, :, None] * mixture.means[0][:, None, :])).sum(0)
    scale = second.diagonal().max().sqrt()
    assert torch.allclose(x.mean(0), mean, atol=5 * scale / math.sqrt(n))
    assert torch.allclose(x.T @ x / n, second, atol=6 * second.abs().max() * math.sqrt(2 / n))


@pytest.mark.parametrize("name", list(_models()))
def test_log_prob_matches_mixture_density(name):
    model, params = _models()[name]
    y = model.sample(params, 7, _gen(2))  # (1, 7, d)
    mixture = model.closed_form(params)
    comps = torch.distributions.MultivariateNormal(mixture.means[0], mixture.covs[0])  # batch (k,)
    expected = torch.logsumexp(comps.log_prob(y[0][:, None, :]) + mixture.weights.log(), dim=-1)
    assert torch.allclose(model.log_prob(params, y)[0], expected, atol=1e-9)


def test_log_prob_batched_over_repeats():
    model = RankOneCovariance(D, 0.5)
    a = torch.randn(4, D, generator=_gen(3), dtype=torch.float64)
    y = model.sample({"a": a}, 5, _gen(4))
    batched = model.log_prob({"a": a}, y)
    alone = torch.stack([model.log_prob({"a": a[i : i + 1]}, y[i : i + 1])[0] for i in range(4)])
    assert batched.shape == (4, 5)
    assert torch.allclose(batched, alone)


def test_kernel_mean_matches_monte_carlo():
    model, params = _models()["mixture_rank_one"]
    y = torch.tensor([[[0.2, 0.1, -0.3], [1.0, -1.0, 0.5]]], dtype=torch.float64)
    sigma2 = 2.0
    x = model.sample(params, 50000, _gen(5))
    k = torch.exp(-((x[0][:, None, :] - y[0][None]) ** 2).sum(-1) / (2 * sigma2))  # (n, 2)
    se = k.std(0) / math.sqrt(k.shape[0])
    exact = model.closed_form(params).kernel_mean(y, sigma2)[0]
    assert ((k.mean(0) - exact).abs() < 4 * se).all()


def test_unmixing_samples_lie_near_simplex_image():
    A = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=torch.float64)  # (1, d=2, r=3)
    model = LinearUnmixing(2, 3, sigma_w2=0.0)
    x = model.sample({"A": A}, 20000, _gen(6))[0]
    assert (x >= 0).all()
    assert (x.sum(-1) <= 1 + 1e-12).all()
    # Dirichlet(1, 1, 1) has mean 1/3 and variance (1/3)(2/3)/4 = 1/18 per coordinate.
    assert torch.allclose(x.mean(0), torch.full((2,), 1 / 3, dtype=torch.float64), atol=0.01)
    assert torch.allclose(x.var(0), torch.full((2,), 1 / 18, dtype=torch.float64), atol=0.003)


def test_unmixing_has_no_likelihood():
    model = LinearUnmixing(2, 3, 0.1)
    with pytest.raises(NotImplementedError, match="Only the Gaussian models"):
        model.log_prob({"A": torch.zeros(1, 2, 3)}, torch.zeros(1, 4, 2))
    with pytest.raises(NotImplementedError, match="Only the Gaussian models"):
        model.closed_form({"A": torch.zeros(1, 2, 3)})


def test_singular_rank_one_rejects_likelihood():
    model = RankOneCovariance(D, 0.0)
    with pytest.raises(ValueError, match="MLE does not exist"):
        model.log_prob({"a": torch.ones(1, D)}, torch.zeros(1, 2, D))


def test_reparameterized_gradient_flows():
    model = MixtureMean(torch.eye(D, dtype=torch.float64))
    mu = torch.ones(2, D, dtype=torch.float64, requires_grad=True)
    noise = model.draw_noise(CounterNoise(torch.tensor([1, 2]), 0, torch.float64), 5)
    x = model.transform({"mu": mu}, noise)
    x.sum().backward()
    sign = torch.where(noise["u"] < 0.5, -1.0, 1.0).double()
    assert torch.allclose(mu.grad, sign.sum(-2).expand(2, D))


def test_integer_parameter_is_rejected_with_its_name():
    model = GaussianMean(torch.eye(D, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"params\['mu'\] of GaussianMean must have dtype float32 or float64, got torch.int64"):
        model.sample({"mu": torch.zeros(2, D, dtype=torch.long)}, 4, torch.Generator().manual_seed(0))


def test_wrong_dimension_names_expected_shape():
    model = RankOneCovariance(D, 0.5)
    with pytest.raises(ValueError, match=rf"params\['a'\] of RankOneCovariance must have shape \(R, {D}\).*got \(2, {D + 1}\)"):
        model.sample({"a": torch.ones(2, D + 1)}, 4, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r"params\['A'\] of LinearUnmixing must have shape \(R, 2, 3\)"):
        LinearUnmixing(2, 3, 0.1).sample({"A": torch.ones(1, 3, 2)}, 4, torch.Generator().manual_seed(0))


def test_missing_key_lists_expected_names():
    model = MixtureMean(torch.eye(D, dtype=torch.float64))
    noise = model.draw_noise(CounterNoise(torch.tensor([1]), 0, torch.float64), 3)
    with pytest.raises(ValueError, match=r"must have keys \['mu'\], missing \['mu'\]; got keys \['a'\]"):
        model.transform({"a": torch.ones(1, D)}, noise)


def test_log_prob_checks_parameters_and_data():
    model = MixtureRankOne(torch.ones(D, dtype=torch.float64), 0.5)
    with pytest.raises(TypeError, match=r"params\['a'\] of MixtureRankOne must be a float tensor.*got list"):
        model.log_prob({"a": [1.0] * D}, torch.zeros(4, D, dtype=torch.float64))
    with pytest.raises(ValueError, match=rf"y must have shape \(m, {D}\) or \(R, m, {D}\).*got \(4, {D + 1}\)"):
        model.log_prob({"a": torch.ones(1, D, dtype=torch.float64)}, torch.zeros(4, D + 1, dtype=torch.float64))
