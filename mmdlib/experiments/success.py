"""Success criteria of section 4 and Wilson intervals for success rates.

* Mean (section 4.1): |mu - mu*| / d < 0.02. For the symmetric mixture, mu and -mu give the same model,
  so the error is min(|mu - mu*|, |mu + mu*|) / d.
* Covariance (section 4.2): |a a^T - a* a*^T|_F / d <= gamma, with gamma = 0.05 for one Gaussian and 0.1 for
  the mixture. The error does not change under a -> -a, the model's own symmetry.
* Unmixing (eq. 23): d(A, A*) = min over permutations pi of sum_i |a_i - a*_pi(i)|^2, solved exactly by
  ``scipy.optimize.linear_sum_assignment`` on the matrix of squared column distances.
"""

from __future__ import annotations

import math
import numbers

import torch
from scipy.stats import norm

from mmdlib._validation import check_integer
from mmdlib.unmixing import endmember_error


def _check_same_d(name: str, value: torch.Tensor, name_star: str, value_star: torch.Tensor) -> None:
    """Raise unless both tensors have the same last dimension d, which the errors divide by."""
    if value.dim() < 1 or value_star.dim() < 1 or value.shape[-1] != value_star.shape[-1]:
        raise ValueError(
            f"{name} and {name_star} must have shapes (..., d) with the same d, got {tuple(value.shape)} "
            f"and {tuple(value_star.shape)}"
        )


def mean_error(mu: torch.Tensor, mu_star: torch.Tensor) -> torch.Tensor:
    """|mu - mu*| / d for ``(..., d)`` inputs; returns ``(...)``.

    Raises:
        ValueError: if mu and mu_star differ in their last dimension d.
    """
    _check_same_d("mu", mu, "mu_star", mu_star)
    return (mu - mu_star).pow(2).sum(-1).sqrt() / mu.shape[-1]


def mixture_mean_error(mu: torch.Tensor, mu_star: torch.Tensor) -> torch.Tensor:
    """min(|mu - mu*|, |mu + mu*|) / d, the mean error up to the mixture's sign symmetry."""
    return torch.minimum(mean_error(mu, mu_star), mean_error(mu, -mu_star))


def covariance_error(a: torch.Tensor, a_star: torch.Tensor) -> torch.Tensor:
    """|a a^T - a* a*^T|_F / d for ``(..., d)`` inputs, invariant to a -> -a; returns ``(...)``.

    Uses |a a^T - b b^T|_F^2 = |a|^4 + |b|^4 - 2 (a.b)^2, exact and free of d x d matrices.

    Raises:
        ValueError: if a and a_star differ in their last dimension d.
    """
    _check_same_d("a", a, "a_star", a_star)
    aa = a.pow(2).sum(-1)
    bb = a_star.pow(2).sum(-1)
    ab = (a * a_star).sum(-1)
    return (aa.pow(2) + bb.pow(2) - 2 * ab.pow(2)).clamp_min(0).sqrt() / a.shape[-1]


def unmixing_distance(A: torch.Tensor, A_star: torch.Tensor) -> torch.Tensor:
    """d(A, A*) of eq. 23: min over column permutations of the summed squared column distances.

    Checks its inputs for the experiment runner, then calls :func:`mmdlib.unmixing.endmember_error`.

    Args:
        A, A_star: ``(..., d, r)``.

    Returns:
        ``(...)`` on A's device and dtype.

    Raises:
        TypeError: if A or A_star is not a tensor.
        ValueError: if A or A_star has NaN or infinite entries, or their shapes differ.
    """
    for name, value in (("A", A), ("A_star", A_star)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor of shape (..., d, r), got {type(value).__name__}")
        if not bool(torch.isfinite(value).all()):
            raise ValueError(
                f"{name} contains NaN or infinite entries, so no column matching exists; "
                "drop diverged runs (non-finite A) before computing the distance"
            )
    if A.shape != A_star.shape:
        raise ValueError(f"A and A_star must have the same shape (..., d, r), got {tuple(A.shape)} and "
                         f"{tuple(A_star.shape)}")
    return endmember_error(A, A_star).detach()


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    With p = k/n and z the (1 + level)/2 normal quantile, the bounds are
    (p + z^2/(2n) -+ z sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n).

    Raises:
        TypeError: if successes or trials is not an integer, or level is not a real number.
        ValueError: if trials < 1, successes is outside [0, trials] or level is outside (0, 1).
    """
    check_integer("trials", trials, minimum=1)
    check_integer("successes", successes, minimum=0)
    if successes > trials:
        raise ValueError(f"successes must be at most trials={trials}, got {successes}")
    if isinstance(level, bool) or not isinstance(level, numbers.Real):
        raise TypeError(f"level must be a number in (0, 1) such as 0.95, got {type(level).__name__} {level!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    z = float(norm.ppf(0.5 + level / 2))
    p = successes / trials
    denom = 1 + z * z / trials
    center = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, center - half), min(1.0, center + half)
