"""Gradient, Hessian and convex region of the Theorem 1 loss, MMD^2 between N(mu, cov) and N(mu_star, cov).

Theorem 1 and eq. 3 refer to Alon, Globerson and Wiesel, "On the Optimization Landscape of Maximum Mean
Discrepancy" (arXiv 2110.13452, 2021).

With delta = mu - mu_star, A = (2 cov + sigma2 I)^(-1), q = delta^T A delta and
C = 2 det(I + 2 cov / sigma2)^(-1/2), Theorem 1 gives MMD^2 = C (1 - exp(-q / 2)). Differentiating,

    gradient = C exp(-q / 2) A delta,
    Hessian  = C exp(-q / 2) (A - A delta delta^T A).

The Hessian is positive semi-definite exactly when q <= 1, so the loss is convex on the ellipsoid
{delta : delta^T A delta <= 1} and on no larger set that contains a ray's point with q > 1.
Everything is evaluated through one Cholesky factor of 2 cov + sigma2 I, with the factor
C exp(-q / 2) formed in log space.
"""

from __future__ import annotations

import torch

from mmdlib._validation import (
    check_same_device,
    check_same_dim,
    check_sigma2,
    check_spd,
    check_vector,
)


def _weighted_direction(
    mu: torch.Tensor, mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float | torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (C exp(-q/2) of shape (...), A delta of shape (..., d), A of shape (..., d, d))."""
    mu = check_vector("mu", mu)
    mu_star = check_vector("mu_star", mu_star)
    cov = check_spd("cov", cov)
    check_same_dim(mu=mu, mu_star=mu_star, cov=cov)
    check_same_device(mu=mu, mu_star=mu_star, cov=cov)
    sigma2 = check_sigma2(sigma2)
    d = cov.shape[-1]
    eye = torch.eye(d, dtype=cov.dtype, device=cov.device)
    shift = sigma2.to(cov.dtype)[..., None, None] if isinstance(sigma2, torch.Tensor) else sigma2
    shifted = 2.0 * cov + shift * eye  # A^(-1), shape (..., d, d)
    chol = torch.linalg.cholesky(shifted)
    delta = mu - mu_star
    batch = torch.broadcast_shapes(delta.shape[:-1], chol.shape[:-2])
    chol = chol.expand(*batch, d, d)
    a_delta = torch.cholesky_solve(delta.expand(*batch, d).unsqueeze(-1), chol).squeeze(-1)  # (..., d)
    quad = (delta * a_delta).sum(-1)  # q = delta^T A delta
    log_s = torch.log(torch.as_tensor(sigma2, dtype=cov.dtype, device=cov.device))
    # log det(I + 2 cov / sigma2) = log det(2 cov + sigma2 I) - d log sigma2
    logdet = 2.0 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1) - d * log_s
    weight = 2.0 * torch.exp(-0.5 * logdet - 0.5 * quad)  # C exp(-q / 2)
    inverse = torch.cholesky_inverse(chol)  # A
    return weight, a_delta, inverse


def gaussian_mean_gradient(
    mu: torch.Tensor, mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float | torch.Tensor
) -> torch.Tensor:
    """Gradient in mu of the Theorem 1 loss (the paper's eq. 3): C exp(-q/2) A (mu - mu_star).

    A = (2 cov + sigma2 I)^(-1), q = (mu - mu_star)^T A (mu - mu_star), C = 2 det(I + 2 cov / sigma2)^(-1/2).
    The factor exp(-q/2) is formed in log space, so the result underflows to exactly 0.0 (never NaN)
    once q/2 exceeds about 103 in float32 or 745 in float64.

    Args:
        mu, mu_star: model and true means, ``(..., d)``.
        cov: shared covariance ``(..., d, d)``, symmetric positive definite.
        sigma2: kernel variance in exp(-|x - y|^2 / (2 sigma2)); float or tensor broadcasting over ``...``.

    Returns:
        Tensor ``(..., d)``.

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: for mismatched d, a covariance that is not symmetric positive definite, a
            non-positive sigma2, or NaN/infinite entries.
    """
    weight, a_delta, _ = _weighted_direction(mu, mu_star, cov, sigma2)
    return weight.unsqueeze(-1) * a_delta


def gaussian_mean_hessian(
    mu: torch.Tensor, mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float | torch.Tensor
) -> torch.Tensor:
    """Hessian in mu of the Theorem 1 loss (the paper's eq. 3): C exp(-q/2) (A - A delta delta^T A).

    Symbols as in :func:`gaussian_mean_gradient`, with delta = mu - mu_star. Its eigenvalue along
    A delta has the sign of 1 - q, and all other eigenvalues are positive, so the Hessian is positive
    semi-definite exactly when q <= 1.

    Args:
        mu, mu_star: ``(..., d)``.
        cov: ``(..., d, d)``, symmetric positive definite.
        sigma2: kernel variance.

    Returns:
        Tensor ``(..., d, d)``.

    Raises:
        TypeError, ValueError: as :func:`gaussian_mean_gradient`.
    """
    weight, a_delta, inverse = _weighted_direction(mu, mu_star, cov, sigma2)
    outer = a_delta.unsqueeze(-1) * a_delta.unsqueeze(-2)  # A delta delta^T A, (..., d, d)
    return weight[..., None, None] * (inverse - outer)


def gaussian_mean_convexity_level(
    mu: torch.Tensor, mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float | torch.Tensor
) -> torch.Tensor:
    """The quadratic form q = (mu - mu_star)^T (2 cov + sigma2 I)^(-1) (mu - mu_star) of Theorem 1's loss.

    The loss is convex near mu (Hessian positive semi-definite) exactly when q <= 1, and strongly
    convex when q < 1.

    Args:
        mu, mu_star: ``(..., d)``.
        cov: ``(..., d, d)``, symmetric positive definite.
        sigma2: kernel variance.

    Returns:
        Tensor ``(...)``.

    Raises:
        TypeError, ValueError: as :func:`gaussian_mean_gradient`.
    """
    _, a_delta, _ = _weighted_direction(mu, mu_star, cov, sigma2)
    return ((mu - mu_star) * a_delta).sum(-1)


def gaussian_mean_convex_radius(cov: torch.Tensor, sigma2: float | torch.Tensor) -> torch.Tensor:
    """Largest r such that Theorem 1's loss is convex on the ball |mu - mu_star| <= r.

    r = sqrt(sigma2 + 2 lambda_min(cov)): the convex region is the ellipsoid
    delta^T (2 cov + sigma2 I)^(-1) delta <= 1, whose shortest semi-axis is this r. Along the
    eigenvector of lambda_min the Hessian turns indefinite just beyond r.

    Args:
        cov: ``(..., d, d)``, symmetric positive definite.
        sigma2: kernel variance, float or tensor broadcasting over ``...``.

    Returns:
        Tensor ``(...)``.

    Raises:
        TypeError, ValueError: for a covariance that is not symmetric positive definite or an invalid sigma2.
    """
    cov = check_spd("cov", cov)
    sigma2 = check_sigma2(sigma2)
    smallest = torch.linalg.eigvalsh(cov)[..., 0]
    shift = sigma2.to(cov.dtype) if isinstance(sigma2, torch.Tensor) else sigma2
    return torch.sqrt(shift + 2.0 * smallest)
