"""Lemma 4: the Gaussian expectation of the RBF kernel, the building block of every closed form."""

from __future__ import annotations

import torch

from mmdlib._validation import (
    check_broadcast,
    check_parameter_device,
    check_psd,
    check_same_device,
    check_same_dim,
    check_sigma2,
    check_sigma2_fits,
    check_vector,
    parameter_shape,
)


def _shifted_cholesky(cov: torch.Tensor, sigma2: float | torch.Tensor) -> torch.Tensor:
    """Cholesky factor of cov + sigma2 I, or a ValueError when cov is not positive semi-definite."""
    d = cov.shape[-1]
    eye = torch.eye(d, dtype=cov.dtype, device=cov.device)
    shift = sigma2.to(cov.dtype)[..., None, None] if isinstance(sigma2, torch.Tensor) else sigma2
    chol, info = torch.linalg.cholesky_ex(cov + shift * eye)
    if cov.device.type != "meta" and bool((info != 0).any()):
        raise ValueError(
            "cov must be symmetric positive semi-definite: cov + sigma2*I has no Cholesky factor; "
            "check that cov = B B^T for some B"
        )
    return chol


def log_gaussian_rbf_expectation(
    mean: torch.Tensor, cov: torch.Tensor, sigma2: float | torch.Tensor
) -> torch.Tensor:
    """Logarithm of :func:`gaussian_rbf_expectation`, stable when the expectation underflows."""
    mean = check_vector("mean", mean)
    cov = check_psd("cov", cov)
    check_same_dim(mean=mean, cov=cov)
    check_same_device(mean=mean, cov=cov)
    sigma2 = check_sigma2(sigma2)
    check_parameter_device("sigma2", sigma2, mean.device)
    check_broadcast(mean=mean.shape[:-1], cov=cov.shape[:-2], sigma2=parameter_shape(sigma2))
    # Work in the wider dtype of the two, so float64 input is never rounded to float32.
    dtype = torch.promote_types(mean.dtype, cov.dtype)
    mean, cov = mean.to(dtype), cov.to(dtype)
    check_sigma2_fits(sigma2, dtype)

    chol = _shifted_cholesky(cov, sigma2)  # L L^T = cov + sigma2 I
    d = cov.shape[-1]
    log_s = torch.log(torch.as_tensor(sigma2, dtype=cov.dtype, device=cov.device))
    # log det(I + cov / sigma2) = log det(cov + sigma2 I) - d log sigma2
    logdet = 2.0 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1) - d * log_s
    # mean^T (cov + sigma2 I)^{-1} mean = |L^{-1} mean|^2
    batch = torch.broadcast_shapes(mean.shape[:-1], chol.shape[:-2])
    whitened = torch.linalg.solve_triangular(
        chol.expand(*batch, d, d), mean.expand(*batch, d).unsqueeze(-1), upper=False
    ).squeeze(-1)
    quad = whitened.pow(2).sum(-1)
    return -0.5 * logdet - 0.5 * quad


def gaussian_rbf_expectation(mean: torch.Tensor, cov: torch.Tensor, sigma2: float | torch.Tensor) -> torch.Tensor:
    """E over Z ~ N(mean, cov) of exp(-|Z|^2 / (2 sigma2)) (the paper's Lemma 4).

    E = det(I + cov / sigma2)^(-1/2) * exp(-1/2 mean^T (cov + sigma2 I)^(-1) mean).

    Computed through one Cholesky factor of cov + sigma2 I, which exists for every positive
    semi-definite cov (singular ones included) because sigma2 > 0. Differentiable twice.

    Args:
        mean: ``(..., d)``.
        cov: ``(..., d, d)``, symmetric positive semi-definite.
        sigma2: kernel variance, a positive float or a tensor broadcasting over ``...``.

    Returns:
        Tensor of shape ``(...)`` in [0, 1], in float64 if mean or cov is float64. It underflows to 0 far
        from the origin, where the log version stays finite.

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: for a cov that is not square, symmetric and positive semi-definite, mismatched d,
            non-positive or non-finite sigma2, sigma2 outside the range of the dtype, NaN or infinite
            values, batch shapes that do not broadcast, or tensors on different devices.
    """
    return torch.exp(log_gaussian_rbf_expectation(mean, cov, sigma2))
