"""Population MMD^2 of the paper's four models, each derived from Lemma 4.

Every model is a Gaussian mixture, so each loss is :func:`mixture_mmd2` of the model and the truth. The
builders ``*_model`` return the :class:`GaussianMixture` itself, whose ``kernel_mean`` gives the exact
model side of the one-sided MMD.
"""

from __future__ import annotations

import math

import torch

from mmdlib._validation import (
    check_broadcast,
    check_nonnegative,
    check_parameter_device,
    check_same_device,
    check_same_dim,
    check_sigma2,
    check_spd,
    check_vector,
    parameter_shape,
)
from mmdlib.closed_form.lemma4 import log_gaussian_rbf_expectation
from mmdlib.closed_form.mixture import GaussianMixture, mixture_mmd2


def _eye_like(v: torch.Tensor) -> torch.Tensor:
    return torch.eye(v.shape[-1], dtype=v.dtype, device=v.device)


def _rank_one_cov(a: torch.Tensor, eps: float | torch.Tensor) -> torch.Tensor:
    """a a^T + eps^2 I, shape (..., d, d)."""
    eps_sq = eps.to(a.dtype)[..., None, None] ** 2 if isinstance(eps, torch.Tensor) else eps**2
    return a.unsqueeze(-1) * a.unsqueeze(-2) + eps_sq * _eye_like(a)


def _check_eps(eps: object, a: torch.Tensor) -> float | torch.Tensor:
    """Check the noise scale eps >= 0 of a a^T + eps^2 I against the device and batch shape of a."""
    eps = check_nonnegative("eps", eps)
    largest = eps
    if isinstance(eps, torch.Tensor):
        largest = float(eps.detach().max()) if eps.device.type != "meta" and eps.numel() > 0 else None
    if isinstance(largest, float) and largest > math.sqrt(torch.finfo(a.dtype).max):
        raise ValueError(f"eps = {largest:.3g} is too large: eps**2 overflows {a.dtype}; rescale the problem")
    check_parameter_device("eps", eps, a.device)
    check_broadcast(a=a.shape[:-1], eps=parameter_shape(eps))
    return eps


def _check_sigma2_for(sigma2: object, device: torch.device, **batch_shapes: tuple[int, ...]) -> float | torch.Tensor:
    """Check sigma2 and that it lives on ``device`` and broadcasts against the named batch shapes."""
    sigma2 = check_sigma2(sigma2)
    check_parameter_device("sigma2", sigma2, device)
    check_broadcast(**batch_shapes, sigma2=parameter_shape(sigma2))
    return sigma2


def _expm1_exact_derivative(z: torch.Tensor) -> torch.Tensor:
    """expm1(z) whose derivatives of every order are exp(z), computed directly.

    torch.expm1 differentiates as result + 1, which cancels to exactly 0.0 once exp(z) drops below
    half the float spacing below 1 (z below about -17 in float32, -37 in float64), long before exp(z)
    underflows.
    The two exp(z) terms below cancel exactly in the forward value but carry the derivative.
    """
    growth = torch.exp(z)
    return torch.expm1(z).detach() + (growth - growth.detach())


def _half_half(dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    return torch.full((2,), 0.5, dtype=dtype, device=device)


def gaussian_mean_model(mu: torch.Tensor, cov: torch.Tensor) -> GaussianMixture:
    """N(mu, cov) as a one-component mixture. mu ``(..., d)``, cov ``(..., d, d)`` positive definite."""
    mu = check_vector("mu", mu)
    cov = check_spd("cov", cov)
    check_same_dim(mu=mu, cov=cov)
    check_same_device(mu=mu, cov=cov)
    batch = check_broadcast(mu=mu.shape[:-1], cov=cov.shape[:-2])
    d = mu.shape[-1]
    weights = torch.ones(1, dtype=mu.dtype, device=mu.device)
    return GaussianMixture(weights, mu.expand(*batch, d)[..., None, :], cov.expand(*batch, d, d)[..., None, :, :])


def rank_one_model(a: torch.Tensor, eps: float | torch.Tensor) -> GaussianMixture:
    """N(0, a a^T + eps^2 I), the model of Theorem 2. a ``(..., d)``, eps >= 0 (eps = 0 is singular)."""
    a = check_vector("a", a)
    eps = _check_eps(eps, a)
    weights = torch.ones(1, dtype=a.dtype, device=a.device)
    return GaussianMixture(weights, torch.zeros_like(a)[..., None, :], _rank_one_cov(a, eps)[..., None, :, :])


def mixture_mean_model(mu: torch.Tensor, cov: torch.Tensor) -> GaussianMixture:
    """1/2 N(mu, cov) + 1/2 N(-mu, cov), the model of Theorem 3."""
    mu = check_vector("mu", mu)
    cov = check_spd("cov", cov)
    check_same_dim(mu=mu, cov=cov)
    check_same_device(mu=mu, cov=cov)
    batch = check_broadcast(mu=mu.shape[:-1], cov=cov.shape[:-2])
    d = mu.shape[-1]
    mu = mu.expand(*batch, d)
    means = torch.stack([mu, -mu], dim=-2)
    covs = cov.expand(*batch, d, d).unsqueeze(-3).expand(*batch, 2, d, d)
    return GaussianMixture(_half_half(mu.dtype, mu.device), means, covs)


def mixture_rank_one_model(a: torch.Tensor, mean: torch.Tensor, eps: float | torch.Tensor) -> GaussianMixture:
    """1/2 N(mean, a a^T + eps^2 I) + 1/2 N(-mean, a a^T + eps^2 I), the model of section 4.2."""
    a = check_vector("a", a)
    mean = check_vector("mean", mean)
    check_same_dim(a=a, mean=mean)
    check_same_device(a=a, mean=mean)
    eps = _check_eps(eps, a)
    batch = check_broadcast(a=a.shape[:-1], mean=mean.shape[:-1])
    d = a.shape[-1]
    mean = mean.expand(*batch, d)
    cov = _rank_one_cov(a.expand(*batch, d), eps)
    covs = cov.unsqueeze(-3).expand(*batch, 2, d, d)
    return GaussianMixture(_half_half(a.dtype, a.device), torch.stack([mean, -mean], dim=-2), covs)


def gaussian_mean(
    mu: torch.Tensor, mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float | torch.Tensor
) -> torch.Tensor:
    """Population MMD^2 between N(mu, cov) and N(mu_star, cov) (Theorem 1).

    MMD^2 = 2 det(I + 2 cov / sigma2)^(-1/2) [1 - exp(-1/2 delta^T (2 cov + sigma2 I)^(-1) delta)],
    delta = mu - mu_star, evaluated with ``expm1`` so it keeps full relative accuracy near the optimum.

    Args:
        mu, mu_star: ``(..., d)``.
        cov: shared covariance ``(..., d, d)``, symmetric positive definite.
        sigma2: kernel variance.

    Returns:
        Tensor ``(...)``.

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: for a cov that is not symmetric positive definite, mismatched d, non-positive or
            non-finite sigma2, NaN or infinite values, batch shapes that do not broadcast, or tensors on
            different devices.
    """
    mu = check_vector("mu", mu)
    mu_star = check_vector("mu_star", mu_star)
    cov = check_spd("cov", cov)
    check_same_dim(mu=mu, mu_star=mu_star, cov=cov)
    check_same_device(mu=mu, mu_star=mu_star, cov=cov)
    sigma2 = _check_sigma2_for(sigma2, mu.device, mu=mu.shape[:-1], mu_star=mu_star.shape[:-1], cov=cov.shape[:-2])
    delta = mu - mu_star
    log_c = log_gaussian_rbf_expectation(torch.zeros_like(delta), 2.0 * cov, sigma2)
    log_e = log_gaussian_rbf_expectation(delta, 2.0 * cov, sigma2)  # = log_c - q / 2
    return -2.0 * torch.exp(log_c) * _expm1_exact_derivative(log_e - log_c)


def gaussian_rank_one(
    a: torch.Tensor, a_star: torch.Tensor, eps: float | torch.Tensor, sigma2: float | torch.Tensor
) -> torch.Tensor:
    """Population MMD^2 between N(0, a a^T + eps^2 I) and N(0, a* a*^T + eps^2 I) (Theorem 2).

    Args:
        a, a_star: ``(..., d)``.
        eps: noise scale, eps >= 0 (eps = 0 makes both covariances singular); float or tensor ``(...)``.
        sigma2: kernel variance.

    Returns:
        Tensor ``(...)``.

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: for negative or non-finite eps, mismatched d, non-positive or non-finite sigma2, NaN
            or infinite values, batch shapes that do not broadcast, or tensors on different devices.
    """
    a = check_vector("a", a)
    a_star = check_vector("a_star", a_star)
    check_same_dim(a=a, a_star=a_star)
    check_same_device(a=a, a_star=a_star)
    sigma2 = _check_sigma2_for(sigma2, a.device, a=a.shape[:-1], a_star=a_star.shape[:-1], eps=parameter_shape(eps))
    return mixture_mmd2(rank_one_model(a, eps), rank_one_model(a_star, eps), sigma2)


def mixture_mean(
    mu: torch.Tensor, mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float | torch.Tensor
) -> torch.Tensor:
    """Population MMD^2 between 1/2 N(+-mu, cov) and 1/2 N(+-mu_star, cov) (Theorem 3).

    Args:
        mu, mu_star: ``(..., d)``.
        cov: shared covariance ``(..., d, d)``, symmetric positive definite.
        sigma2: kernel variance.

    Returns:
        Tensor ``(...)``.

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: as :func:`gaussian_mean`.
    """
    mu = check_vector("mu", mu)
    mu_star = check_vector("mu_star", mu_star)
    cov = check_spd("cov", cov)
    check_same_dim(mu=mu, mu_star=mu_star, cov=cov)
    check_same_device(mu=mu, mu_star=mu_star, cov=cov)
    sigma2 = _check_sigma2_for(sigma2, mu.device, mu=mu.shape[:-1], mu_star=mu_star.shape[:-1], cov=cov.shape[:-2])
    return mixture_mmd2(mixture_mean_model(mu, cov), mixture_mean_model(mu_star, cov), sigma2)


def mixture_rank_one(
    a: torch.Tensor,
    a_star: torch.Tensor,
    mean: torch.Tensor,
    eps: float | torch.Tensor,
    sigma2: float | torch.Tensor,
) -> torch.Tensor:
    """Population MMD^2 between the section 4.2 mixtures with covariances a a^T + eps^2 I and a* a*^T + eps^2 I.

    Both mixtures are 1/2 N(mean, C) + 1/2 N(-mean, C) with the same known ``mean``.

    Args:
        a, a_star: ``(..., d)``.
        mean: component mean ``(..., d)``.
        eps: noise scale, eps >= 0; float or tensor ``(...)``.
        sigma2: kernel variance.

    Returns:
        Tensor ``(...)``.

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: as :func:`gaussian_rank_one`.
    """
    a = check_vector("a", a)
    a_star = check_vector("a_star", a_star)
    mean = check_vector("mean", mean)
    check_same_dim(a=a, a_star=a_star, mean=mean)
    check_same_device(a=a, a_star=a_star, mean=mean)
    sigma2 = _check_sigma2_for(
        sigma2, a.device, a=a.shape[:-1], a_star=a_star.shape[:-1], mean=mean.shape[:-1], eps=parameter_shape(eps)
    )
    model = mixture_rank_one_model(a, mean, eps)
    truth = mixture_rank_one_model(a_star, mean, eps)
    return mixture_mmd2(model, truth, sigma2)
