"""Linear unmixing (the paper's section 4.3): the mixing model of eq. 22, VCA initialisation and the error of eq. 23.

The model is x_i = A b_i + w_i with A of shape ``(d, r)`` (one endmember per column), abundances
b_i ~ Dirichlet(1_r) on the simplex, and noise w_i ~ N(0, sigma_w2 I). Samples are stored as rows, so a
data matrix ``x`` has shape ``(n, d)`` and equals ``b @ A.T + w``.

VCA (vertex component analysis) follows the description in J. M. P. Nascimento and J. M. B. Dias,
"Vertex component analysis: a fast algorithm to unmix hyperspectral data", IEEE Trans. Geosci. Remote
Sens. 43(4), 2005, pp. 898-910.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from mmdlib._validation import (
    check_integer,
    check_nonnegative,
    check_points,
    check_same_device,
    check_vector,
)

__all__ = [
    "VCAResult",
    "vca",
    "endmember_error",
    "match_endmembers",
    "sample_linear_mixture",
    "project_simplex",
    "estimate_abundances",
]


@dataclass(frozen=True)
class VCAResult:
    """Output of :func:`vca`.

    Attributes:
        endmembers: estimated endmember matrix of shape ``(d, r)``. Column j is the chosen pixel
            ``indices[j]`` after projection onto the estimated signal subspace, which for noise-free data
            is the pixel itself.
        indices: int64 tensor of shape ``(r,)`` with the row numbers of the chosen pixels, all distinct.
        projection: ``"projective"`` (projection onto a hyperplane through the data cone, used at high SNR)
            or ``"subspace"`` (orthogonal projection onto the (r-1)-dimensional principal affine subspace).
        snr_db: the estimated signal-to-noise ratio in dB that chose the projection; ``inf`` when the data
            show no noise outside an r-dimensional subspace (always so for r = d), ``-inf`` when the noise
            power estimate exceeds the total power.
    """

    endmembers: torch.Tensor
    indices: torch.Tensor
    projection: Literal["subspace", "projective"]
    snr_db: float


def _snr_threshold_db(r: int) -> float:
    """SNR in dB above which VCA uses the projective projection: 15 + 10 log10(r), as Nascimento and Dias set it."""
    return 15.0 + 10.0 * math.log10(r)


def _estimate_snr_db(x: torch.Tensor, mean: torch.Tensor, basis: torch.Tensor) -> float:
    """Estimate the SNR in dB from the power captured by an r-dimensional principal subspace.

    With total power P = mean_i |x_i|^2 and captured power P_r = mean_i |U^T (x_i - m)|^2 + |m|^2, and
    white noise of power P_w spread evenly over the d coordinates, P - P_r = P_w (1 - r/d) and
    P_r - (r/d) P = P_s (1 - r/d), so SNR = P_s / P_w = (P_r - (r/d) P) / (P - P_r).
    """
    n, d = x.shape
    r = basis.shape[1]
    total = x.pow(2).sum() / n
    captured = ((x - mean) @ basis).pow(2).sum() / n + mean.pow(2).sum()
    noise_part = float(total - captured)
    signal_part = float(captured - (r / d) * total)
    # The differences are rounding noise when the data lie in the subspace (always so for r = d).
    if noise_part <= 1e-12 * float(total):
        return math.inf
    if signal_part <= 0.0:
        return -math.inf
    return 10.0 * math.log10(signal_part / noise_part)


def _projective_coordinates(x: torch.Tensor, r: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Project onto the top-r singular subspace of x^T x / n and then onto the hyperplane <u, y> = 1.

    Returns the projected data ``(n, r)`` in the scaled coordinates y_i = z_i / <z_i, u> with u the mean
    of the z_i, and the denoised pixels ``(n, d)``. Returns None when some pixel has <z_i, u> <= 0 or close
    to it (zero-mean data, or data outside one half-space), where the division would be invalid.
    """
    n = x.shape[0]
    _, _, vh = torch.linalg.svd(x.T @ x / n)
    basis = vh[:r].T  # (d, r)
    z = x @ basis  # (n, r)
    u = z.mean(dim=0)  # (r,)
    scale = z @ u  # (n,)
    # NOTE: the margin 1e-3 of the largest value is a judgement call; below it the division by <z_i, u>
    # would stretch noise by a factor over 1000.
    if float(scale.min()) <= 1e-3 * float(scale.abs().max()):
        return None
    return z / scale.unsqueeze(-1), z @ basis.T


def _subspace_coordinates(x: torch.Tensor, mean: torch.Tensor, basis: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Project onto the (r-1)-dimensional principal affine subspace and lift by a constant last coordinate.

    Returns y_i = [U^T (x_i - m), c] with c = max_i |U^T (x_i - m)|, shape ``(n, r)``, and the denoised
    pixels m + U U^T (x_i - m), shape ``(n, d)``.
    """
    z = (x - mean) @ basis  # (n, r - 1)
    lift = z.norm(dim=1).max()
    y = torch.cat([z, lift.expand(z.shape[0], 1)], dim=1)  # (n, r)
    return y, mean + z @ basis.T


def vca(x: torch.Tensor, r: int, generator: torch.Generator | None = None) -> VCAResult:
    """Vertex component analysis: pick r pixels that are extreme points of the data simplex.

    Model: x_i = A b_i + w_i with b_i on the probability simplex and some pixels close to pure (b_i a
    vertex). The steps, after Nascimento and Dias (2005):

    1. Estimate the SNR from the power left outside the r-dimensional principal subspace (their eq. 13).
    2. Above 15 + 10 log10(r) dB, project onto the top-r singular subspace of x^T x / n and divide every
       pixel by its inner product with the mean direction (projective projection). Below it, or when some
       pixel is not in the half-space that division needs (zero-mean data), project onto the
       (r-1)-dimensional principal affine subspace and append a constant coordinate (subspace projection).
       Either way the projected pixels y_i in R^r form a simplex whose vertices are the endmembers.
    3. Start from the basis {e_r}. For j = 1..r draw a Gaussian direction, remove its component in the
       span of the pixels chosen so far (and of e_r at j = 1), and take the pixel with the largest
       absolute projection on it. Pixels already chosen are excluded, so the r indices are distinct.

    All computation runs in float64 after dividing x by max |x_ij|, so inputs up to the float64 limit
    neither overflow nor underflow; the endmembers come back in the dtype of x.

    Args:
        x: data of shape ``(n, d)``, one pixel per row, float32 or float64.
        r: number of endmembers, 2 <= r <= min(n, d).
        generator: torch.Generator for the random directions (the global generator when None). Equal
            generator states give equal results.

    Returns:
        :class:`VCAResult` with ``endmembers (d, r)``, ``indices (r,)``, ``projection`` and ``snr_db``.

    Raises:
        TypeError: x not a float32/float64 tensor, r not an integer, generator not a torch.Generator.
        ValueError: x not 2-D, containing NaN or inf, or all zero; r < 2, r > d or r > n; or the data
            spanning fewer than r affinely independent directions, so that no r distinct vertices exist.
    """
    x = check_points("x", x)
    if x.dim() != 2:
        raise ValueError(f"x must have shape (n, d) with one pixel per row, got shape {tuple(x.shape)}")
    n, d = x.shape
    r = check_integer("r", r, minimum=1)
    if r < 2:
        raise ValueError(
            f"r must be at least 2, got {r}; with one endmember all pixels are equally extreme, so estimate "
            "it with x.mean(0) instead"
        )
    if r > d:
        raise ValueError(f"r must be at most the dimension d = {d} of the pixels, got r = {r}")
    if r > n:
        raise ValueError(f"r must be at most the number of pixels n = {n}, got r = {r}")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")

    scale = x.detach().abs().max().double()
    if float(scale) == 0.0:
        raise ValueError("x is all zeros, so it has no vertices; pass the data matrix of shape (n, d)")
    data = x.detach().double() / scale  # (n, d), entries in [-1, 1]

    mean = data.mean(dim=0)  # (d,)
    _, _, vh = torch.linalg.svd((data - mean).T @ (data - mean) / n)
    snr_db = _estimate_snr_db(data, mean, vh[:r].T)

    projected = None
    if snr_db > _snr_threshold_db(r):
        projected = _projective_coordinates(data, r)
    if projected is None:
        y, denoised = _subspace_coordinates(data, mean, vh[: r - 1].T)
        projection: Literal["subspace", "projective"] = "subspace"
    else:
        y, denoised = projected
        projection = "projective"

    indices = _pick_vertices(y, r, generator, tolerance=1e3 * torch.finfo(x.dtype).eps)
    index_tensor = torch.tensor(indices, dtype=torch.int64, device=x.device)
    endmembers = (denoised[index_tensor] * scale).T.to(x.dtype)  # (d, r)
    return VCAResult(endmembers=endmembers, indices=index_tensor, projection=projection, snr_db=snr_db)


def _pick_vertices(y: torch.Tensor, r: int, generator: torch.Generator | None, *, tolerance: float) -> list[int]:
    """Run the VCA loop on projected pixels y of shape ``(n, r)``; return r distinct row numbers."""
    n = y.shape[0]
    gen_device = generator.device if generator is not None else torch.device("cpu")
    spread = float(y.norm(dim=1).max())
    basis = torch.zeros(r, 0, dtype=y.dtype, device=y.device)  # orthonormal columns
    start = torch.zeros(r, 1, dtype=y.dtype, device=y.device)
    start[-1, 0] = 1.0
    chosen: list[int] = []
    available = torch.ones(n, dtype=torch.bool, device=y.device)
    for step in range(r):
        span = start if step == 0 else basis
        w = torch.randn(r, generator=generator, dtype=torch.float64, device=gen_device).to(y.device)
        # Two passes of Gram-Schmidt keep f orthogonal to the span to rounding accuracy.
        f = w - span @ (span.T @ w)
        f = f - span @ (span.T @ f)
        f = f / f.norm()
        score = (y @ f).abs()  # (n,)
        score = torch.where(available, score, torch.full_like(score, -1.0))
        best = int(torch.argmax(score))
        if float(score[best]) <= tolerance * spread:
            raise ValueError(
                f"x spans only {step} affinely independent direction(s) after projection, so {r} distinct "
                f"vertices cannot be found; lower r to at most {max(step, 1)} or check the data for duplicates"
            )
        chosen.append(best)
        available[best] = False
        # Orthonormalise the new vertex against the earlier ones for the next projection.
        v = y[best]
        v = v - basis @ (basis.T @ v)
        v = v - basis @ (basis.T @ v)
        norm = v.norm()
        if float(norm) > tolerance * spread:
            basis = torch.cat([basis, (v / norm).unsqueeze(-1)], dim=1)
    return chosen


def match_endmembers(a_hat: torch.Tensor, a_star: torch.Tensor) -> torch.Tensor:
    """Column permutation pi minimising sum_i |a_hat_i - a_star_{pi(i)}|^2 (the minimiser in eq. 23).

    Solved exactly as a linear assignment problem (Hungarian method, scipy.optimize.linear_sum_assignment)
    on the ``(r, r)`` matrix of squared column distances.

    Args:
        a_hat: estimate of shape ``(d, r)``.
        a_star: truth of shape ``(d, r)``.

    Returns:
        int64 tensor ``pi`` of shape ``(r,)``: column i of a_hat is matched with column ``pi[i]`` of a_star.

    Raises:
        TypeError / ValueError: non-float tensors, NaN or inf, shapes that are not both ``(d, r)``.
    """
    a_hat, a_star = _check_endmember_pair(a_hat, a_star)
    cost = (a_hat.detach().double().unsqueeze(-1) - a_star.detach().double().unsqueeze(-2)).pow(2).sum(0)
    rows, cols = linear_sum_assignment(cost.cpu().numpy())
    perm = np.empty_like(cols)
    perm[rows] = cols
    return torch.as_tensor(perm, dtype=torch.int64, device=a_hat.device)


def endmember_error(a_hat: torch.Tensor, a_star: torch.Tensor) -> torch.Tensor:
    """Unmixing error of eq. 23: d(A, A*) = min over permutations pi of sum_i |a_i - a*_{pi(i)}|^2.

    The sum of squared Euclidean distances between matched columns, with no normalisation by r or by
    the size of A*; the columns are matched by :func:`match_endmembers`.

    Args:
        a_hat: estimate of shape ``(d, r)``.
        a_star: truth of shape ``(d, r)``.

    Returns:
        0-dimensional tensor in the common dtype; differentiable in both arguments for the fixed
        optimal permutation.

    Raises:
        TypeError / ValueError: as :func:`match_endmembers`.
    """
    perm = match_endmembers(a_hat, a_star)
    return (a_hat - a_star[:, perm]).pow(2).sum()


def _check_endmember_pair(a_hat: object, a_star: object) -> tuple[torch.Tensor, torch.Tensor]:
    a_hat = check_points("a_hat", a_hat)
    a_star = check_points("a_star", a_star)
    check_same_device(a_hat=a_hat, a_star=a_star)
    if a_hat.dim() != 2 or a_hat.shape != a_star.shape:
        raise ValueError(
            f"a_hat and a_star must both have shape (d, r) with one endmember per column, got "
            f"{tuple(a_hat.shape)} and {tuple(a_star.shape)}"
        )
    return a_hat, a_star


def sample_linear_mixture(
    a_star: torch.Tensor,
    n: int,
    sigma_w2: float,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw n pixels from the linear mixing model of eq. 22: x_i = A* b_i + w_i.

    b_i ~ Dirichlet(1_r) (uniform on the simplex, drawn as normalised Exp(1) variables) and
    w_i ~ N(0, sigma_w2 I_d).

    Args:
        a_star: endmember matrix of shape ``(d, r)``.
        n: number of pixels, at least 1.
        sigma_w2: noise variance sigma_w^2 (not the standard deviation), at least 0.
        generator: torch.Generator on the device of a_star, or None for the global generator.

    Returns:
        ``(x, b)`` with pixels x of shape ``(n, d)`` and abundances b of shape ``(n, r)``, in a_star's dtype.

    Raises:
        TypeError / ValueError: a_star not a finite float ``(d, r)`` tensor, n < 1, sigma_w2 < 0.
    """
    a_star = check_points("a_star", a_star)
    if a_star.dim() != 2:
        raise ValueError(f"a_star must have shape (d, r), got {tuple(a_star.shape)}")
    n = check_integer("n", n, minimum=1)
    sigma_w2 = check_nonnegative("sigma_w2", sigma_w2)
    d, r = a_star.shape
    kwargs = {"generator": generator, "dtype": a_star.dtype, "device": a_star.device}
    # 1 - U lies in (0, 1], so the logarithm is finite.
    expo = -torch.log1p(-torch.rand(n, r, **kwargs))  # (n, r), Exp(1)
    b = expo / expo.sum(dim=1, keepdim=True)
    noise = torch.randn(n, d, **kwargs) * math.sqrt(float(sigma_w2))
    return b @ a_star.T + noise, b


def project_simplex(v: torch.Tensor) -> torch.Tensor:
    """Euclidean projection of each row onto the probability simplex {b : b >= 0, sum b = 1}.

    Sort-based algorithm: with u the row sorted in decreasing order, rho the largest k with
    u_k - (sum_{j<=k} u_j - 1) / k > 0 and tau = (sum_{j<=rho} u_j - 1) / rho, the projection is
    max(v - tau, 0).

    Args:
        v: tensor of shape ``(..., r)``.

    Returns:
        Tensor of the same shape whose rows are non-negative and sum to 1.

    Raises:
        TypeError / ValueError: v not a finite float tensor with at least one dimension.
    """
    v = check_vector("v", v)
    r = v.shape[-1]
    u, _ = torch.sort(v, dim=-1, descending=True)
    cumulative = u.cumsum(dim=-1) - 1.0
    k = torch.arange(1, r + 1, dtype=v.dtype, device=v.device)
    positive = u - cumulative / k > 0  # (..., r); true for k = 1 at least
    rho = positive.to(torch.int64).cumsum(dim=-1).argmax(dim=-1, keepdim=True)  # last True position
    tau = cumulative.gather(-1, rho) / (rho + 1).to(v.dtype)
    return (v - tau).clamp_min(0.0)


def estimate_abundances(
    x: torch.Tensor,
    a: torch.Tensor,
    n_iter: int = 500,
) -> torch.Tensor:
    """Fully constrained least squares abundances: argmin_b |x_i - A b|^2 with b >= 0 and sum b = 1.

    Solved for all pixels at once by accelerated projected gradient (FISTA) with step 1/L,
    L = |A^T A|_2, and :func:`project_simplex`; the objective error after k steps is at most
    2 L |b_0 - b*|^2 / (k + 1)^2.

    Args:
        x: pixels of shape ``(n, d)``.
        a: endmember matrix of shape ``(d, r)``.
        n_iter: number of gradient steps, at least 1.

    Returns:
        Abundances of shape ``(n, r)`` on the simplex.

    Raises:
        TypeError / ValueError: non-float or non-finite tensors, wrong shapes, n_iter < 1, or an all-zero A.
    """
    x = check_points("x", x)
    a = check_points("a", a)
    check_same_device(x=x, a=a)
    if x.dim() != 2 or a.dim() != 2 or a.shape[0] != x.shape[1]:
        raise ValueError(
            f"x must have shape (n, d) and a shape (d, r) with the same d, got {tuple(x.shape)} and {tuple(a.shape)}"
        )
    n_iter = check_integer("n_iter", n_iter, minimum=1)
    dtype = torch.float64 if torch.float64 in (x.dtype, a.dtype) else torch.float32
    x, a = x.to(dtype), a.to(dtype)
    gram = a.T @ a  # (r, r)
    lipschitz = float(torch.linalg.matrix_norm(gram, ord=2))
    if lipschitz == 0.0:
        raise ValueError("a is all zeros, so the abundances are not identifiable; pass a non-zero endmember matrix")
    target = x @ a  # (n, r)
    r = a.shape[1]
    b = torch.full((x.shape[0], r), 1.0 / r, dtype=dtype, device=x.device)
    z, t = b, 1.0
    for _ in range(n_iter):
        b_next = project_simplex(z - (z @ gram - target) / lipschitz)
        t_next = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
        z = b_next + ((t - 1.0) / t_next) * (b_next - b)
        b, t = b_next, t_next
    return b
