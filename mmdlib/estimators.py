"""Finite-sample estimators of the squared MMD with the Gaussian kernel (the paper's eq. 21 and kin)."""

from __future__ import annotations

import torch

from mmdlib._validation import (
    check_broadcast,
    check_integer,
    check_parameter_device,
    check_points,
    check_same_device,
    check_same_dim,
    check_sigma2,
    parameter_shape,
)
from mmdlib.closed_form.mixture import GaussianMixture
from mmdlib.kernels import gaussian_kernel


def _check_pair(x: object, y: object, sigma2: object) -> tuple[torch.Tensor, torch.Tensor, float | torch.Tensor]:
    x = check_points("x", x)
    y = check_points("y", y)
    check_same_dim(x=x, y=y)
    check_same_device(x=x, y=y)
    sigma2 = check_sigma2(sigma2)
    check_parameter_device("sigma2", sigma2, x.device)
    check_broadcast(x=x.shape[:-2], y=y.shape[:-2], sigma2=parameter_shape(sigma2))
    return x, y, sigma2


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

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: for n < 2 or m < 2, mismatched d, non-positive or non-finite sigma2, NaN or infinite
            points, batch shapes that do not broadcast, or tensors on different devices.
    """
    x, y, sigma2 = _check_pair(x, y, sigma2)
    check_integer("n (rows of x)", x.shape[-2], minimum=2)
    check_integer("m (rows of y)", y.shape[-2], minimum=2)
    k_xx = _offdiag_mean(gaussian_kernel(x, x, sigma2))
    k_yy = _offdiag_mean(gaussian_kernel(y, y, sigma2))
    k_xy = gaussian_kernel(x, y, sigma2).mean(dim=(-2, -1))
    return k_xx + k_yy - 2.0 * k_xy


def mmd2_biased(x: torch.Tensor, y: torch.Tensor, sigma2: float | torch.Tensor) -> torch.Tensor:
    """Biased (V-statistic) estimate of MMD^2: the squared distance between the empirical kernel means.

    MMD^2_b = mean_{i,j} k(x_i, x_j) + mean_{i,j} k(y_i, y_j) - 2 mean_{i,j} k(x_i, y_j) >= 0.

    geomloss's ``SamplesLoss('gaussian', blur=sigma)`` returns half of this value.

    Args:
        x: ``(..., n, d)``; y: ``(..., m, d)``; sigma2: kernel variance as in :func:`mmd2_unbiased`.

    Returns:
        Tensor of shape ``(...)``.

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: for mismatched d, non-positive or non-finite sigma2, NaN or infinite points, batch
            shapes that do not broadcast, or tensors on different devices.
    """
    x, y, sigma2 = _check_pair(x, y, sigma2)
    k_xx = gaussian_kernel(x, x, sigma2).mean(dim=(-2, -1))
    k_yy = gaussian_kernel(y, y, sigma2).mean(dim=(-2, -1))
    k_xy = gaussian_kernel(x, y, sigma2).mean(dim=(-2, -1))
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

    Raises:
        TypeError: for a model that is not a GaussianMixture, non-tensors or integer tensors.
        ValueError: for m < 2, mismatched d, non-positive or non-finite sigma2, NaN or infinite points,
            batch shapes that do not broadcast, or tensors on different devices.
    """
    if not isinstance(model, GaussianMixture):
        raise TypeError(f"model must be a GaussianMixture, got {type(model).__name__}; build one with "
                        "mmdlib.closed_form.gaussian_mean_model and friends")
    y = check_points("y", y)
    check_same_dim(model_means=model.means, y=y)
    check_same_device(model_means=model.means, y=y)
    check_integer("m (rows of y)", y.shape[-2], minimum=2)
    sigma2 = check_sigma2(sigma2)
    check_parameter_device("sigma2", sigma2, y.device)
    check_broadcast(model=model.means.shape[:-2], y=y.shape[:-2], sigma2=parameter_shape(sigma2))
    self_term = model.expected_kernel(model, sigma2)
    cross = model.kernel_mean(y, sigma2).mean(-1)
    data_term = _offdiag_mean(gaussian_kernel(y, y, sigma2))
    return self_term - 2.0 * cross + data_term
