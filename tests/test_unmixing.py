"""Tests for mmdlib.unmixing: VCA, the eq. 23 error, the eq. 22 sampler and the abundance solver."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from mmdlib.unmixing import (
    VCAResult,
    endmember_error,
    estimate_abundances,
    match_endmembers,
    project_simplex,
    sample_linear_mixture,
    vca,
)


def _pure_pixel_data(d: int, r: int, n: int, seed: int, sigma_w2: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (x, a_star, pure_rows): mixed pixels with the r endmembers themselves planted at pure_rows."""
    gen = torch.Generator().manual_seed(seed)
    a_star = torch.rand(d, r, generator=gen, dtype=torch.float64)
    x, _ = sample_linear_mixture(a_star, n, sigma_w2, gen)
    pure_rows = torch.randperm(n, generator=gen)[:r]
    x[pure_rows] = a_star.T
    return x, a_star, pure_rows


@pytest.mark.parametrize("d,r,seed", [(10, 3, 0), (10, 5, 1), (6, 6, 2), (20, 2, 3)], ids=["d10r3", "d10r5", "r_eq_d", "d20r2"])
def test_vca_recovers_pure_pixels(d: int, r: int, seed: int) -> None:
    x, a_star, pure_rows = _pure_pixel_data(d, r, 200, seed)
    result = vca(x, r, torch.Generator().manual_seed(seed))
    assert isinstance(result, VCAResult)
    assert sorted(result.indices.tolist()) == sorted(pure_rows.tolist())
    assert result.projection == "projective"
    assert result.snr_db == math.inf
    assert result.endmembers.shape == (d, r)
    assert float(endmember_error(result.endmembers, a_star)) < 1e-20


def test_vca_zero_mean_input_uses_subspace() -> None:
    x, a_star, pure_rows = _pure_pixel_data(10, 4, 150, seed=4)
    mean = x.mean(dim=0)
    result = vca(x - mean, 4, torch.Generator().manual_seed(4))
    assert result.projection == "subspace"
    assert sorted(result.indices.tolist()) == sorted(pure_rows.tolist())
    assert float(endmember_error(result.endmembers + mean.unsqueeze(-1), a_star)) < 1e-20


@pytest.mark.parametrize("seed", range(20))
def test_vca_low_snr_returns_distinct_pixels(seed: int) -> None:
    # d = 10, r = 3, n = 100 and noise standard deviation 0.1: the low-SNR setting of the unmixing experiment.
    gen = torch.Generator().manual_seed(seed)
    a_star = torch.rand(10, 3, generator=gen, dtype=torch.float64)
    x, _ = sample_linear_mixture(a_star, 100, 0.1**2, gen)
    result = vca(x, 3, gen)
    assert result.indices.shape == (3,)
    assert len(set(result.indices.tolist())) == 3
    assert all(0 <= i < 100 for i in result.indices.tolist())
    assert bool(torch.isfinite(result.endmembers).all())
    assert math.isfinite(result.snr_db)


def test_vca_very_noisy_data_uses_subspace() -> None:
    gen = torch.Generator().manual_seed(5)
    a_star = torch.rand(10, 3, generator=gen, dtype=torch.float64)
    x, _ = sample_linear_mixture(a_star, 100, 1.0, gen)
    result = vca(x, 3, gen)
    assert result.projection == "subspace"
    assert len(set(result.indices.tolist())) == 3


def test_vca_snr_estimate_matches_truth() -> None:
    gen = torch.Generator().manual_seed(6)
    d, r, n = 10, 3, 20_000
    a_star = torch.rand(d, r, generator=gen, dtype=torch.float64)
    clean, _ = sample_linear_mixture(a_star, n, 0.0, gen)
    sigma_w2 = 1e-3
    x = clean + math.sqrt(sigma_w2) * torch.randn(n, d, generator=gen, dtype=torch.float64)
    true_snr_db = 10.0 * math.log10(float(clean.pow(2).sum(1).mean()) / (d * sigma_w2))
    result = vca(x, r, gen)
    assert abs(result.snr_db - true_snr_db) < 0.5


def test_vca_noisy_endmembers_close() -> None:
    x, a_star, _ = _pure_pixel_data(10, 3, 500, seed=7, sigma_w2=1e-6)
    result = vca(x, 3, torch.Generator().manual_seed(7))
    # Each chosen pixel is a pure pixel or a mixture near one; noise std 1e-3 per coordinate.
    assert float(endmember_error(result.endmembers, a_star)) < 0.05


def test_vca_same_generator_same_result() -> None:
    gen = torch.Generator().manual_seed(8)
    a_star = torch.rand(10, 4, generator=gen, dtype=torch.float64)
    x, _ = sample_linear_mixture(a_star, 300, 0.01, gen)
    first = vca(x, 4, torch.Generator().manual_seed(123))
    second = vca(x, 4, torch.Generator().manual_seed(123))
    assert torch.equal(first.indices, second.indices)
    assert torch.equal(first.endmembers, second.endmembers)
    assert first.snr_db == second.snr_db


def test_vca_float32_keeps_dtype() -> None:
    x, a_star, pure_rows = _pure_pixel_data(10, 3, 100, seed=9)
    result = vca(x.float(), 3, torch.Generator().manual_seed(9))
    assert result.endmembers.dtype == torch.float32
    assert sorted(result.indices.tolist()) == sorted(pure_rows.tolist())
    torch.testing.assert_close(result.endmembers.double(), a_star[:, _matched_order(result, pure_rows)], atol=1e-5, rtol=0)


def _matched_order(result: VCAResult, pure_rows: torch.Tensor) -> list[int]:
    position = {row: k for k, row in enumerate(pure_rows.tolist())}
    return [position[i] for i in result.indices.tolist()]


@pytest.mark.parametrize("factor", [1e200, 1e-200, 1e300], ids=["huge", "tiny", "near_max"])
def test_vca_extreme_scales(factor: float) -> None:
    x, _, pure_rows = _pure_pixel_data(10, 3, 100, seed=10)
    reference = vca(x, 3, torch.Generator().manual_seed(10))
    scaled = vca(x * factor, 3, torch.Generator().manual_seed(10))
    assert torch.equal(scaled.indices, reference.indices)
    assert sorted(scaled.indices.tolist()) == sorted(pure_rows.tolist())
    assert bool(torch.isfinite(scaled.endmembers).all())
    torch.testing.assert_close(scaled.endmembers / factor, reference.endmembers, rtol=1e-12, atol=0)


def test_vca_float32_huge_values() -> None:
    x, _, pure_rows = _pure_pixel_data(10, 3, 100, seed=11)
    result = vca((x * 1e37).float(), 3, torch.Generator().manual_seed(11))
    assert sorted(result.indices.tolist()) == sorted(pure_rows.tolist())
    assert bool(torch.isfinite(result.endmembers).all())


@pytest.mark.parametrize(
    "x,r,match",
    [
        (torch.rand(20, 5, dtype=torch.float64), 0, "r must be at least 1"),
        (torch.rand(20, 5, dtype=torch.float64), 1, "r must be at least 2"),
        (torch.rand(20, 5, dtype=torch.float64), 6, r"r must be at most the dimension d = 5"),
        (torch.rand(3, 5, dtype=torch.float64), 4, r"r must be at most the number of pixels n = 3"),
        (torch.rand(2, 20, 5, dtype=torch.float64), 3, r"x must have shape \(n, d\)"),
        (torch.tensor([[0.0, float("nan")], [1.0, 2.0]]), 2, "NaN or infinite"),
        (torch.tensor([[0.0, float("inf")], [1.0, 2.0]]), 2, "NaN or infinite"),
        (torch.zeros(10, 4, dtype=torch.float64), 2, "all zeros"),
        (torch.ones(10, 4, dtype=torch.float64), 2, "affinely independent"),
    ],
    ids=["r0", "r1", "r_gt_d", "r_gt_n", "batched", "nan", "inf", "zeros", "constant"],
)
def test_vca_value_errors(x: torch.Tensor, r: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        vca(x, r, torch.Generator().manual_seed(0))


def test_vca_rank_deficient_data_raises() -> None:
    # Points on a segment: two vertices exist, a third does not.
    gen = torch.Generator().manual_seed(12)
    a_star = torch.rand(6, 2, generator=gen, dtype=torch.float64)
    x, _ = sample_linear_mixture(a_star, 50, 0.0, gen)
    assert len(set(vca(x, 2, gen).indices.tolist())) == 2
    with pytest.raises(ValueError, match="cannot be found; lower r to at most 2"):
        vca(x, 3, gen)


@pytest.mark.parametrize(
    "x,r,generator,match",
    [
        (torch.arange(20).reshape(10, 2), 2, None, "dtype float32 or float64"),
        ([[0.0, 1.0], [1.0, 0.0]], 2, None, "must be a torch.Tensor"),
        (torch.rand(10, 3), 2.0, None, "r must be an integer"),
        (torch.rand(10, 3), 2, 42, "generator must be a torch.Generator"),
    ],
    ids=["int_dtype", "list", "float_r", "int_generator"],
)
def test_vca_type_errors(x: object, r: object, generator: object, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        vca(x, r, generator)  # type: ignore[arg-type]


def test_endmember_error_matches_brute_force() -> None:
    gen = torch.Generator().manual_seed(13)
    for r in (2, 3, 5):
        a_hat = torch.randn(7, r, generator=gen, dtype=torch.float64)
        a_star = torch.randn(7, r, generator=gen, dtype=torch.float64)
        brute = min(
            float((a_hat - a_star[:, list(perm)]).pow(2).sum()) for perm in itertools.permutations(range(r))
        )
        assert float(endmember_error(a_hat, a_star)) == pytest.approx(brute, rel=1e-12)


def test_endmember_error_permuted_copy_is_zero() -> None:
    a_star = torch.randn(5, 4, generator=torch.Generator().manual_seed(14), dtype=torch.float64)
    order = [2, 0, 3, 1]
    assert float(endmember_error(a_star[:, order], a_star)) == 0.0
    assert match_endmembers(a_star[:, order], a_star).tolist() == order


def test_endmember_error_is_sum_of_squares() -> None:
    # One column off by 0.5 in one coordinate, the other by 1 in two: 0.25 + 2, no normalisation.
    a_star = torch.zeros(3, 2, dtype=torch.float64)
    a_star[0, 1] = 10.0
    a_hat = a_star[:, [1, 0]].clone()
    a_hat[2, 0] += 0.5
    a_hat[:2, 1] += 1.0
    assert float(endmember_error(a_hat, a_star)) == pytest.approx(2.25, abs=1e-12)


def test_endmember_error_gradient() -> None:
    gen = torch.Generator().manual_seed(15)
    a_hat = torch.randn(4, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    a_star = torch.randn(4, 3, generator=gen, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda a: endmember_error(a, a_star), (a_hat,))


def test_endmember_error_shape_mismatch() -> None:
    with pytest.raises(ValueError, match=r"must both have shape \(d, r\).*\(4, 3\) and \(4, 2\)"):
        endmember_error(torch.zeros(4, 3), torch.zeros(4, 2))


def test_sample_linear_mixture_moments() -> None:
    gen = torch.Generator().manual_seed(16)
    d, r, n = 4, 3, 20_000
    a_star = torch.rand(d, r, generator=gen, dtype=torch.float64)
    x, b = sample_linear_mixture(a_star, n, 0.04, gen)
    assert bool((b >= 0).all())
    torch.testing.assert_close(b.sum(1), torch.ones(n, dtype=torch.float64))
    # Dirichlet(1, 1, 1): each coordinate has mean 1/3 and variance 1/18.
    standard_error = math.sqrt(1.0 / 18.0 / n)
    assert (b.mean(0) - 1.0 / 3.0).abs().max() < 4 * standard_error
    residual = x - b @ a_star.T
    # Var of the sample variance of N(0, s2) is 2 s2^2 / (n d).
    assert abs(float(residual.var()) - 0.04) < 4 * math.sqrt(2 * 0.04**2 / (n * d))


def test_sample_linear_mixture_errors() -> None:
    with pytest.raises(ValueError, match="sigma_w2 must be non-negative"):
        sample_linear_mixture(torch.rand(3, 2), 5, -1.0)
    with pytest.raises(ValueError, match="n must be at least 1"):
        sample_linear_mixture(torch.rand(3, 2), 0, 0.1)


def test_project_simplex_optimality() -> None:
    v = torch.randn(200, 5, generator=torch.Generator().manual_seed(17), dtype=torch.float64) * 2
    p = project_simplex(v)
    assert bool((p >= 0).all())
    torch.testing.assert_close(p.sum(-1), torch.ones(200, dtype=torch.float64))
    # p is the projection iff <v - p, q - p> <= 0 for every simplex point q; the vertices suffice.
    slack = (v - p) - ((v - p) * p).sum(-1, keepdim=True)  # <v - p, e_k - p> for each k
    assert float(slack.max()) < 1e-12


def test_project_simplex_keeps_simplex_points() -> None:
    b = torch.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], dtype=torch.float64)
    torch.testing.assert_close(project_simplex(b), b)


def test_estimate_abundances_noise_free() -> None:
    gen = torch.Generator().manual_seed(18)
    a_star = torch.rand(10, 4, generator=gen, dtype=torch.float64)
    x, b = sample_linear_mixture(a_star, 50, 0.0, gen)
    b_hat = estimate_abundances(x, a_star, n_iter=3000)
    torch.testing.assert_close(b_hat, b, atol=1e-6, rtol=0)


def test_estimate_abundances_matches_slsqp() -> None:
    gen = torch.Generator().manual_seed(19)
    a_star = torch.rand(6, 3, generator=gen, dtype=torch.float64)
    x, _ = sample_linear_mixture(a_star, 5, 0.5, gen)
    b_hat = estimate_abundances(x, a_star, n_iter=2000)
    a_np = a_star.numpy()
    for i in range(5):
        x_np = x[i].numpy()
        reference = minimize(
            lambda b: float(np.sum((x_np - a_np @ b) ** 2)),
            np.full(3, 1.0 / 3.0),
            method="SLSQP",
            bounds=[(0.0, 1.0)] * 3,
            constraints=[{"type": "eq", "fun": lambda b: b.sum() - 1.0}],
            options={"ftol": 1e-14, "maxiter": 500},
        )
        np.testing.assert_allclose(b_hat[i].numpy(), reference.x, atol=1e-5)


def test_estimate_abundances_shape_error() -> None:
    with pytest.raises(ValueError, match="with the same d"):
        estimate_abundances(torch.rand(5, 3), torch.rand(4, 2))
