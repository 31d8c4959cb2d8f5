"""Tests for mmdlib.estimators: the U-statistic (eq. 21), the V-statistic and the one-sided MMD^2.

References are written by hand for isotropic Gaussians N(m, s2 I_d) and the kernel exp(-|x-y|^2/(2 sigma2)):
    E k(X, X') = (sigma2 / (sigma2 + 2 s2))^(d/2) for X, X' ~ N(., s2 I) independent with equal means,
    MMD^2 = 2 (sigma2 / (sigma2 + 2 s2))^(d/2) (1 - exp(-|m - m*|^2 / (2 (sigma2 + 2 s2)))),
    E_X k(X, y) = (sigma2 / (sigma2 + s2))^(d/2) exp(-|y - m|^2 / (2 (sigma2 + s2))).
"""

import math

import pytest
import torch

from core_references import within_standard_errors
from mmdlib.closed_form import GaussianMixture, gaussian_mean_model
from mmdlib.estimators import mmd2_biased, mmd2_one_sided, mmd2_unbiased

F64 = torch.float64
D, S2, SIGMA2 = 2, 0.8, 1.5
MU = torch.tensor([0.6, -0.3], dtype=F64)
MU_STAR = torch.tensor([0.0, 0.2], dtype=F64)


def self_kernel_mean() -> float:
    return (SIGMA2 / (SIGMA2 + 2.0 * S2)) ** (D / 2)


def population_mmd2(mu: torch.Tensor, mu_star: torch.Tensor) -> float:
    shift2 = float(((mu - mu_star) ** 2).sum())
    return 2.0 * self_kernel_mean() * (1.0 - math.exp(-shift2 / (2.0 * (SIGMA2 + 2.0 * S2))))


def isotropic_kernel_mean(y: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
    ratio = SIGMA2 / (SIGMA2 + S2)
    return ratio ** (D / 2) * torch.exp(-((y - mu) ** 2).sum(-1) / (2.0 * (SIGMA2 + S2)))


def draw(mu: torch.Tensor, shape: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    return mu + math.sqrt(S2) * torch.randn(*shape, D, generator=gen, dtype=F64)


def mean_and_se(values: torch.Tensor) -> tuple[float, float]:
    return float(values.mean()), float(values.std() / math.sqrt(values.numel()))


@pytest.fixture(scope="module")
def repeated_estimates():
    """U- and V-statistics of 20000 independent draws with n = 5 and m = 6 points."""
    gen = torch.Generator().manual_seed(100)
    x = draw(MU, (20000, 5), gen)
    y = draw(MU_STAR, (20000, 6), gen)
    return mmd2_unbiased(x, y, SIGMA2), mmd2_biased(x, y, SIGMA2)


def test_unbiased_mean_equals_population(repeated_estimates):
    unbiased, _ = repeated_estimates
    mean, se = mean_and_se(unbiased)
    assert within_standard_errors(population_mmd2(MU, MU_STAR), mean, se)


def test_biased_mean_differs_from_population(repeated_estimates):
    _, biased = repeated_estimates
    mean, se = mean_and_se(biased)
    assert abs(mean - population_mmd2(MU, MU_STAR)) > 10.0 * se


def test_biased_mean_equals_population_plus_bias(repeated_estimates):
    # The V-statistic keeps the diagonal terms k(x_i, x_i) = 1, so E V = MMD^2 + (1 - c)/n + (1 - c)/m.
    _, biased = repeated_estimates
    mean, se = mean_and_se(biased)
    c = self_kernel_mean()
    expected = population_mmd2(MU, MU_STAR) + (1.0 - c) / 5 + (1.0 - c) / 6
    assert within_standard_errors(expected, mean, se)


def test_unbiased_can_be_negative():
    gen = torch.Generator().manual_seed(101)
    x = draw(MU_STAR, (200, 4), gen)
    y = draw(MU_STAR, (200, 4), gen)
    assert bool((mmd2_unbiased(x, y, SIGMA2) < 0).any())


def test_biased_never_negative():
    gen = torch.Generator().manual_seed(102)
    x = draw(MU_STAR, (200, 4), gen)
    y = draw(MU_STAR, (200, 4), gen)
    assert bool((mmd2_biased(x, y, SIGMA2) >= 0).all())


@pytest.mark.parametrize("estimator", [mmd2_unbiased, mmd2_biased], ids=["unbiased", "biased"])
def test_estimator_batched_equals_looped(estimator):
    gen = torch.Generator().manual_seed(103)
    x = draw(MU, (3, 2, 7), gen)
    y = draw(MU_STAR, (3, 2, 5), gen)
    sigma2 = torch.tensor([[0.5, 1.0], [2.0, 3.0], [0.7, 1.1]], dtype=F64)
    batched = estimator(x, y, sigma2)
    assert batched.shape == (3, 2)
    for i in range(3):
        for j in range(2):
            looped = estimator(x[i, j], y[i, j], float(sigma2[i, j]))
            assert batched[i, j].item() == pytest.approx(looped.item(), rel=1e-12, abs=1e-15)


def test_unbiased_matches_eq21_by_loops():
    gen = torch.Generator().manual_seed(104)
    x, y = draw(MU, (4,), gen), draw(MU_STAR, (3,), gen)

    def k(a: torch.Tensor, b: torch.Tensor) -> float:
        return math.exp(-float(((a - b) ** 2).sum()) / (2.0 * SIGMA2))

    xx = sum(k(x[i], x[j]) for i in range(4) for j in range(4) if i != j) / (4 * 3)
    yy = sum(k(y[i], y[j]) for i in range(3) for j in range(3) if i != j) / (3 * 2)
    xy = sum(k(x[i], y[j]) for i in range(4) for j in range(3)) / (4 * 3)
    assert mmd2_unbiased(x, y, SIGMA2).item() == pytest.approx(xx + yy - 2.0 * xy, rel=1e-13)


@pytest.mark.parametrize("estimator", [mmd2_unbiased, mmd2_biased], ids=["unbiased", "biased"])
def test_estimator_gradcheck(estimator):
    gen = torch.Generator().manual_seed(105)
    x = draw(MU, (4,), gen).requires_grad_(True)
    y = draw(MU_STAR, (3,), gen).requires_grad_(True)
    sigma2 = torch.tensor(1.2, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(estimator, (x, y, sigma2))
    assert torch.autograd.gradgradcheck(estimator, (x, y, sigma2))


@pytest.mark.parametrize("blur", [0.5, 1.7], ids=["blur-0.5", "blur-1.7"])
def test_biased_is_twice_geomloss_gaussian(blur):
    geomloss = pytest.importorskip("geomloss")
    gen = torch.Generator().manual_seed(106)
    x, y = draw(MU, (30,), gen), draw(MU_STAR, (25,), gen)
    loss = geomloss.SamplesLoss("gaussian", blur=blur)(x, y)
    assert mmd2_biased(x, y, blur**2).item() == pytest.approx(2.0 * loss.item(), rel=1e-10)


def isotropic_model(mu: torch.Tensor) -> GaussianMixture:
    return gaussian_mean_model(mu, S2 * torch.eye(D, dtype=F64))


def test_one_sided_mean_equals_population():
    gen = torch.Generator().manual_seed(107)
    y = draw(MU_STAR, (20000, 5), gen)
    values = mmd2_one_sided(isotropic_model(MU), y, SIGMA2)
    mean, se = mean_and_se(values)
    assert values.shape == (20000,)
    assert within_standard_errors(population_mmd2(MU, MU_STAR), mean, se)


def test_one_sided_equals_formula_with_exact_kernel_mean():
    gen = torch.Generator().manual_seed(108)
    y = draw(MU_STAR, (6,), gen)
    m = y.shape[0]
    gram = torch.exp(-((y[:, None] - y[None]) ** 2).sum(-1) / (2.0 * SIGMA2))
    data_term = float((gram.sum() - gram.diagonal().sum()) / (m * (m - 1)))
    cross = float(isotropic_kernel_mean(y, MU).mean())
    expected = self_kernel_mean() - 2.0 * cross + data_term
    assert mmd2_one_sided(isotropic_model(MU), y, SIGMA2).item() == pytest.approx(expected, rel=1e-12)


def test_one_sided_is_unbiased_mean_over_model_samples():
    # For a fixed data sample y, averaging eq. 21 over model samples x gives the one-sided value.
    gen = torch.Generator().manual_seed(109)
    y = draw(MU_STAR, (6,), gen)
    x = draw(MU, (20000, 8), gen)
    mean, se = mean_and_se(mmd2_unbiased(x, y, SIGMA2))
    assert within_standard_errors(mmd2_one_sided(isotropic_model(MU), y, SIGMA2).item(), mean, se)


def test_one_sided_batched_model():
    gen = torch.Generator().manual_seed(110)
    mus = torch.stack([MU, MU_STAR, -MU])
    y = draw(MU_STAR, (3, 6), gen)
    batched = mmd2_one_sided(isotropic_model(mus), y, SIGMA2)
    assert batched.shape == (3,)
    for i in range(3):
        looped = mmd2_one_sided(isotropic_model(mus[i]), y[i], SIGMA2)
        assert batched[i].item() == pytest.approx(looped.item(), rel=1e-12)


def test_one_sided_gradcheck_in_mu():
    gen = torch.Generator().manual_seed(111)
    y = draw(MU_STAR, (5,), gen)
    mu = MU.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda m: mmd2_one_sided(isotropic_model(m), y, SIGMA2), (mu,))
