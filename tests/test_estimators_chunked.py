"""Tests for mmd2_biased_chunked and the distance methods of mmd2_biased in mmdlib.estimators."""

from __future__ import annotations

import pytest
import torch

from mmdlib.estimators import mmd2_biased, mmd2_biased_chunked


def _pair(n: int, m: int, d: int, seed: int, dtype: torch.dtype = torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=dtype)
    y = 0.8 * torch.randn(m, d, generator=gen, dtype=dtype) + 0.3
    return x, y


@pytest.mark.parametrize("chunk_size", [1, 7, 16, 60, 5000], ids=["one", "seven", "tile16", "exact_n", "larger"])
def test_chunked_equals_biased(chunk_size: int) -> None:
    x, y = _pair(60, 37, 4, seed=0)
    expected = mmd2_biased(x, y, 1.3, method="difference")
    result = mmd2_biased_chunked(x, y, 1.3, chunk_size=chunk_size)
    assert abs(float(result - expected)) < 1e-12


def test_chunked_float32_close_to_float64() -> None:
    x, y = _pair(500, 400, 10, seed=1)
    expected = mmd2_biased(x, y, 2.0)
    result = mmd2_biased_chunked(x.float(), y.float(), 2.0, chunk_size=128)
    assert result.dtype == torch.float32
    assert abs(float(result) - float(expected)) < 1e-6


def test_chunked_tensor_sigma2_and_mixed_dtype() -> None:
    x, y = _pair(60, 50, 3, seed=2)
    result = mmd2_biased_chunked(x.float(), y, torch.tensor(0.9, dtype=torch.float64), chunk_size=16)
    assert result.dtype == torch.float64
    # x was rounded to float32, so agreement is at float32 accuracy.
    assert abs(float(result - mmd2_biased(x.float().double(), y, 0.9))) < 1e-12


def test_chunked_returns_no_grad() -> None:
    x, y = _pair(20, 20, 2, seed=3)
    result = mmd2_biased_chunked(x.requires_grad_(), y, 1.0, chunk_size=8)
    assert not result.requires_grad


def test_chunked_zero_for_equal_samples() -> None:
    x, _ = _pair(100, 1, 5, seed=4)
    assert abs(float(mmd2_biased_chunked(x, x.clone(), 1.0, chunk_size=32))) < 1e-14


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"x": torch.zeros(2, 5, 3)}, ValueError, r"must have shapes \(n, d\) and \(m, d\), got \(2, 5, 3\)"),
        ({"y": torch.zeros(5, 4)}, ValueError, "dimension mismatch"),
        ({"x": torch.tensor([[float("nan"), 0.0, 0.0]])}, ValueError, "NaN or infinite"),
        ({"x": torch.zeros(5, 3, dtype=torch.int64)}, TypeError, "dtype float32 or float64"),
        ({"sigma2": -1.0}, ValueError, "sigma2 must be positive"),
        ({"sigma2": torch.tensor([1.0, 2.0])}, ValueError, "sigma2 must be a single number"),
        ({"chunk_size": 0}, ValueError, "chunk_size must be at least 1"),
        ({"chunk_size": 2.5}, TypeError, "chunk_size must be an integer"),
    ],
    ids=["batched", "dim_mismatch", "nan", "int_dtype", "negative_sigma2", "vector_sigma2", "chunk0", "chunk_float"],
)
def test_chunked_validation(kwargs: dict, error: type, match: str) -> None:
    arguments = {"x": torch.zeros(5, 3), "y": torch.ones(4, 3), "sigma2": 1.0, "chunk_size": 4} | kwargs
    with pytest.raises(error, match=match):
        mmd2_biased_chunked(**arguments)


def test_biased_methods_agree_far_from_origin() -> None:
    x64, y64 = _pair(200, 200, 10, seed=5)
    x64, y64 = x64 + 1e4, y64 + 1e4
    expected = mmd2_biased(x64, y64, 2.0, method="difference")
    result = mmd2_biased(x64.float(), y64.float(), 2.0)
    assert result.dtype == torch.float32
    # Rounding the inputs to float32 moves each point by about 1e4 * 6e-8 per coordinate.
    assert abs(float(result) - float(expected)) < 1e-3


def test_biased_centred_gradient_matches_difference() -> None:
    x, y = _pair(30, 20, 3, seed=6)
    grads = []
    for method in ("difference", "centred"):
        x_var = x.clone().requires_grad_()
        mmd2_biased(x_var, y, 0.8, method=method).backward()
        grads.append(x_var.grad)
    torch.testing.assert_close(grads[1], grads[0], rtol=0, atol=1e-13)
