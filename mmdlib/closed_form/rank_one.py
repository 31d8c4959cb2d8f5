"""Theorem 2 in closed form: gradient, Hessian and stationary set of the rank-one covariance loss.

Theorem, lemma and equation numbers refer to Alon, Globerson and Wiesel, On the Optimization Landscape of Maximum Mean Discrepancy (arXiv 2110.13452).

Model P_a = N(0, a a^T + eps^2 I), truth P_{a*}, kernel exp(-|x - y|^2 / (2 sigma2)). Write
c = 2 eps^2 + sigma2, K = (sigma2 / c)^(d/2), B = |a*|^2, and use the Gram-matrix form of Lemma 4,
det(c I + U U^T) = c^d det(I_2 + U^T U / c) for U = [a, a*]:

    MMD^2(a) = K [ p(a)^(-1/2) + p(a*)^(-1/2) - 2 D(a)^(-1/2) ],
    p(a) = 1 + 2 |a|^2 / c,
    D(a) = 1 + (|a|^2 + B) / c + (|a|^2 B - (a^T a*)^2) / c^2.

Derivatives, with M = (c + B) I - a* a*^T (so grad D = 2 M a / c^2):

    grad = (2 K / c^2) [ -c p^(-3/2) a + D^(-3/2) M a ],
    hess = (2 K / c^2) [ -c p^(-3/2) I + 6 p^(-5/2) a a^T + D^(-3/2) M - 3 c^(-2) D^(-5/2) (M a)(M a)^T ].

``lemma5_gradient_as_printed`` and ``lemma6_hessian_as_printed`` transcribe that paper's Lemmas 5 and 6
unchanged, so that they can be compared with the corrected forms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from mmdlib._validation import check_nonnegative, check_same_device, check_same_dim, check_sigma2, check_vector


def _inputs(
    a: torch.Tensor, a_star: torch.Tensor, eps: float, sigma2: float
) -> tuple[torch.Tensor, torch.Tensor, float, float]:
    a = check_vector("a", a)
    a_star = check_vector("a_star", a_star)
    check_same_dim(a=a, a_star=a_star)
    check_same_device(a=a, a_star=a_star)
    eps = float(check_nonnegative("eps", eps))
    sigma2 = float(check_sigma2(sigma2))
    return a, a_star, 2.0 * eps**2 + sigma2, sigma2


def _dot(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (x * y).sum(-1)


def _outer(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x.unsqueeze(-1) * y.unsqueeze(-2)


def _gram_terms(a: torch.Tensor, a_star: torch.Tensor, c: float) -> tuple[torch.Tensor, ...]:
    """p(a), D(a), B and M a, each broadcast over the leading dimensions."""
    r = _dot(a, a)
    big_b = _dot(a_star, a_star)
    cross = _dot(a, a_star)
    p = 1.0 + 2.0 * r / c
    det_ratio = 1.0 + (r + big_b) / c + (r * big_b - cross**2) / c**2
    m_a = (c + big_b).unsqueeze(-1) * a - cross.unsqueeze(-1) * a_star
    return p, det_ratio, big_b, m_a


def rank_one_loss(a: torch.Tensor, a_star: torch.Tensor, eps: float, sigma2: float) -> torch.Tensor:
    """Population MMD^2 of Theorem 2 (eq. 7) via the 2 x 2 Gram determinant.

    MMD^2 = K [p(a)^(-1/2) + p(a*)^(-1/2) - 2 D(a)^(-1/2)] with the notation of the module docstring.
    A second route to :func:`mmdlib.closed_form.gaussian_rank_one`, which uses d x d Cholesky factors.

    Args:
        a, a_star: ``(..., d)``.
        eps: noise level eps >= 0 of the covariance a a^T + eps^2 I.
        sigma2: kernel variance.

    Returns:
        Tensor ``(...)``.
    """
    a, a_star, c, sigma2 = _inputs(a, a_star, eps, sigma2)
    d = a.shape[-1]
    p, det_ratio, big_b, _ = _gram_terms(a, a_star, c)
    scale = (sigma2 / c) ** (d / 2)
    return scale * (p.rsqrt() + (1.0 + 2.0 * big_b / c).rsqrt() - 2.0 * det_ratio.rsqrt())


def rank_one_gradient(a: torch.Tensor, a_star: torch.Tensor, eps: float, sigma2: float) -> torch.Tensor:
    """Gradient in a of the Theorem 2 loss (the corrected Lemma 5), valid for any |a*| and sigma2.

    grad = (2 K / c^2) [-c p^(-3/2) a + D^(-3/2) M a], M = (c + |a*|^2) I - a* a*^T.
    For |a*| = 1 it equals the printed Lemma 5, since M = c (1 + c) (a* a*^T + c I)^(-1) then.

    Args:
        a, a_star: ``(..., d)``.
        eps: noise level, >= 0.
        sigma2: kernel variance.

    Returns:
        Tensor ``(..., d)``.
    """
    a, a_star, c, sigma2 = _inputs(a, a_star, eps, sigma2)
    d = a.shape[-1]
    p, det_ratio, _, m_a = _gram_terms(a, a_star, c)
    scale = 2.0 * (sigma2 / c) ** (d / 2) / c**2
    return scale * (-c * p.pow(-1.5).unsqueeze(-1) * a + det_ratio.pow(-1.5).unsqueeze(-1) * m_a)


def rank_one_hessian(a: torch.Tensor, a_star: torch.Tensor, eps: float, sigma2: float) -> torch.Tensor:
    """Hessian in a of the Theorem 2 loss (the corrected Lemma 6).

    hess = (2 K / c^2) [-c p^(-3/2) I + 6 p^(-5/2) a a^T + D^(-3/2) M - 3 c^(-2) D^(-5/2) (M a)(M a)^T].

    Args:
        a, a_star: ``(..., d)``.
        eps: noise level, >= 0.
        sigma2: kernel variance.

    Returns:
        Tensor ``(..., d, d)``, symmetric.
    """
    a, a_star, c, sigma2 = _inputs(a, a_star, eps, sigma2)
    d = a.shape[-1]
    p, det_ratio, big_b, m_a = _gram_terms(a, a_star, c)
    eye = torch.eye(d, dtype=a.dtype, device=a.device)
    m = (c + big_b)[..., None, None] * eye - _outer(a_star, a_star)
    first = -c * p.pow(-1.5)[..., None, None] * eye + 6.0 * p.pow(-2.5)[..., None, None] * _outer(a, a)
    second = det_ratio.pow(-1.5)[..., None, None] * m
    second = second - 3.0 / c**2 * det_ratio.pow(-2.5)[..., None, None] * _outer(m_a, m_a)
    return 2.0 * (sigma2 / c) ** (d / 2) / c**2 * (first + second)


def lemma5_gradient_as_printed(a: torch.Tensor, a_star: torch.Tensor, eps: float, sigma2: float) -> torch.Tensor:
    """Evaluate Lemma 5 (eq. 33) exactly as printed, which is right only for |a*| = 1.

    -2 |2/sigma2 (a a^T + eps^2 I) + I|^(-3/2) sigma2^(-d) c^(d-1) a
    + 2 |1/sigma2 (a a^T + a* a*^T + 2 eps^2 I) + I|^(-3/2) sigma2^(-d) (1 + c) c^(d-1) (a* a*^T + c I)^(-1) a.
    """
    a, a_star, c, sigma2 = _inputs(a, a_star, eps, sigma2)
    d = a.shape[-1]
    p, det_ratio, big_b, _ = _gram_terms(a, a_star, c)
    det_first = (c / sigma2) ** d * p  # |(2 a a^T + c I) / sigma2|
    det_second = (c / sigma2) ** d * det_ratio  # |(a a^T + a* a*^T + c I) / sigma2|
    # (a* a*^T + c I)^(-1) a by the Sherman-Morrison formula
    inv_a = (a - (_dot(a_star, a) / (c + big_b)).unsqueeze(-1) * a_star) / c
    first = -2.0 * (det_first.pow(-1.5) * sigma2 ** (-d) * c ** (d - 1)).unsqueeze(-1) * a
    second = 2.0 * (det_second.pow(-1.5) * sigma2 ** (-d) * (1.0 + c) * c ** (d - 1)).unsqueeze(-1) * inv_a
    return first + second


def lemma6_hessian_as_printed(a: torch.Tensor, a_star: torch.Tensor, eps: float, sigma2: float) -> torch.Tensor:
    """Evaluate Lemma 6 exactly as printed (determinants without the 1/sigma2 factors).

    2 sigma^(-d) c^(d-1) |2 a a^T + c I|^(-3/2) (6 c^(d-1) |2 a a^T + c I|^(-1) a a^T - I)
    + 2 sigma^(-d) c^(d-1) (1 + c) |a a^T + a* a*^T + c I|^(-3/2)
      ((a* a*^T + c I)^(-1) - 3 (1 + c) c^(d-1) |a a^T + a* a*^T + c I|^(-1) N a a^T N),
    N = (a* a*^T + c I)^(-1), sigma = sqrt(sigma2).
    """
    a, a_star, c, sigma2 = _inputs(a, a_star, eps, sigma2)
    d = a.shape[-1]
    p, det_ratio, big_b, _ = _gram_terms(a, a_star, c)
    eye = torch.eye(d, dtype=a.dtype, device=a.device)
    det_first = (c**d * p)[..., None, None]  # |2 a a^T + c I|
    det_second = (c**d * det_ratio)[..., None, None]  # |a a^T + a* a*^T + c I|
    inv = (eye - _outer(a_star, a_star) / (c + big_b)[..., None, None]) / c  # N
    inv_a = (inv @ a.unsqueeze(-1)).squeeze(-1)
    prefactor = 2.0 * sigma2 ** (-d / 2) * c ** (d - 1)
    first = prefactor * det_first.pow(-1.5) * (6.0 * c ** (d - 1) / det_first * _outer(a, a) - eye)
    inner = inv - 3.0 * (1.0 + c) * c ** (d - 1) / det_second * _outer(inv_a, inv_a)
    second = prefactor * (1.0 + c) * det_second.pow(-1.5) * inner
    return first + second


def saddle_ring_exists(a_star_norm2: float, eps: float, sigma2: float) -> bool:
    """Return whether the ring of saddles {a : a^T a* = 0, |a|^2 = r} of Theorem 2 exists (needs d >= 2).

    Stationarity on a* 's orthogonal complement reads (c + r)^3 (c + B) = c (c + 2 r)^3 with B = |a*|^2,
    which has a root r > 0 exactly when 2 c^(1/3) > (c + B)^(1/3), that is B < 7 c = 7 (2 eps^2 + sigma2).
    """
    big_b = float(check_nonnegative("a_star_norm2", a_star_norm2))
    c = 2.0 * float(check_nonnegative("eps", eps)) ** 2 + float(check_sigma2(sigma2))
    return 0.0 < big_b < 7.0 * c


def saddle_radius2(a_star_norm2: float, eps: float, sigma2: float) -> float:
    """Squared radius r = |a|^2 of the ring of saddles (eq. 8 and eq. 12), or NaN where no ring exists.

    r = c ((c + B)^(1/3) - c^(1/3)) / (2 c^(1/3) - (c + B)^(1/3)), c = 2 eps^2 + sigma2, B = |a*|^2,
    positive exactly when 0 < B < 7 c (see :func:`saddle_ring_exists`).
    """
    if not saddle_ring_exists(a_star_norm2, eps, sigma2):
        return math.nan
    c = 2.0 * float(eps) ** 2 + float(sigma2)
    root_c = c ** (1.0 / 3.0)
    root_cb = (c + float(a_star_norm2)) ** (1.0 / 3.0)
    return c * (root_cb - root_c) / (2.0 * root_c - root_cb)


def zero_is_global_maximum(a_star_norm2: float, eps: float, sigma2: float) -> bool:
    """Return whether a = 0 is a global maximum of the Theorem 2 loss.

    a = 0 is always a strict local maximum. As |a| grows the loss tends to K (1 + 2B/c)^(-1/2) from any
    direction, and MMD^2(0) minus that limit is K (1 - 2 (1 + B/c)^(-1/2)). With no other maxima, a = 0
    is global exactly when B >= 3 c, that is |a*|^2 >= 3 (2 eps^2 + sigma2).
    """
    big_b = float(check_nonnegative("a_star_norm2", a_star_norm2))
    c = 2.0 * float(check_nonnegative("eps", eps)) ** 2 + float(check_sigma2(sigma2))
    return big_b >= 3.0 * c


def limit_at_infinity(a_star_norm2: float, eps: float, sigma2: float, d: int) -> float:
    """Return the limit of the Theorem 2 loss as |a| -> infinity in any direction: (sigma2/c)^(d/2) (1 + 2B/c)^(-1/2)."""
    big_b = float(check_nonnegative("a_star_norm2", a_star_norm2))
    c = 2.0 * float(check_nonnegative("eps", eps)) ** 2 + float(check_sigma2(sigma2))
    return (float(sigma2) / c) ** (d / 2) / math.sqrt(1.0 + 2.0 * big_b / c)


def hessian_norm_bound(a_star_norm2: float, eps: float, sigma2: float, d: int) -> float:
    """Compute a bound on the Hessian's spectral norm that holds for every a (a constant for Lemma 7).

    ||hess|| <= 2 K / c [3 + 3 (1 + B/c)^(1/2)]. The first term's bracket has eigenvalues -1 and
    6 r / (c + 2 r) - 1, both at most 2 in size, and p >= 1. The second term uses D >= 1 + (|a|^2 + B)/c
    and ||(a* a*^T + c I)^(-1)|| = 1/c.
    """
    big_b = float(check_nonnegative("a_star_norm2", a_star_norm2))
    c = 2.0 * float(check_nonnegative("eps", eps)) ** 2 + float(check_sigma2(sigma2))
    return 2.0 * (float(sigma2) / c) ** (d / 2) / c * (3.0 + 3.0 * math.sqrt(1.0 + big_b / c))


@dataclass(frozen=True)
class RankOneStationarySet:
    """Stationary points of the Theorem 2 loss.

    Attributes:
        maximum: a = 0, shape ``(d,)``; always a strict local maximum.
        minima: a* and -a*, shape ``(2, d)``; global minima with loss 0.
        saddle_radius2: squared radius of the ring of strict saddles, None when it does not exist
            (|a*|^2 >= 7 c or d = 1).
        saddles: the ring points +-sqrt(r) u for an orthonormal basis u of a*'s orthogonal
            complement, shape ``(2 (d - 1), d)`` (the whole ring for d = 2), or ``(0, d)`` without a ring.
    """

    maximum: torch.Tensor
    minima: torch.Tensor
    saddle_radius2: float | None
    saddles: torch.Tensor


def _orthogonal_complement(v: torch.Tensor) -> torch.Tensor:
    """Orthonormal basis (d - 1, d) of the complement of a non-zero vector v (d,)."""
    d = v.shape[0]
    q, _ = torch.linalg.qr(torch.cat([v[:, None], torch.eye(d, dtype=v.dtype, device=v.device)], dim=1))
    return q[:, 1:d].T


def rank_one_stationary_set(a_star: torch.Tensor, eps: float, sigma2: float) -> RankOneStationarySet:
    """Compute the complete stationary set of the Theorem 2 loss (eq. 8), with the ring's existence condition.

    The gradient vanishes iff a = 0 or a is an eigenvector of M = (c + B) I - a* a*^T with the matching
    eigenvalue condition: a = t a* needs t^2 = 1, and a orthogonal to a* needs |a|^2 = saddle_radius2.

    Args:
        a_star: non-zero truth ``(d,)``.
        eps: noise level, >= 0.
        sigma2: kernel variance.

    Raises:
        ValueError: if a_star is not a non-zero vector of shape ``(d,)``.
    """
    a_star = check_vector("a_star", a_star)
    if a_star.dim() != 1 or not bool((a_star != 0).any()):
        raise ValueError(f"a_star must be a non-zero vector of shape (d,), got shape {tuple(a_star.shape)}")
    d = a_star.shape[0]
    big_b = float(_dot(a_star, a_star))
    radius2 = saddle_radius2(big_b, eps, sigma2) if d >= 2 else math.nan
    if math.isnan(radius2):
        saddles = a_star.new_zeros((0, d))
        radius2_or_none = None
    else:
        basis = _orthogonal_complement(a_star) * math.sqrt(radius2)
        saddles = torch.cat([basis, -basis])
        radius2_or_none = radius2
    return RankOneStationarySet(
        maximum=torch.zeros_like(a_star),
        minima=torch.stack([a_star, -a_star]),
        saddle_radius2=radius2_or_none,
        saddles=saddles,
    )
