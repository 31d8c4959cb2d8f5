"""Tests for Lemma 4: E_{Z ~ N(mean, cov)} exp(-|Z|^2 / (2 sigma2)) against quadrature and Monte Carlo."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate

from core_references import within_standard_errors
from mmdlib.closed_form import gaussian_rbf_expectation, log_gaussian_rbf_expectation

F64 = torch.float64


def quadrature_1d(mean: float, var: float, sigma2: float) -> float:
    def integrand(z: float) -> float:
        density = math.exp(-((z - mean) ** 2) / (2.0 * var)) / math.sqrt(2.0 * math.pi * var)
        return math.exp(-z * z / (2.0 * sigma2)) * density

    half_width = abs(mean) + 12.0 * math.sqrt(var)
    value, _ = integrate.quad(integrand, -half_width, half_width, epsabs=1e-13, epsrel=1e-11)
    return value


def quadrature_2d(mean: np.ndarray, cov: np.ndarray, sigma2: float) -> float:
    precision = np.linalg.inv(cov)
    norm = 1.0 / (2.0 * math.pi * math.sqrt(np.linalg.det(cov)))

    def integrand(z2: float, z1: float) -> float:
        r = np.array([z1, z2]) - mean
        density = norm * math.exp(-0.5 * float(r @ precision @ r))
        return math.exp(-(z1 * z1 + z2 * z2) / (2.0 * sigma2)) * density

    half_width = float(np.abs(mean).max() + 10.0 * math.sqrt(np.linalg.eigvalsh(cov).max()))
    value, _ = integrate.dblquad(
        integrand, -half_width, half_width, -half_width, half_width, epsabs=1e-11, epsrel=1e-9
    )
    return value


@pytest.mark.parametrize(
    ("mean", "var", "sigma2"),
    [(0.0, 1.0, 1.0), (1.3, 0.4, 0.7), (-2.5, 3.0, 5.0), (0.2, 1e-3, 0.1)],
    ids=["centred", "shifted", "wide-kernel", "narrow-normal"],
)
def test_lemma4_matches_quadrature_1d(mean, var, sigma2):
    value = gaussian_rbf_expectation(torch.tensor([mean], dtype=F64), torch.tensor([[var]], dtype=F64), sigma2)
    assert value.item() == pytest.approx(quadrature_1d(mean, var, sigma2), rel=1e-8, abs=1e-13)


@pytest.mark.parametrize(
    ("mean", "cov", "sigma2"),
    [
        ([0.7, -0.4], [[1.0, 0.6], [0.6, 0.9]], 1.2),
        ([-1.5, 2.0], [[0.3, -0.2], [-0.2, 2.0]], 0.6),
    ],
    ids=["positive-correlation", "negative-correlation"],
)
def test_lemma4_matches_quadrature_2d(mean, cov, sigma2):
    mean_t, cov_t = torch.tensor(mean, dtype=F64), torch.tensor(cov, dtype=F64)
    expected = quadrature_2d(np.array(mean), np.array(cov), sigma2)
    assert gaussian_rbf_expectation(mean_t, cov_t, sigma2).item() == pytest.approx(expected, rel=1e-6)


def test_lemma4_matches_monte_carlo_5d():
    gen = torch.Generator().manual_seed(200)
    factor = torch.randn(5, 5, generator=gen, dtype=F64) / math.sqrt(5.0)
    cov = factor @ factor.T + 0.1 * torch.eye(5, dtype=F64)
    mean = 0.5 * torch.randn(5, generator=gen, dtype=F64)
    sigma2 = 2.0
    z = mean + torch.randn(200000, 5, generator=gen, dtype=F64) @ torch.linalg.cholesky(cov).T
    samples = torch.exp(-(z**2).sum(-1) / (2.0 * sigma2))
    mc_mean, mc_se = float(samples.mean()), float(samples.std() / math.sqrt(samples.numel()))
    assert within_standard_errors(gaussian_rbf_expectation(mean, cov, sigma2).item(), mc_mean, mc_se)


def test_lemma4_singular_cov_rank_one():
    # cov = a a^T is singular; Z = mean + a g with g ~ N(0, 1) reduces the expectation to a 1-D integral.
    a = torch.tensor([0.8, -0.6], dtype=F64)
    mean = torch.tensor([0.3, 0.5], dtype=F64)
    sigma2 = 0.9

    def integrand(g: float) -> float:
        z = mean.numpy() + a.numpy() * g
        return math.exp(-float(z @ z) / (2.0 * sigma2) - g * g / 2.0) / math.sqrt(2.0 * math.pi)

    expected, _ = integrate.quad(integrand, -15.0, 15.0, epsabs=1e-14, epsrel=1e-12)
    value = gaussian_rbf_expectation(mean, torch.outer(a, a), sigma2)
    assert value.item() == pytest.approx(expected, rel=1e-9)


def test_lemma4_zero_cov_is_kernel_at_mean():
    mean = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    value = gaussian_rbf_expectation(mean, torch.zeros(3, 3, dtype=F64), 1.7)
    assert value.item() == pytest.approx(math.exp(-float((mean**2).sum()) / (2.0 * 1.7)), rel=1e-14)


def test_lemma4_batched_equals_looped():
    gen = torch.Generator().manual_seed(201)
    factor = torch.randn(4, 3, 3, 3, generator=gen, dtype=F64)
    cov = factor @ factor.transpose(-2, -1)
    mean = torch.randn(4, 3, 3, generator=gen, dtype=F64)
    sigma2 = torch.tensor([0.5, 1.0, 2.0], dtype=F64)  # broadcasts over the last batch axis
    batched = gaussian_rbf_expectation(mean, cov, sigma2)
    assert batched.shape == (4, 3)
    for i in range(4):
        for j in range(3):
            looped = gaussian_rbf_expectation(mean[i, j], cov[i, j], float(sigma2[j]))
            assert batched[i, j].item() == pytest.approx(looped.item(), rel=1e-13)


def test_lemma4_log_matches_log_of_value():
    mean = torch.tensor([0.4, -1.1], dtype=F64)
    cov = torch.tensor([[0.5, 0.1], [0.1, 0.3]], dtype=F64)
    log_value = log_gaussian_rbf_expectation(mean, cov, 0.8)
    assert log_value.item() == pytest.approx(math.log(gaussian_rbf_expectation(mean, cov, 0.8).item()), rel=1e-14)


def test_lemma4_log_finite_where_value_underflows():
    mean = torch.tensor([1e3, 0.0], dtype=F64)
    cov = torch.eye(2, dtype=F64)
    log_value = log_gaussian_rbf_expectation(mean, cov, 1.0)
    # log E = -log det(2 I) / 2 - |mean|^2 / (2 (1 + 1)) = -log 2 - 2.5e5.
    assert gaussian_rbf_expectation(mean, cov, 1.0).item() == 0.0
    assert log_value.item() == pytest.approx(-math.log(2.0) - 2.5e5, rel=1e-14)


def test_lemma4_gradcheck():
    mean = torch.tensor([0.4, -1.1], dtype=F64, requires_grad=True)
    factor = torch.tensor([[0.7, 0.2], [-0.1, 0.5]], dtype=F64, requires_grad=True)
    sigma2 = torch.tensor(0.8, dtype=F64, requires_grad=True)

    def fn(m: torch.Tensor, b: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        return gaussian_rbf_expectation(m, b @ b.T, s)

    assert torch.autograd.gradcheck(fn, (mean, factor, sigma2))
    assert torch.autograd.gradgradcheck(fn, (mean, factor, sigma2))


@pytest.mark.parametrize(("mean_dtype", "cov_dtype"), [(torch.float64, torch.float32), (torch.float32, torch.float64)],
                         ids=["mean64-cov32", "mean32-cov64"])
def test_mixed_dtypes_computed_in_float64(mean_dtype, cov_dtype):
    # A float64 mean was rounded to float32 when cov was float32.
    mean = torch.tensor([0.5, -0.25], dtype=torch.float64)
    cov = torch.tensor([[1.0, 0.5], [0.5, 2.0]], dtype=torch.float64)
    result = log_gaussian_rbf_expectation(mean.to(mean_dtype), cov.to(cov_dtype), 0.75)
    reference = log_gaussian_rbf_expectation(mean.to(mean_dtype).double(), cov.to(cov_dtype).double(), 0.75)
    assert result.dtype == torch.float64
    assert torch.equal(result, reference)


def test_sigma2_overflowing_float32_names_sigma2():
    # 1e300 is infinite in float32; the error used to blame cov.
    with pytest.raises(ValueError, match=r"sigma2 = 1e\+300 is outside the range of torch\.float32"):
        gaussian_rbf_expectation(torch.zeros(2), torch.eye(2), 1e300)
