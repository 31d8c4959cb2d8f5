"""Training losses of section 4, each returning one value per repeat ``(R,)`` so a batch sums them.

* :func:`mmd_loss`: the unbiased MMD^2 of eq. 21 between n fresh model samples and the m data points.
* :func:`one_sided_mmd_loss`: the same with the model side exact (n = infinity), from Lemma 4.
* :func:`mle_loss`: the negative mean log-likelihood.

The repeats are independent, so the gradient of ``loss.sum()`` with respect to a batched parameter holds
each repeat's own gradient in its row.
"""

from __future__ import annotations

import torch

from mmdlib.estimators import mmd2_one_sided, mmd2_unbiased
from mmdlib.models import Model, NoiseSource, Params


def mmd_loss(
    model: Model, params: Params, y: torch.Tensor, sigma2: float | torch.Tensor, n: int, source: NoiseSource
) -> torch.Tensor:
    """Unbiased MMD^2 (eq. 21) between n fresh samples of the model and the data.

    Args:
        model: the model; params: its parameters with leading dimension R.
        y: data ``(R, m, d)``.
        sigma2: kernel variance in exp(-|x-y|^2/(2 sigma2)); float or ``(R,)``.
        n: number of model samples per repeat (n >= 2), m times the fakes ratio in the paper's tables.
        source: noise source for the n samples.

    Returns:
        ``(R,)``; an unbiased estimate, so values can be negative.
    """
    x = model.transform(params, model.draw_noise(source, n))
    return mmd2_unbiased(x, y, sigma2)


def one_sided_mmd_loss(model: Model, params: Params, y: torch.Tensor, sigma2: float | torch.Tensor) -> torch.Tensor:
    """One-sided MMD^2 ("OSMMD"): exact model terms, U-statistic on the data (:func:`mmd2_one_sided`).

    Returns:
        ``(R,)``.
    """
    return mmd2_one_sided(model.closed_form(params), y, sigma2)


def mle_loss(model: Model, params: Params, y: torch.Tensor) -> torch.Tensor:
    """Negative mean log-likelihood -1/m sum_j log p_theta(y_j), ``(R,)``."""
    return -model.log_prob(params, y).mean(-1)
