"""Tests for mmdlib.kernels: squared distances, the Gaussian kernel and the median heuristic."""

import math

import pytest
import torch

from mmdlib.kernels import gaussian_kernel, median_heuristic, squared_distances

F64 = torch.float64


def naive_gram(x: torch.Tensor, y: torch.Tensor, sigma2: float) -> torch.Tensor:
    """Gram matrix by an explicit double loop over the points."""
    out = torch.empty(x.shape[0], y.shape[0], dtype=F64)
    for i in range(x.shape[0]):
        for j in range(y.shape[0]):
            out[i, j] = math.exp(-float(((x[i] - y[j]) ** 2).sum()) / (2.0 * sigma2))
    return out


def test_squared_distances_never_negative():
    gen = torch.Generator().manual_seed(0)
    x = 1e3 + torch.randn(50, 3, generator=gen)
    d2 = squared_distances(x, torch.cat([x, x + 1e-4]))
    assert bool((d2 >= 0).all())


def test_squared_distances_exact_zero_on_diagonal():
    gen = torch.Generator().manual_seed(1)
    x = 1e3 + torch.randn(20, 4, generator=gen)
    assert bool((torch.diagonal(squared_distances(x, x)) == 0).all())


@pytest.mark.parametrize("offset", [0.0, 1e3], ids=["near-origin", "offset-1e3"])
def test_squared_distances_float32_accuracy(offset):
    gen = torch.Generator().manual_seed(2)
    x32 = (offset + torch.randn(30, 3, generator=gen, dtype=F64)).float()
    y32 = (offset + torch.randn(25, 3, generator=gen, dtype=F64)).float()
    # The float64 reference uses the same float32-rounded points, so only the arithmetic differs.
    reference = squared_distances(x32.double(), y32.double())
    assert torch.allclose(squared_distances(x32, y32).double(), reference, rtol=1e-6, atol=1e-6)


def test_float32_check_rejects_expanded_formula():
    # |x|^2 + |y|^2 - 2 x.y loses about |x|^2 * 6e-8 = 0.06 at 1e3 from the origin, so the check above fails it.
    gen = torch.Generator().manual_seed(2)
    x32 = (1e3 + torch.randn(30, 3, generator=gen, dtype=F64)).float()
    y32 = (1e3 + torch.randn(25, 3, generator=gen, dtype=F64)).float()
    expanded = (x32**2).sum(-1)[:, None] + (y32**2).sum(-1)[None, :] - 2.0 * x32 @ y32.T
    reference = squared_distances(x32.double(), y32.double())
    assert not torch.allclose(expanded.double(), reference, rtol=1e-6, atol=1e-6)


def test_gaussian_kernel_float32_far_from_origin():
    gen = torch.Generator().manual_seed(3)
    x64 = 1e3 + torch.randn(30, 2, generator=gen, dtype=F64)
    y64 = 1e3 + torch.randn(20, 2, generator=gen, dtype=F64)
    k64 = gaussian_kernel(x64, y64, 1.0)
    k32 = gaussian_kernel(x64.float(), y64.float(), 1.0).double()
    assert (k32 - k64).abs().max() < 1e-3


def test_gaussian_kernel_matches_naive_loop():
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(7, 3, generator=gen, dtype=F64)
    y = torch.randn(5, 3, generator=gen, dtype=F64)
    assert torch.allclose(gaussian_kernel(x, y, 0.8), naive_gram(x, y, 0.8), rtol=1e-13, atol=0)


def test_gaussian_kernel_values_in_unit_interval():
    gen = torch.Generator().manual_seed(5)
    x = 3.0 * torch.randn(40, 2, generator=gen, dtype=F64)
    gram = gaussian_kernel(x, x, 0.5)
    assert bool((gram >= 0).all())
    assert bool((gram <= 1).all())
    assert torch.equal(torch.diagonal(gram), torch.ones(40, dtype=F64))


def test_gaussian_kernel_batched_equals_looped():
    gen = torch.Generator().manual_seed(6)
    x = torch.randn(3, 4, 6, 2, generator=gen, dtype=F64)
    y = torch.randn(3, 4, 5, 2, generator=gen, dtype=F64)
    batched = gaussian_kernel(x, y, 1.3)
    assert batched.shape == (3, 4, 6, 5)
    for i in range(3):
        for j in range(4):
            assert torch.allclose(batched[i, j], gaussian_kernel(x[i, j], y[i, j], 1.3), rtol=1e-14, atol=0)


def test_gaussian_kernel_broadcasts_leading_dims():
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(3, 6, 2, generator=gen, dtype=F64)
    y = torch.randn(5, 2, generator=gen, dtype=F64)
    batched = gaussian_kernel(x, y, 0.7)
    assert batched.shape == (3, 6, 5)
    assert torch.allclose(batched[1], gaussian_kernel(x[1], y, 0.7), rtol=1e-14, atol=0)


def test_gaussian_kernel_batched_sigma2():
    gen = torch.Generator().manual_seed(8)
    x = torch.randn(3, 6, 2, generator=gen, dtype=F64)
    y = torch.randn(3, 5, 2, generator=gen, dtype=F64)
    sigma2 = torch.tensor([0.3, 1.0, 4.0], dtype=F64)
    batched = gaussian_kernel(x, y, sigma2)
    for i, s in enumerate(sigma2.tolist()):
        assert torch.allclose(batched[i], naive_gram(x[i], y[i], s), rtol=1e-13, atol=0)


def test_gaussian_kernel_sigma2_scaling():
    # k with sigma2 at the distance r equals exp(-r^2 / (2 sigma2)): r = 2, sigma2 = 2 gives exp(-1).
    x = torch.zeros(1, 1, dtype=F64)
    y = torch.full((1, 1), 2.0, dtype=F64)
    assert gaussian_kernel(x, y, 2.0).item() == pytest.approx(math.exp(-1.0), rel=1e-15)


def test_gaussian_kernel_gradcheck():
    gen = torch.Generator().manual_seed(9)
    x = torch.randn(4, 3, generator=gen, dtype=F64, requires_grad=True)
    y = torch.randn(3, 3, generator=gen, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: gaussian_kernel(a, b, 0.9), (x, y))
    assert torch.autograd.gradgradcheck(lambda a, b: gaussian_kernel(a, b, 0.9), (x, y))


def test_gaussian_kernel_gradcheck_coincident_points():
    gen = torch.Generator().manual_seed(10)
    x = torch.randn(4, 2, generator=gen, dtype=F64)
    x_var = x.clone().requires_grad_(True)
    y = torch.cat([x[:2], torch.randn(2, 2, generator=gen, dtype=F64)])
    assert torch.autograd.gradgradcheck(lambda a: gaussian_kernel(a, y, 0.6), (x_var,))


@pytest.mark.parametrize("sigma2", [0.5, 2.0], ids=["sigma2-0.5", "sigma2-2"])
def test_gaussian_kernel_hessian_at_coincident_point(sigma2):
    # k(x, y) = exp(-|x-y|^2 / (2 sigma2)) has Hessian -I / sigma2 in x at x = y.
    y = torch.tensor([[0.4, -1.2, 3.0]], dtype=F64)

    def k_of_x(x: torch.Tensor) -> torch.Tensor:
        return gaussian_kernel(x[None], y, sigma2)[0, 0]

    expected = -torch.eye(3, dtype=F64) / sigma2
    hess_autograd = torch.autograd.functional.hessian(k_of_x, y[0].clone())
    hess_func = torch.func.hessian(k_of_x)(y[0].clone())
    assert torch.allclose(hess_autograd, expected, rtol=1e-14, atol=1e-15)
    assert torch.allclose(hess_func, expected, rtol=1e-14, atol=1e-15)


def test_gaussian_kernel_gradient_zero_at_coincident_point():
    y = torch.tensor([[1.0, 2.0]], dtype=F64)
    x = y.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(gaussian_kernel(x, y, 1.0).sum(), x)
    assert torch.equal(grad, torch.zeros_like(grad))


def test_median_heuristic_value():
    # Points 0, 1, 3 on a line: squared distances 1, 4, 9, median 4, so sigma2 = 2.
    x = torch.tensor([[0.0], [1.0], [3.0]], dtype=F64)
    assert median_heuristic(x).item() == pytest.approx(2.0)


def test_median_heuristic_pools_second_sample():
    x = torch.tensor([[0.0], [1.0]], dtype=F64)
    y = torch.tensor([[3.0]], dtype=F64)
    assert median_heuristic(x, y).item() == pytest.approx(2.0)


def test_median_heuristic_ignores_duplicates():
    x = torch.tensor([[0.0], [1.0], [3.0]], dtype=F64)
    duplicated = torch.cat([x, x, x[:1], x[:1]])
    assert median_heuristic(duplicated).item() == pytest.approx(median_heuristic(x).item())


def test_median_heuristic_identical_points_raise():
    x = torch.ones(5, 2, dtype=F64)
    with pytest.raises(ValueError, match="at least two distinct points"):
        median_heuristic(x)


def test_median_heuristic_kernel_at_median_pair():
    gen = torch.Generator().manual_seed(11)
    x = torch.randn(41, 2, generator=gen, dtype=F64)
    sigma2 = median_heuristic(x)
    d2 = squared_distances(x, x)
    upper = torch.triu_indices(41, 41, offset=1)
    median_d2 = d2[upper[0], upper[1]].median()
    assert math.exp(-median_d2.item() / (2.0 * sigma2.item())) == pytest.approx(math.exp(-1.0), rel=1e-12)


@pytest.mark.parametrize(
    "sigma2", [1e-50, 1e300, torch.tensor(1e-300, dtype=torch.float64)], ids=["1e-50", "1e300", "tensor"]
)
def test_gaussian_kernel_sigma2_outside_float32_raises(sigma2):
    # 1e-50 rounds to 0 in float32, so the diagonal would be 0 / 0 = NaN.
    x = torch.randn(4, 2)
    with pytest.raises(ValueError, match=r"sigma2 = 1e[-+]\d+ is outside the range of torch\.float32"):
        gaussian_kernel(x, x, sigma2)


def test_gaussian_kernel_tiny_sigma2_in_float64_is_identity():
    x = torch.randn(4, 2, dtype=torch.float64)
    assert torch.equal(gaussian_kernel(x, x, 1e-50), torch.eye(4, dtype=torch.float64))


def test_centred_overflow_raises_and_names_the_fix():
    from mmdlib.estimators import mmd2_biased
    from mmdlib.kernels import squared_distances_centred

    x = torch.tensor([[2e19, 0.0], [0.0, 1.0]])
    y = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match=r'overflow torch.float32: x and y have .*use method="difference"'):
        mmd2_biased(x, y, 1.0)
    # The suggested path handles the same data: the far point simply has kernel value 0 with every other point.
    assert math.isfinite(float(mmd2_biased(x, y, 1.0, method="difference")))
    big = torch.tensor([[1e200, 0.0], [1e200, 1.0]], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"overflow torch.float64: x and y have centred coordinates up to 6.67e\+199"):
        squared_distances_centred(big, torch.zeros(1, 2, dtype=torch.float64))
    spread = torch.tensor([[1e200, 0.0], [-1e200, 0.0]], dtype=torch.float64)  # centre 0, so only x overflows
    with pytest.raises(ValueError, match=r"overflow torch.float64: x has centred coordinates up to 1e\+200"):
        squared_distances_centred(spread, torch.zeros(1, 2, dtype=torch.float64))
