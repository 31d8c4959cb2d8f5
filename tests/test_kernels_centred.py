"""Tests for the centred inner-product route to squared distances in mmdlib.kernels."""

from __future__ import annotations

import pytest
import torch

from mmdlib.kernels import gaussian_kernel, squared_distances, squared_distances_centred


def _sample(*shape: int, seed: int, offset: float = 0.0, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype) + offset


def test_centred_matches_differences() -> None:
    x, y = _sample(40, 6, seed=0), _sample(30, 6, seed=1, offset=0.5)
    torch.testing.assert_close(squared_distances_centred(x, y), squared_distances(x, y), rtol=0, atol=1e-12)


def test_centred_broadcasts_batches() -> None:
    x, y = _sample(3, 20, 4, seed=2), _sample(15, 4, seed=3)
    result = squared_distances_centred(x, y)
    assert result.shape == (3, 20, 15)
    torch.testing.assert_close(result, squared_distances(x, y), rtol=0, atol=1e-12)


def test_centred_float32_far_from_origin() -> None:
    # Without centring, |x|^2 ~ 1e9 and float32 rounding alone would be about 60 in absolute terms.
    x64, y64 = _sample(50, 10, seed=4, offset=1e4), _sample(50, 10, seed=5, offset=1e4)
    reference = squared_distances(x64, y64)
    result = squared_distances_centred(x64.float(), y64.float())
    # The float32 inputs themselves are rounded by about 1e4 * 6e-8 = 6e-4 per coordinate.
    assert float((result.double() - reference).abs().max()) < 0.05


def test_centred_never_negative() -> None:
    x = _sample(64, 10, seed=6, offset=1e3, dtype=torch.float32)
    result = squared_distances_centred(x, x)
    assert float(result.min()) >= 0.0
    assert float(torch.diagonal(result).max()) < 1e-2


def test_centred_promotes_mixed_dtypes() -> None:
    x, y = _sample(5, 3, seed=7, dtype=torch.float32), _sample(4, 3, seed=8)
    assert squared_distances_centred(x, y).dtype == torch.float64


def test_centred_kernel_gradgradcheck() -> None:
    x = _sample(6, 3, seed=9).requires_grad_()
    y = _sample(5, 3, seed=10).requires_grad_()
    def total(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return gaussian_kernel(a, b, 0.7, method="centred").sum()
    assert torch.autograd.gradcheck(total, (x, y))
    assert torch.autograd.gradgradcheck(total, (x, y))


def test_centred_kernel_matches_difference_kernel() -> None:
    x, y = _sample(30, 5, seed=11), _sample(25, 5, seed=12)
    sigma2 = torch.tensor([0.5, 2.0], dtype=torch.float64)
    expected = gaussian_kernel(x.expand(2, 30, 5), y, sigma2)
    result = gaussian_kernel(x.expand(2, 30, 5), y, sigma2, method="centred")
    torch.testing.assert_close(result, expected, rtol=0, atol=1e-13)


def test_gaussian_kernel_unknown_method() -> None:
    with pytest.raises(ValueError, match="method must be 'difference' or 'centred', got 'cdist'"):
        gaussian_kernel(torch.zeros(2, 2), torch.zeros(2, 2), 1.0, method="cdist")  # type: ignore[arg-type]
