"""Finite-sample estimators of the squared MMD with the Gaussian kernel (the paper's eq. 21 and kin)."""

from __future__ import annotations

import torch

from mmdlib._validation import (
    check_integer,
    check_points,
    check_same_device,
    check_same_dim,
    check_sigma2,
)
from mmdlib.closed_form.mixture import GaussianMixture
from mmdlib.kernels import DistanceMethod, gaussian_kernel


def _check_pair(x: object, y: object) -> tuple[torch.Tensor, torch.Tensor]:
    x = check_points("x", x)
    y = check_points("y", y)
    check_same_dim(x=x, y=y)
    check_same_device(x=x, y=y)
    return x, y


def _offdiag_mean(gram: torch.Tensor) -> torch.Tensor:
    """Mean of a ``(..., n, n)`` Gram matrix over the n(n-1) pairs i != j."""
    n = gram.shape[-1]
    total = gram.sum(dim=(-2, -1)) - torch.diagonal(gram, dim1=-2, dim2=-1).sum(-1)
    return total / (n * (n - 1))


def mmd2_unbiased(x: torch.Tensor, y: torch.Tensor, sigma2: float | torch.Tensor) -> torch.Tensor:
    """Unbiased estimate of MMD^2 (the paper's eq. 21): U-statistics within each sample, all cross pairs.

    MMD^2_u = 1/(n(n-1)) sum_{i!=j} k(x_i, x_j) + 1/(m(m-1)) sum_{i!=j} k(y_i, y_j)
              - 2/(n m) sum_{i,j} k(x_i, y_j).

    Its mean over draws equals the population MMD^2, so a single estimate can be negative when the two
    distributions are close.

    Args:
        x: model sample ``(..., n, d)`` with n >= 2.
        y: data sample ``(..., m, d)`` with m >= 2.
        sigma2: kernel variance in exp(-|x-y|^2 / (2 sigma2)); float or tensor broadcasting over ``...``.

    Returns:
        Tensor of shape ``(...)``.
    """
    x, y = _check_pair(x, y)
    check_integer("n (rows of x)", x.shape[-2], minimum=2)
    check_integer("m (rows of y)", y.shape[-2], minimum=2)
    sigma2 = check_sigma2(sigma2)
    k_xx = _offdiag_mean(gaussian_kernel(x, x, sigma2))
    k_yy = _offdiag_mean(gaussian_kernel(y, y, sigma2))
    k_xy = gaussian_kernel(x, y, sigma2).mean(dim=(-2, -1))
    return k_xx + k_yy - 2.0 * k_xy


def mmd2_biased(
    x: torch.Tensor,
    y: torch.Tensor,
    sigma2: float | torch.Tensor,
    *,
    method: DistanceMethod = "centred",
) -> torch.Tensor:
    """Biased (V-statistic) estimate of MMD^2: the squared distance between the empirical kernel means.

    MMD^2_b = mean_{i,j} k(x_i, x_j) + mean_{i,j} k(y_i, y_j) - 2 mean_{i,j} k(x_i, y_j) >= 0.

    geomloss's ``SamplesLoss('gaussian', blur=sigma)`` returns half of this value.

    Args:
        x: ``(..., n, d)``; y: ``(..., m, d)``; sigma2: kernel variance as in :func:`mmd2_unbiased`.
        method: how squared distances are formed, see :func:`mmdlib.kernels.gaussian_kernel`. The default
            ``"centred"`` uses one matrix product per Gram block and O(n m) memory. ``"difference"`` is
            exact for near-coincident pairs, but it needs O(n m d) memory and is several times slower.

    Returns:
        Tensor of shape ``(...)``.
    """
    x, y = _check_pair(x, y)
    sigma2 = check_sigma2(sigma2)
    k_xx = gaussian_kernel(x, x, sigma2, method=method).mean(dim=(-2, -1))
    k_yy = gaussian_kernel(y, y, sigma2, method=method).mean(dim=(-2, -1))
    k_xy = gaussian_kernel(x, y, sigma2, method=method).mean(dim=(-2, -1))
    return k_xx + k_yy - 2.0 * k_xy


def mmd2_one_sided(model: GaussianMixture, y: torch.Tensor, sigma2: float | torch.Tensor) -> torch.Tensor:
    """One-sided MMD^2 of section 4: the model side exact, the data side a U-statistic.

    MMD^2_os = E k(X, X') - 2/m sum_j mu_P(y_j) + 1/(m(m-1)) sum_{i!=j} k(y_i, y_j),

    where mu_P(y) = E_{X~P} k(X, y) is the model's kernel mean (:meth:`GaussianMixture.kernel_mean`). It is
    unbiased for the population MMD^2 and, unlike :func:`mmd2_unbiased`, needs no model samples.

    Args:
        model: the model P as a :class:`mmdlib.closed_form.GaussianMixture`, batch shape ``(...)``.
        y: data sample ``(..., m, d)`` with m >= 2.
        sigma2: kernel variance.

    Returns:
        Tensor of shape ``(...)``.
    """
    if not isinstance(model, GaussianMixture):
        raise TypeError(f"model must be a GaussianMixture, got {type(model).__name__}; build one with "
                        "mmdlib.closed_form.gaussian_mean_model and friends")
    y = check_points("y", y)
    check_integer("m (rows of y)", y.shape[-2], minimum=2)
    sigma2 = check_sigma2(sigma2)
    self_term = model.expected_kernel(model, sigma2)
    cross = model.kernel_mean(y, sigma2).mean(-1)
    data_term = _offdiag_mean(gaussian_kernel(y, y, sigma2))
    return self_term - 2.0 * cross + data_term


def _gram_sum(x: torch.Tensor, y: torch.Tensor, sigma2: float, chunk_size: int, *, symmetric: bool) -> torch.Tensor:
    """Sum of all entries of the Gaussian Gram matrix K(x, y), one ``(chunk_size, chunk_size)`` tile at a time.

    With ``symmetric`` (x and y the same sample) only tiles on or above the diagonal are formed and the
    ones above it count twice. Tile sums are accumulated in float64.
    """
    total = torch.zeros((), dtype=torch.float64, device=x.device)
    for row in range(0, x.shape[0], chunk_size):
        x_tile = x[row : row + chunk_size]
        first_col = row if symmetric else 0
        for col in range(first_col, y.shape[0], chunk_size):
            y_tile = y[col : col + chunk_size]
            tile_sum = gaussian_kernel(x_tile, y_tile, sigma2, method="centred").sum(dtype=torch.float64)
            total += tile_sum if (not symmetric or col == row) else 2.0 * tile_sum
    return total


def mmd2_biased_chunked(
    x: torch.Tensor,
    y: torch.Tensor,
    sigma2: float | torch.Tensor,
    chunk_size: int = 2048,
) -> torch.Tensor:
    """Biased (V-statistic) estimate of MMD^2 for large samples, formed tile by tile in bounded memory.

    The same quantity as :func:`mmd2_biased`,

        MMD^2_b = 1/n^2 sum_{i,j} k(x_i, x_j) + 1/m^2 sum_{i,j} k(y_i, y_j) - 2/(n m) sum_{i,j} k(x_i, y_j),

    but no Gram matrix is ever held whole: each block of at most ``chunk_size`` rows meets each block of
    at most ``chunk_size`` columns, and only the block sums are kept. Peak extra memory is about
    ``2 * chunk_size**2`` elements (64 MiB in float64 at the default 2048), whatever n and m are. The
    within-sample Gram matrices use their symmetry, so the work is about (n^2 + m^2) / 2 + n m kernel
    evaluations. Squared distances come from centred inner products (see
    :func:`mmdlib.kernels.squared_distances_centred`) and the block sums add up in float64.

    It returns a value only: the computation runs under ``torch.no_grad()``, because autograd would keep
    every tile alive. Use :func:`mmd2_biased` when gradients are needed.

    Args:
        x: model sample of shape ``(n, d)``.
        y: data sample of shape ``(m, d)``.
        sigma2: kernel variance in exp(-|x-y|^2 / (2 sigma2)); a positive float or a tensor with one element.
        chunk_size: rows and columns per tile, at least 1.

    Returns:
        0-dimensional tensor in the common dtype of x and y (float64 if either is float64), without grad.

    Raises:
        TypeError: non-tensors, integer tensors, a non-integer chunk_size.
        ValueError: samples that are not 2-D, mismatched d, NaN or infinite points, sigma2 that is not
            positive, finite and a single number, chunk_size < 1.
    """
    x, y = _check_pair(x, y)
    if x.dim() != 2 or y.dim() != 2:
        raise ValueError(
            f"x and y must have shapes (n, d) and (m, d), got {tuple(x.shape)} and {tuple(y.shape)}; "
            "for batched samples call mmd2_biased_chunked once per batch element"
        )
    sigma2 = check_sigma2(sigma2)
    if isinstance(sigma2, torch.Tensor):
        if sigma2.numel() != 1:
            raise ValueError(f"sigma2 must be a single number, got a tensor of shape {tuple(sigma2.shape)}")
        sigma2 = float(sigma2)
    chunk_size = check_integer("chunk_size", chunk_size, minimum=1)
    dtype = torch.promote_types(x.dtype, y.dtype)
    n, m = x.shape[0], y.shape[0]
    with torch.no_grad():
        x, y = x.detach().to(dtype), y.detach().to(dtype)
        k_xx = _gram_sum(x, x, sigma2, chunk_size, symmetric=True) / (n * n)
        k_yy = _gram_sum(y, y, sigma2, chunk_size, symmetric=True) / (m * m)
        k_xy = _gram_sum(x, y, sigma2, chunk_size, symmetric=False) / (n * m)
        return (k_xx + k_yy - 2.0 * k_xy).to(dtype)
