"""Theorem 3 in closed form: gradient, Hessian and stationary set of the symmetric two-component mixture loss.

Theorem, lemma and equation numbers refer to Alon, Globerson and Wiesel, On the Optimization Landscape of Maximum Mean Discrepancy (arXiv 2110.13452).

Model 1/2 N(mu, Sigma) + 1/2 N(-mu, Sigma), truth the same with mu*, kernel exp(-|x - y|^2 / (2 sigma2)).
With A = (2 Sigma + sigma2 I)^(-1), C = det(I + 2 Sigma / sigma2)^(-1/2) and q(v) = v^T A v (eq. 14):

    MMD^2(mu) = C / 2 [ e^(-2 q(mu)) + 1 + e^(-2 q(mu*)) + 1 - 2 e^(-q(mu - mu*)/2) - 2 e^(-q(mu + mu*)/2) ].

With e_- = e^(-q(mu - mu*)/2), e_+ = e^(-q(mu + mu*)/2) and e_2 = e^(-2 q(mu)):

    grad = C A [ e_- (mu - mu*) + e_+ (mu + mu*) - 2 e_2 mu ],
    hess = C [ e_- (A - A d_- d_-^T A) + e_+ (A - A d_+ d_+^T A) - 2 e_2 (A - 4 A mu mu^T A) ],

where d_-+ = mu -+ mu*. In the coordinates nu = A^(1/2) mu the loss is the isotropic one with c = 1, so
every statement below depends on mu* only through u = q(mu*).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from mmdlib._validation import check_same_device, check_same_dim, check_sigma2, check_spd, check_vector


def _outer(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x.unsqueeze(-1) * y.unsqueeze(-2)


def _inputs(
    mu: torch.Tensor, mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Validated mu, mu_star, the metric A (d, d) and the constant C (scalar tensor)."""
    mu = check_vector("mu", mu)
    mu_star = check_vector("mu_star", mu_star)
    cov = check_spd("cov", cov)
    if cov.dim() != 2:
        raise ValueError(f"cov must be one matrix of shape (d, d), got shape {tuple(cov.shape)}")
    check_same_dim(mu=mu, mu_star=mu_star, cov=cov)
    check_same_device(mu=mu, mu_star=mu_star, cov=cov)
    metric, constant = mixture_metric(cov, sigma2)
    return mu, mu_star, metric, constant


def mixture_metric(cov: torch.Tensor, sigma2: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Compute the metric A = (2 Sigma + sigma2 I)^(-1) and the constant C = det(I + 2 Sigma / sigma2)^(-1/2) of eq. 14.

    Computed from one Cholesky factor L L^T = 2 Sigma + sigma2 I (no general solve or det).

    Args:
        cov: Sigma, ``(d, d)`` symmetric positive definite.
        sigma2: kernel variance.

    Returns:
        A ``(d, d)`` and C (scalar tensor).
    """
    cov = check_spd("cov", cov)
    sigma2 = float(check_sigma2(sigma2))
    d = cov.shape[-1]
    eye = torch.eye(d, dtype=cov.dtype, device=cov.device)
    chol = torch.linalg.cholesky(2.0 * cov + sigma2 * eye)
    chol_inv = torch.linalg.solve_triangular(chol, eye, upper=False)
    metric = chol_inv.T @ chol_inv
    log_det = 2.0 * torch.log(torch.diagonal(chol)).sum() - d * math.log(sigma2)
    return metric, torch.exp(-0.5 * log_det)


def _quad(v: torch.Tensor, metric: torch.Tensor) -> torch.Tensor:
    return ((v @ metric) * v).sum(-1)


def mixture_mean_gradient(
    mu: torch.Tensor, mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float
) -> torch.Tensor:
    """Gradient in mu of the Theorem 3 loss (eq. 16 with its constants and general Sigma).

    grad = C A [e_- (mu - mu*) + e_+ (mu + mu*) - 2 e_2 mu].

    Args:
        mu: ``(..., d)``; mu_star: ``(d,)`` or broadcastable; cov: Sigma ``(d, d)``; sigma2: kernel variance.

    Returns:
        Tensor ``(..., d)``.
    """
    mu, mu_star, metric, constant = _inputs(mu, mu_star, cov, sigma2)
    minus, plus = mu - mu_star, mu + mu_star
    e_minus = torch.exp(-0.5 * _quad(minus, metric)).unsqueeze(-1)
    e_plus = torch.exp(-0.5 * _quad(plus, metric)).unsqueeze(-1)
    e_two = torch.exp(-2.0 * _quad(mu, metric)).unsqueeze(-1)
    inner = e_minus * minus + e_plus * plus - 2.0 * e_two * mu
    return constant * inner @ metric


def mixture_mean_hessian(
    mu: torch.Tensor, mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float
) -> torch.Tensor:
    """Hessian in mu of the Theorem 3 loss (eq. 28 with its constant C and general Sigma).

    hess = C [e_- (A - A d_- d_-^T A) + e_+ (A - A d_+ d_+^T A) - 2 e_2 (A - 4 A mu mu^T A)].

    Args:
        mu: ``(..., d)``; mu_star: ``(d,)`` or broadcastable; cov: Sigma ``(d, d)``; sigma2: kernel variance.

    Returns:
        Tensor ``(..., d, d)``.
    """
    mu, mu_star, metric, constant = _inputs(mu, mu_star, cov, sigma2)
    minus, plus = mu - mu_star, mu + mu_star
    e_minus = torch.exp(-0.5 * _quad(minus, metric))[..., None, None]
    e_plus = torch.exp(-0.5 * _quad(plus, metric))[..., None, None]
    e_two = torch.exp(-2.0 * _quad(mu, metric))[..., None, None]
    a_minus, a_plus, a_mu = minus @ metric, plus @ metric, mu @ metric
    hess = e_minus * (metric - _outer(a_minus, a_minus)) + e_plus * (metric - _outer(a_plus, a_plus))
    hess = hess - 2.0 * e_two * (metric - 4.0 * _outer(a_mu, a_mu))
    return constant * hess


def eq28_hessian_as_printed(mu: torch.Tensor, mu_star: torch.Tensor, sigma2: float) -> torch.Tensor:
    """Evaluate eq. 28 exactly as printed, for Sigma = I and c = 2 + sigma2 (no factor C).

    e_- c^(-1) I - e_- c^(-2) d_- d_-^T + e_+ c^(-1) I - e_+ c^(-2) d_+ d_+^T - 2 e_2 c^(-1) I + 8 e_2 c^(-2) mu mu^T.
    """
    mu, mu_star = check_vector("mu", mu), check_vector("mu_star", mu_star)
    c = 2.0 + float(check_sigma2(sigma2))
    eye = torch.eye(mu.shape[-1], dtype=mu.dtype, device=mu.device)
    minus, plus = mu - mu_star, mu + mu_star
    e_minus = torch.exp(-0.5 / c * (minus**2).sum(-1))[..., None, None]
    e_plus = torch.exp(-0.5 / c * (plus**2).sum(-1))[..., None, None]
    e_two = torch.exp(-2.0 / c * (mu**2).sum(-1))[..., None, None]
    hess = e_minus * (eye / c - _outer(minus, minus) / c**2) + e_plus * (eye / c - _outer(plus, plus) / c**2)
    return hess - 2.0 * e_two * eye / c + 8.0 * e_two * _outer(mu, mu) / c**2


def eq47_hessian_as_printed(mu: torch.Tensor, mu_star: torch.Tensor, sigma2: float) -> torch.Tensor:
    """Evaluate eq. 47 (proof of Lemma 8) exactly as printed, for Sigma = I and c = 2 + sigma2.

    e_- (I - c^(-1) |d_-|^2 d_- d_-^T) + e_+ (I - c^(-1) |d_+| d_+ d_+^T) - 2 e_2 (I - 2 c^(-1) |2 mu| mu mu^T).
    The proof states it up to a positive factor. The correct bracket has no norms in front of the outer
    products (and 4 c^(-1) in the last term), see :func:`mixture_mean_hessian`.
    """
    mu, mu_star = check_vector("mu", mu), check_vector("mu_star", mu_star)
    c = 2.0 + float(check_sigma2(sigma2))
    eye = torch.eye(mu.shape[-1], dtype=mu.dtype, device=mu.device)
    minus, plus = mu - mu_star, mu + mu_star
    n_minus2 = (minus**2).sum(-1)[..., None, None]
    n_plus = (plus**2).sum(-1).sqrt()[..., None, None]
    n_two = 2.0 * (mu**2).sum(-1).sqrt()[..., None, None]
    e_minus = torch.exp(-0.5 / c * n_minus2)
    e_plus = torch.exp(-0.5 / c * n_plus**2)
    e_two = torch.exp(-0.5 / c * n_two**2)
    hess = e_minus * (eye - n_minus2 / c * _outer(minus, minus)) + e_plus * (eye - n_plus / c * _outer(plus, plus))
    return hess - 2.0 * e_two * (eye - 2.0 * n_two / c * _outer(mu, mu))


def scaled_truth_norm2(mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float) -> float:
    """u = mu*^T (2 Sigma + sigma2 I)^(-1) mu*, the one number that shapes the Theorem 3 landscape."""
    mu_star = check_vector("mu_star", mu_star)
    metric, _ = mixture_metric(cov, sigma2)
    return float(_quad(mu_star, metric))


def zero_is_global_maximum(mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float) -> bool:
    """Return whether mu = 0 is a global maximum of the Theorem 3 loss.

    mu = 0 is always a strict local maximum. Far away the loss tends to C (1 + e^(-2u)/2), and
    MMD^2(0) minus that limit is C (1/2 - 2 e^(-u/2)), so mu = 0 is global exactly when u >= 4 ln 2,
    u = mu*^T (2 Sigma + sigma2 I)^(-1) mu*.
    """
    return scaled_truth_norm2(mu_star, cov, sigma2) >= 4.0 * math.log(2.0)


def limit_at_infinity(mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float) -> float:
    """Return the limit of the Theorem 3 loss as |mu| -> infinity: C (1 + e^(-2u) / 2)."""
    u = scaled_truth_norm2(mu_star, cov, sigma2)
    _, constant = mixture_metric(cov, sigma2)
    return float(constant) * (1.0 + 0.5 * math.exp(-2.0 * u))


def hessian_norm_bound(cov: torch.Tensor, sigma2: float) -> float:
    """Compute a bound on the Hessian's spectral norm over all mu (a constant for Lemma 8): 8 e^(-1/2) C ||A||_2.

    Each of the three terms has the form e^(-y/2) (v^T A v - (w^T A v)^2) with y = w^T A w, bounded by
    ||A|| e^(-y/2) (1 + y) <= 2 e^(-1/2) ||A||, and the last term carries the factor 2.
    """
    metric, constant = mixture_metric(cov, sigma2)
    return 8.0 * math.exp(-0.5) * float(constant) * float(torch.linalg.eigvalsh(metric)[-1])


@dataclass(frozen=True)
class MixtureStationarySet:
    """Stationary points of the Theorem 3 loss.

    Attributes:
        maximum: mu = 0, ``(d,)``; always a strict local maximum.
        minima: mu* and -mu*, ``(2, d)``; global minima with loss 0.
        saddle_quad: the value of mu^T A mu on the saddle set, u / 3 (eq. 15 prints u).
        saddles: points of the saddle set {mu^T A mu* = 0, mu^T A mu = u / 3}: plus and minus one point
            per basis vector of the A-orthogonal complement of mu*, ``(2 (d - 1), d)`` (all of it for d = 2).
    """

    maximum: torch.Tensor
    minima: torch.Tensor
    saddle_quad: float
    saddles: torch.Tensor


def mixture_stationary_set(mu_star: torch.Tensor, cov: torch.Tensor, sigma2: float) -> MixtureStationarySet:
    """Compute the stationary set of the Theorem 3 loss (the corrected eq. 15).

    In nu = A^(1/2) mu the gradient is e_- (nu - nu*) + e_+ (nu + nu*) - 2 e_2 nu. If nu is not parallel
    to nu*, both coefficients vanish: e_- = e_+ forces nu^T nu* = 0, then e_- = e_2 gives
    |nu|^2 + u = 4 |nu|^2, so |nu|^2 = u / 3. Parallel points nu = t nu* are stationary only at t in
    {-1, 0, 1} (checked numerically in the chapter).

    Args:
        mu_star: non-zero truth ``(d,)``; cov: Sigma ``(d, d)``; sigma2: kernel variance.

    Raises:
        ValueError: if mu_star is not a non-zero vector of shape ``(d,)``.
    """
    mu_star = check_vector("mu_star", mu_star)
    if mu_star.dim() != 1 or not bool((mu_star != 0).any()):
        raise ValueError(f"mu_star must be a non-zero vector of shape (d,), got shape {tuple(mu_star.shape)}")
    metric, _ = mixture_metric(cov, sigma2)
    check_same_dim(mu_star=mu_star, cov=cov)
    d = mu_star.shape[0]
    u = float(_quad(mu_star, metric))
    normal = metric @ mu_star
    q, _ = torch.linalg.qr(torch.cat([normal[:, None], torch.eye(d, dtype=mu_star.dtype)], dim=1))
    directions = q[:, 1:d].T  # (d - 1, d), orthogonal to A mu*
    if d >= 2:
        scale = torch.sqrt(u / 3.0 / _quad(directions, metric))
        ring = directions * scale[:, None]
        saddles = torch.cat([ring, -ring])
    else:
        saddles = mu_star.new_zeros((0, d))
    return MixtureStationarySet(
        maximum=torch.zeros_like(mu_star),
        minima=torch.stack([mu_star, -mu_star]),
        saddle_quad=u / 3.0,
        saddles=saddles,
    )


def radial_derivative_profile(t: torch.Tensor, u: float) -> torch.Tensor:
    """Evaluate the derivative of eq. 17 along mu = t mu*, in the scaled form of the isotropic case with c = 1.

    g(t) = (t - 1) e^(-u (t - 1)^2 / 2) + (t + 1) e^(-u (t + 1)^2 / 2) - 2 t e^(-2 u t^2), which has the
    sign of d/dt MMD^2(t mu*) (the positive factor C u is dropped).
    """
    return (
        (t - 1.0) * torch.exp(-0.5 * u * (t - 1.0) ** 2)
        + (t + 1.0) * torch.exp(-0.5 * u * (t + 1.0) ** 2)
        - 2.0 * t * torch.exp(-2.0 * u * t**2)
    )
