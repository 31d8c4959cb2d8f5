"""Training losses of section 4, each returning one value per repeat ``(R,)`` so a batch sums them.

* :func:`mmd_loss`: the unbiased MMD^2 of eq. 21 between n fresh model samples and the m data points.
* :func:`one_sided_mmd_loss`: the same with the model side exact (n = infinity), from Lemma 4.
* :func:`mle_loss`: the negative mean log-likelihood.

The repeats are independent, so the gradient of ``loss.sum()`` with respect to a batched parameter contains
each repeat's own gradient in its row.
"""

from __future__ import annotations

import torch

from mmdlib._validation import (
    check_broadcast,
    check_integer,
    check_points,
    check_same_dim,
    check_sigma2,
    check_sigma2_fits,
    parameter_shape,
)
from mmdlib.estimators import mmd2_one_sided, mmd2_unbiased
from mmdlib.models import Model, NoiseSource, Params


def mmd_loss(
    model: Model,
    params: Params,
    y: torch.Tensor,
    sigma2: float | torch.Tensor,
    n: int,
    source: NoiseSource,
    data_term: torch.Tensor | None = None,
) -> torch.Tensor:
    """Unbiased MMD^2 (eq. 21) between n fresh samples of the model and the data.

    Args:
        model: the model; params: its parameters with leading dimension R.
        y: data ``(R, m, d)``.
        sigma2: kernel variance in exp(-|x-y|^2/(2 sigma2)); float or ``(R,)``.
        n: number of model samples per repeat (n >= 2), m times the fakes ratio of appendix Tables 2 to 5.
        source: noise source for the n samples.
        data_term: the data-only U-statistic ``(R,)`` from :func:`data_u_statistic`, which does not change
            during training; computed here when None.

    Returns:
        ``(R,)``; an unbiased estimate, so values can be negative.
    """
    n = check_integer("n", n, minimum=2)
    x = model.transform(params, model.draw_noise(source, n))
    return mmd2_unbiased_fast(x, y, sigma2, data_term)


def _gram(x: torch.Tensor, y: torch.Tensor, scale: float | torch.Tensor) -> torch.Tensor:
    """exp(-|x_i - y_j|^2 / (2 sigma2)) from |x|^2 + |y|^2 - 2 x.y, clamped at zero; ``(R, n, m)``."""
    d2 = x.pow(2).sum(-1).unsqueeze(-1) + y.pow(2).sum(-1).unsqueeze(-2) - 2.0 * x @ y.transpose(-2, -1)
    return torch.exp(-d2.clamp_min(0.0) * scale)


def _offdiag_mean(gram: torch.Tensor) -> torch.Tensor:
    n = gram.shape[-1]
    return (gram.sum((-2, -1)) - torch.diagonal(gram, dim1=-2, dim2=-1).sum(-1)) / (n * (n - 1))


def _scale(sigma2: float | torch.Tensor) -> float | torch.Tensor:
    return 0.5 / sigma2[..., None, None] if isinstance(sigma2, torch.Tensor) else 0.5 / sigma2


def data_u_statistic(y: torch.Tensor, sigma2: float | torch.Tensor) -> torch.Tensor:
    """1/(m(m-1)) sum_{i != j} k(y_i, y_j), the data term of eq. 21, ``(R,)``.

    Raises:
        TypeError, ValueError: for y that is not a finite float tensor ``(..., m, d)`` with m >= 2, or
            sigma2 that is not positive and finite.
    """
    y = check_points("y", y)
    check_integer("m (rows of y)", y.shape[-2], minimum=2)
    sigma2 = check_sigma2(sigma2)
    check_sigma2_fits(sigma2, y.dtype)
    y = y - y.mean(-2, keepdim=True)
    return _offdiag_mean(_gram(y, y, _scale(sigma2)))


def mmd2_unbiased_fast(
    x: torch.Tensor, y: torch.Tensor, sigma2: float | torch.Tensor, data_term: torch.Tensor | None = None
) -> torch.Tensor:
    """Eq. 21 like :func:`mmdlib.estimators.mmd2_unbiased`, with Gram matrices from matrix products.

    ``mmd2_unbiased`` forms all differences x_i - y_j, an ``(R, n, m, d)`` tensor, so that its second
    derivatives stay exact. Training needs first derivatives only, so matrix products, several times
    faster, do here. Both samples are centred at the data mean first, which keeps the expansion
    |x|^2 + |y|^2 - 2 x.y accurate in float32 for data far from the origin.

    Args:
        x: ``(R, n, d)``; y: ``(R, m, d)``; sigma2: float or ``(R,)``.
        data_term: precomputed :func:`data_u_statistic` of y, or None to compute it.

    Returns:
        ``(R,)``.

    Raises:
        TypeError, ValueError: for n < 2 or m < 2, mismatched d, y that is not a finite float tensor,
            sigma2 that is not positive and finite, or batch shapes that do not broadcast. The model
            sample x is not checked for NaN, so a diverged repeat gives NaN in its own row only.
    """
    y = check_points("y", y)
    check_integer("n (rows of x)", x.shape[-2], minimum=2)
    check_integer("m (rows of y)", y.shape[-2], minimum=2)
    check_same_dim(x=x, y=y)
    sigma2 = check_sigma2(sigma2)
    check_broadcast(x=x.shape[:-2], y=y.shape[:-2], sigma2=parameter_shape(sigma2))
    check_sigma2_fits(sigma2, y.dtype)
    center = y.mean(-2, keepdim=True).detach()
    x, y = x - center, y - center
    scale = _scale(sigma2)
    if data_term is None:
        data_term = _offdiag_mean(_gram(y, y, scale))
    return _offdiag_mean(_gram(x, x, scale)) + data_term - 2.0 * _gram(x, y, scale).mean((-2, -1))


def one_sided_mmd_loss(
    model: Model,
    params: Params,
    y: torch.Tensor,
    sigma2: float | torch.Tensor,
    data_term: torch.Tensor | None = None,
) -> torch.Tensor:
    """One-sided MMD^2 ("OSMMD"): exact model terms, U-statistic on the data (:func:`mmd2_one_sided`).

    Args:
        model: the model; params: its parameters with leading dimension R.
        y: data ``(R, m, d)``.
        sigma2: kernel variance in exp(-|x-y|^2/(2 sigma2)); float or ``(R,)``.
        data_term: the data-only U-statistic ``(R,)`` from :func:`data_u_statistic`, which does not change
            during training; computed here when None.

    Returns:
        ``(R,)``.
    """
    closed = model.closed_form(params)
    if data_term is None:
        return mmd2_one_sided(closed, y, sigma2)
    return closed.expected_kernel(closed, sigma2) - 2.0 * closed.kernel_mean(y, sigma2).mean(-1) + data_term


def mle_loss(model: Model, params: Params, y: torch.Tensor) -> torch.Tensor:
    """Negative mean log-likelihood -1/m sum_j log p_theta(y_j), ``(R,)``."""
    return -model.log_prob(params, y).mean(-1)
