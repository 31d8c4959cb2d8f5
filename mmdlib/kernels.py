"""The Gaussian (RBF) kernel k(x, y) = exp(-|x - y|^2 / (2 sigma2)) and its building blocks."""

from __future__ import annotations

from typing import Literal

import torch

from mmdlib._validation import (
    check_broadcast,
    check_parameter_device,
    check_points,
    check_same_device,
    check_same_dim,
    check_sigma2,
    check_sigma2_fits,
    parameter_shape,
)


def squared_distances(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Pairwise squared distances |x_i - y_j|^2 as sums of squared differences.

    Built from differences, not from ``|x|^2 + |y|^2 - 2 x.y`` or ``torch.cdist``, so the result is never
    negative, keeps its accuracy in float32 for points far from the origin, and has correct first and
    second derivatives, also at coincident points.

    Args:
        x: points of shape ``(..., n, d)``.
        y: points of shape ``(..., m, d)``; leading dimensions broadcast against those of ``x``.

    Returns:
        Tensor of shape ``(..., n, m)``. Memory is O(n m d); for large samples use
        :func:`squared_distances_centred` or :func:`mmdlib.estimators.mmd2_biased_chunked`.

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: for NaN or infinite points, mismatched d, batch shapes that do not broadcast, or
            tensors on different devices.
    """
    x = check_points("x", x)
    y = check_points("y", y)
    check_same_dim(x=x, y=y)
    check_same_device(x=x, y=y)
    check_broadcast(x=x.shape[:-2], y=y.shape[:-2])
    diff = x.unsqueeze(-2) - y.unsqueeze(-3)  # (..., n, m, d)
    return diff.pow(2).sum(-1)


def squared_distances_centred(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Pairwise squared distances |x_i - y_j|^2 from inner products of centred points.

    With c the mean of all points of x and y (per batch), x' = x - c and y' = y - c, the result is
    max(|x'_i|^2 + |y'_j|^2 - 2 x'_i . y'_j, 0). One matrix product replaces the ``(..., n, m, d)``
    difference tensor of :func:`squared_distances`, so memory is O(n m) and the time is a few times lower
    for d >= 2.

    NOTE: the trade-off against :func:`squared_distances`. The clamp keeps the result non-negative, and
    centring keeps float32 accurate for data far from the origin, but the absolute error is about
    eps * (|x'_i|^2 + |y'_j|^2) rather than eps * |x_i - y_j|^2: pairs much closer than the spread of the
    data lose relative accuracy (k = exp(-D / (2 sigma2)) errs by about eps * spread^2 / sigma2). The
    formula is a polynomial, so first and second derivatives are exact in exact arithmetic, except where
    rounding makes the unclamped value negative (pairs at distance ~0), where the clamp zeroes them.

    Args:
        x: points of shape ``(..., n, d)``.
        y: points of shape ``(..., m, d)``; leading dimensions broadcast against those of ``x``.

    Returns:
        Tensor of shape ``(..., n, m)``.

    Raises:
        ValueError: if the result is NaN or infinite, which happens when squared centred coordinates
            overflow (coordinates beyond about 1.8e19 from the centre in float32, 1.3e154 in float64).
            Then every entry has lost its accuracy, so no fallback is tried: the message names x and/or
            y and suggests ``method="difference"`` (:func:`squared_distances`), whose squares overflow
            only for differences that large, giving kernel value 0.
    """
    x = check_points("x", x)
    y = check_points("y", y)
    check_same_dim(x=x, y=y)
    check_same_device(x=x, y=y)
    check_broadcast(x=x.shape[:-2], y=y.shape[:-2])
    dtype = torch.promote_types(x.dtype, y.dtype)
    x, y = x.to(dtype), y.to(dtype)
    # The distances do not depend on c, so every derivative with respect to c is identically zero.
    # Detaching c therefore changes no gradient or Hessian and only saves the backward pass through the mean.
    centre = ((x.sum(-2, keepdim=True) + y.sum(-2, keepdim=True)) / (x.shape[-2] + y.shape[-2])).detach()
    x_c = x - centre  # (..., n, d)
    y_c = y - centre  # (..., m, d)
    # In-place updates of the product are safe for autograd: the backward of matmul and of the
    # additions does not read this buffer, and clamp_min_ saves what it needs itself.
    d2 = (-2.0 * x_c) @ y_c.transpose(-2, -1)  # (..., n, m)
    x_norm2 = x_c.pow(2).sum(-1)  # (..., n)
    y_norm2 = y_c.pow(2).sum(-1)  # (..., m)
    d2 = d2.add_(x_norm2.unsqueeze(-1)).add_(y_norm2.unsqueeze(-2))
    if not bool(torch.isfinite(d2).all()):
        _raise_overflow(x_c, y_c, x_norm2, y_norm2)
    return d2.clamp_min_(0.0)


def _raise_overflow(x_c: torch.Tensor, y_c: torch.Tensor, x_norm2: torch.Tensor, y_norm2: torch.Tensor) -> None:
    """Raise the error of :func:`squared_distances_centred` when its result is NaN or infinite."""
    names = [name for name, norm2 in (("x", x_norm2), ("y", y_norm2)) if not bool(torch.isfinite(norm2).all())]
    who = " and ".join(names) if names else "x and y"
    verb = "has" if len(names) == 1 else "have"
    largest = max(float(x_c.detach().abs().max()), float(y_c.detach().abs().max()))
    raise ValueError(
        f"squared distances overflow {x_c.dtype}: {who} {verb} centred coordinates up to {largest:.3g}, whose squares "
        f"exceed {torch.finfo(x_c.dtype).max:.3g}; use method=\"difference\", which squares only differences, "
        "or rescale the data"
    )


def _as_kernel_scale(sigma2: float | torch.Tensor, like: torch.Tensor) -> float | torch.Tensor:
    """Return sigma2 shaped to broadcast against a ``(..., n, m)`` Gram matrix."""
    if isinstance(sigma2, torch.Tensor):
        return sigma2.to(like.dtype).unsqueeze(-1).unsqueeze(-1)
    return sigma2


DistanceMethod = Literal["difference", "centred"]


def gaussian_kernel(
    x: torch.Tensor,
    y: torch.Tensor,
    sigma2: float | torch.Tensor,
    *,
    method: DistanceMethod = "difference",
) -> torch.Tensor:
    """Gram matrix of the Gaussian kernel, k(x, y) = exp(-|x - y|^2 / (2 sigma2)).

    Args:
        x: points of shape ``(..., n, d)``.
        y: points of shape ``(..., m, d)``.
        sigma2: the kernel variance sigma^2 (not sigma, not gamma = 1 / (2 sigma^2)); a positive float or
            a tensor whose shape broadcasts against the leading dimensions ``...``.
        method: ``"difference"`` for :func:`squared_distances` (exact for close pairs, O(n m d) memory) or
            ``"centred"`` for :func:`squared_distances_centred` (one matrix product, O(n m) memory).

    Returns:
        Tensor of shape ``(..., n, m)``.

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: for mismatched d, non-positive or non-finite sigma2, sigma2 outside the range of the
            points' dtype, NaN or infinite points, batch shapes that do not broadcast, tensors on different
            devices, or an unknown method.
    """
    sigma2 = check_sigma2(sigma2)
    if method == "difference":
        d2 = squared_distances(x, y)
    elif method == "centred":
        d2 = squared_distances_centred(x, y)
    else:
        raise ValueError(f"method must be 'difference' or 'centred', got {method!r}")
    check_parameter_device("sigma2", sigma2, d2.device)
    check_broadcast(points=d2.shape[:-2], sigma2=parameter_shape(sigma2))
    check_sigma2_fits(sigma2, d2.dtype)
    return torch.exp(d2 / (-2.0 * _as_kernel_scale(sigma2, d2)))


def median_heuristic(x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
    """Median heuristic for sigma2: half the median of the pairwise squared distances between distinct pairs.

    With sigma2 = median(|x_i - x_j|^2) / 2 the kernel equals exp(-1) at the median pair. Pairs of
    identical points are left out, so duplicated samples do not pull the median to zero.

    Args:
        x: points of shape ``(n, d)``.
        y: optional second sample ``(m, d)``, pooled with ``x``.

    Returns:
        A 0-dimensional tensor.

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: when fewer than two distinct points exist, so no positive distance is available, and
            for NaN or infinite points, shapes other than (n, d), mismatched d or different devices.
    """
    x = check_points("x", x)
    if x.dim() != 2:
        raise ValueError(f"x must have shape (n, d), got {tuple(x.shape)}")
    if y is not None:
        y = check_points("y", y)
        if y.dim() != 2:
            raise ValueError(f"y must have shape (m, d), got {tuple(y.shape)}")
        check_same_dim(x=x, y=y)
        check_same_device(x=x, y=y)
    pooled = x if y is None else torch.cat([x, y], dim=0)
    d2 = squared_distances(pooled, pooled)
    upper = torch.triu_indices(d2.shape[0], d2.shape[1], offset=1, device=d2.device)
    pairs = d2[upper[0], upper[1]]
    pairs = pairs[pairs > 0]
    if pairs.numel() == 0:
        raise ValueError("median_heuristic needs at least two distinct points, but all points coincide")
    return pairs.median() / 2.0
