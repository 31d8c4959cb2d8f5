"""Stationary-point census of the section 4.2 model, a two-component mixture with rank-one covariance.

The model is P_a = 1/2 N(m, a a^T + eps^2 I) + 1/2 N(-m, a a^T + eps^2 I) with a known mean m and an
unknown a, fitted to P_{a*} by the population MMD^2 of :func:`mmdlib.closed_form.mixture_rank_one`.
Alon, Globerson and Wiesel (arXiv 2110.13452) prove no landscape theorem for this model. This module finds every stationary point of the
loss in d = 2 over a grid of settings (|m|, |a*|, the angle between a* and m, sigma2) and flags minima
other than the global minima a = +-a*.

The search is self-contained: a batched Levenberg-Marquardt iteration drives |grad f|^2 to zero from a
grid of starts, a few Newton steps polish the roots, nearby roots are merged, and the Hessian eigenvalues
classify each point with the kind names of :data:`mmdlib.plotting.KIND_STYLES`.

Run the larger grid from the command line::

    python -m mmdlib.census --scale full
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from mmdlib._validation import check_integer, check_nonnegative, check_positive, check_tensor
from mmdlib.closed_form import mixture_rank_one

Loss = Callable[[torch.Tensor], torch.Tensor]

KINDS = ("minimum", "strict saddle", "maximum", "degenerate")

# Noise level eps of the covariance a a^T + eps^2 I, the same in every census setting.
EPS = 0.1


# ----------------------------------------------------------------------------------------------------
# Generic batched search
# ----------------------------------------------------------------------------------------------------


def gradient_and_hessian(fn: Loss, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Value, gradient and Hessian of a batched loss at many points.

    ``fn`` maps ``(..., d)`` to ``(...)`` and must treat every batch entry independently, so the
    gradient of ``fn(points).sum()`` with respect to ``points[i]`` is the gradient of the i-th loss.
    The Hessian then takes d more backward passes, one per coordinate.

    Args:
        fn: batched loss, differentiable twice.
        points: ``(..., d)``.

    Returns:
        values ``(...)``, gradients ``(..., d)`` and Hessians ``(..., d, d)``, all detached.

    Raises:
        ValueError: if ``fn(points)`` is not a tensor of shape ``(...)`` that depends on ``points``.
    """
    x = points.detach().clone().requires_grad_(True)
    values = fn(x)
    batch = tuple(x.shape[:-1])
    if not isinstance(values, torch.Tensor) or tuple(values.shape) != batch:
        got = f"shape {tuple(values.shape)}" if isinstance(values, torch.Tensor) else type(values).__name__
        raise ValueError(
            f"fn must map points {tuple(x.shape)} to one loss per point, shape {batch}, got {got}; "
            "write fn for a batch (..., d), e.g. reduce over the last dimension only"
        )
    if not values.requires_grad:
        raise ValueError("fn's output does not depend on its input points (no autograd graph), so it has no gradient")
    (grad,) = torch.autograd.grad(values.sum(), x, create_graph=True)
    rows = []
    for j in range(x.shape[-1]):
        (row,) = torch.autograd.grad(grad[..., j].sum(), x, retain_graph=j + 1 < x.shape[-1])
        rows.append(row)
    hessian = torch.stack(rows, dim=-2)
    hessian = 0.5 * (hessian + hessian.transpose(-2, -1))
    return values.detach(), grad.detach(), hessian.detach()


def solve_stationary(
    fn: Loss,
    starts: torch.Tensor,
    *,
    iterations: int = 60,
    newton_steps: int = 6,
    damping: float = 1e-3,
    max_step: float | torch.Tensor = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run batched Levenberg-Marquardt on |grad f(x)|^2 from every start, then polish with Newton steps.

    One Levenberg-Marquardt step for the residual r = grad f with Jacobian H = hess f is
    x <- x - (H^T H + lambda I)^{-1} H^T r. A step is kept only where it lowers |r|^2, and lambda is
    divided by 3 on success and multiplied by 3 on failure, separately for every start. Because the
    residual is the gradient, the iteration is drawn to minima, saddles and maxima alike. The final
    undamped Newton steps x <- x - H^{-1} r are kept only where they lower |r|. Every step is
    shortened to at most ``max_step``, so a nearly singular H cannot throw a point to where the loss
    overflows.

    Args:
        fn: batched loss ``(..., d) -> (...)``, see :func:`gradient_and_hessian`.
        starts: ``(..., d)`` float64 starting points.
        iterations: Levenberg-Marquardt steps.
        newton_steps: polishing Newton steps.
        damping: initial lambda.
        max_step: maximum step length, a float or a tensor broadcasting against ``(...)``.

    Returns:
        points ``(..., d)`` and the gradient norms there ``(...)``.
    """
    iterations = check_integer("iterations", iterations, minimum=0)
    newton_steps = check_integer("newton_steps", newton_steps, minimum=0)
    x = starts.detach().clone()
    d = x.shape[-1]
    eye = torch.eye(d, dtype=x.dtype, device=x.device)
    lam = torch.full(x.shape[:-1], float(damping), dtype=x.dtype, device=x.device)
    max_step = torch.as_tensor(max_step, dtype=x.dtype, device=x.device)

    def shorten(step: torch.Tensor) -> torch.Tensor:
        length = step.norm(dim=-1).clamp_min(1e-300)
        return step * (max_step / length).clamp(max=1.0)[..., None]

    _, g, h = gradient_and_hessian(fn, x)
    r2 = g.pow(2).sum(-1)
    for _ in range(iterations):
        lhs = h @ h + lam[..., None, None] * eye
        step = torch.linalg.solve(lhs, (h @ g.unsqueeze(-1))).squeeze(-1)
        trial = x - shorten(step)
        _, g_new, h_new = gradient_and_hessian(fn, trial)
        r2_new = g_new.pow(2).sum(-1)
        better = torch.isfinite(r2_new) & (r2_new < r2)
        x = torch.where(better[..., None], trial, x)
        g = torch.where(better[..., None], g_new, g)
        h = torch.where(better[..., None, None], h_new, h)
        r2 = torch.where(better, r2_new, r2)
        lam = torch.where(better, lam / 3.0, lam * 3.0).clamp(1e-12, 1e12)
    for _ in range(newton_steps):
        step, info = torch.linalg.solve_ex(h, g.unsqueeze(-1))
        trial = x - shorten(torch.nan_to_num(step.squeeze(-1), nan=0.0, posinf=0.0, neginf=0.0))
        _, g_new, h_new = gradient_and_hessian(fn, trial)
        r2_new = g_new.pow(2).sum(-1)
        better = (info == 0) & torch.isfinite(r2_new) & (r2_new < r2)
        x = torch.where(better[..., None], trial, x)
        g = torch.where(better[..., None], g_new, g)
        h = torch.where(better[..., None, None], h_new, h)
        r2 = torch.where(better, r2_new, r2)
    return x, r2.sqrt()


def deduplicate(points: torch.Tensor, tol: float) -> torch.Tensor:
    """Merge points closer than ``tol`` (Euclidean), keeping the first of each cluster in input order.

    Args:
        points: ``(n, d)``.
        tol: merge distance, positive.

    Returns:
        Indices ``(k,)`` of the kept points, increasing.

    Raises:
        ValueError: if ``points`` is not two-dimensional or ``tol`` is not positive.
    """
    points = check_tensor("points", points)
    if points.dim() != 2:
        raise ValueError(f"points must have shape (n, d), got {tuple(points.shape)}")
    tol = float(check_positive("tol", tol))
    kept: list[int] = []
    for i in range(points.shape[0]):
        if not kept or bool(((points[kept] - points[i]).pow(2).sum(-1) >= tol**2).all()):
            kept.append(i)
    return torch.tensor(kept, dtype=torch.long)


def classify(eigenvalues: torch.Tensor, tol: float) -> list[str]:
    """Name the kind of stationary points from their Hessian eigenvalues.

    A point is a ``minimum`` if every eigenvalue exceeds ``tol``, a ``maximum`` if every eigenvalue is
    below ``-tol``, a ``strict saddle`` if some eigenvalue is below ``-tol`` (and some above ``tol``),
    and ``degenerate`` otherwise (no negative eigenvalue but some of size at most ``tol``: second
    order information cannot decide). A point with a negative eigenvalue is a strict saddle in the
    sense of Lee et al. (2016) even if another eigenvalue is zero.

    Args:
        eigenvalues: ``(n, d)``.
        tol: non-negative threshold.

    Returns:
        n kind names from :data:`KINDS`.
    """
    eigenvalues = check_tensor("eigenvalues", eigenvalues)
    if eigenvalues.dim() != 2:
        raise ValueError(f"eigenvalues must have shape (n, d), got {tuple(eigenvalues.shape)}")
    if not tol >= 0:
        raise ValueError(f"tol must be non-negative, got {tol}")
    kinds = []
    for row in eigenvalues:
        if bool((row > tol).all()):
            kinds.append("minimum")
        elif bool((row < -tol).all()):
            kinds.append("maximum")
        elif bool((row < -tol).any()):
            kinds.append("strict saddle")
        else:
            kinds.append("degenerate")
    return kinds


@dataclass(frozen=True)
class StationaryPoint:
    """One stationary point: location ``(d,)``, loss value, gradient norm, Hessian eigenvalues and kind."""

    point: torch.Tensor
    value: float
    grad_norm: float
    eigenvalues: torch.Tensor
    kind: str


def find_stationary_points(
    fn: Loss,
    starts: torch.Tensor,
    *,
    radius: float = math.inf,
    grad_tol: float = 1e-9,
    merge_tol: float = 1e-5,
    eig_tol: float = 1e-7,
    iterations: int = 60,
) -> list[StationaryPoint]:
    """Find, merge and classify the stationary points of ``fn`` reached from ``starts``.

    A start counts as converged when the gradient norm at its end point is below ``grad_tol`` and the
    end point lies within ``radius`` of the origin. The radius matters because the gradient of many MMD
    losses also tends to zero at infinity, and the iteration can follow it there.

    Args:
        fn: batched loss ``(..., d) -> (...)``, see :func:`gradient_and_hessian`.
        starts: ``(n, d)`` float64.
        radius: end points farther than this from the origin are dropped.
        grad_tol: gradient norm below which a point is stationary.
        merge_tol: distance below which two stationary points are the same.
        eig_tol: eigenvalue threshold of :func:`classify`.
        iterations: Levenberg-Marquardt steps of :func:`solve_stationary`.

    Returns:
        The distinct stationary points, sorted by loss value.

    Raises:
        TypeError: if ``iterations`` is not an integer.
        ValueError: if ``starts`` is not ``(n, d)``, a tolerance is not positive, or ``fn`` does not
            return one loss per start (see :func:`gradient_and_hessian`).
    """
    starts = check_tensor("starts", starts)
    if starts.dim() != 2 or starts.shape[0] < 1:
        raise ValueError(f"starts must have shape (n, d) with n >= 1, got {tuple(starts.shape)}")
    iterations = check_integer("iterations", iterations, minimum=0)
    for name, value in (("radius", radius), ("grad_tol", grad_tol), ("merge_tol", merge_tol)):
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value}")
    max_step = 0.25 * radius if math.isfinite(radius) else 1.0
    points, grad_norm = solve_stationary(fn, starts, iterations=iterations, max_step=max_step)
    return _collect(fn, points, grad_norm, radius=radius, grad_tol=grad_tol, merge_tol=merge_tol, eig_tol=eig_tol)


def _collect(
    fn: Loss,
    points: torch.Tensor,
    grad_norm: torch.Tensor,
    *,
    radius: float,
    grad_tol: float,
    merge_tol: float,
    eig_tol: float,
) -> list[StationaryPoint]:
    """Keep converged end points ``(n, d)``, merge them and classify the survivors."""
    ok = (grad_norm < grad_tol) & (points.pow(2).sum(-1) <= radius**2)
    points, grad_norm = points[ok], grad_norm[ok]
    if points.shape[0] == 0:
        return []
    order = torch.argsort(grad_norm)  # keep the best polished copy of each point
    points, grad_norm = points[order], grad_norm[order]
    keep = deduplicate(points, merge_tol)
    points, grad_norm = points[keep], grad_norm[keep]
    values, _, hessian = gradient_and_hessian(fn, points)
    eigenvalues = torch.linalg.eigvalsh(hessian)
    kinds = classify(eigenvalues, eig_tol)
    found = [
        StationaryPoint(points[i], float(values[i]), float(grad_norm[i]), eigenvalues[i], kinds[i])
        for i in range(points.shape[0])
    ]
    return sorted(found, key=lambda p: (p.value, p.point.tolist()))


# ----------------------------------------------------------------------------------------------------
# The census of the section 4.2 model
# ----------------------------------------------------------------------------------------------------


def _pair_expectation(
    delta: torch.Tensor, u: torch.Tensor, v: torch.Tensor, eps2: torch.Tensor, sigma2: torch.Tensor
) -> torch.Tensor:
    """E exp(-|Z|^2/(2 sigma2)) for Z ~ N(delta, u u^T + v v^T + 2 eps^2 I), by Lemma 4 and Woodbury.

    With c = 2 eps^2 + sigma2 and U = [u v] ``(..., d, 2)``, M = c I + U U^T gives
    det(I + (U U^T + 2 eps^2 I)/sigma2) = (c/sigma2)^d det(I_2 + U^T U / c) and
    delta^T M^{-1} delta = (|delta|^2 - w^T (c I_2 + U^T U)^{-1} w) / c with w = U^T delta,
    so only 2 x 2 algebra is needed in any dimension d.
    """
    d = delta.shape[-1]
    c = 2.0 * eps2 + sigma2  # (...)
    uu, vv, uv = (u * u).sum(-1), (v * v).sum(-1), (u * v).sum(-1)
    g11, g22, g12 = c + uu, c + vv, uv  # c I_2 + U^T U
    det_g = g11 * g22 - g12 * g12
    wu, wv = (u * delta).sum(-1), (v * delta).sum(-1)
    quad_w = (g22 * wu * wu - 2.0 * g12 * wu * wv + g11 * wv * wv) / det_g
    quad = ((delta * delta).sum(-1) - quad_w) / c
    log_det = d * torch.log(c / sigma2) + torch.log(det_g / (c * c))
    return torch.exp(-0.5 * log_det - 0.5 * quad)


def mixture_rank_one_woodbury(
    a: torch.Tensor,
    a_star: torch.Tensor,
    mean: torch.Tensor,
    eps: float | torch.Tensor,
    sigma2: float | torch.Tensor,
) -> torch.Tensor:
    """Population MMD^2 of the section 4.2 model, the same quantity as :func:`mixture_rank_one`.

    With K(delta; u, v) the expectation of :func:`_pair_expectation`,
    MMD^2 = 1/2 [K(0; a, a) + K(2m; a, a) + K(0; a*, a*) + K(2m; a*, a*)] - K(0; a, a*) - K(2m; a, a*),
    because the component pairs of equal sign differ in mean by 0 and those of opposite sign by +-2m
    (K is even in delta). It needs no Cholesky factor, so the census evaluates it about ten times faster;
    the tests check it against :func:`mixture_rank_one` to float64 round-off.

    Args:
        a, a_star, mean: ``(..., d)``, broadcasting against each other.
        eps: covariance noise level, float or tensor broadcasting against ``(...)``.
        sigma2: kernel variance, float or tensor broadcasting against ``(...)``.

    Returns:
        Tensor ``(...)``. No input checks: the callers in this module validate their settings.
    """
    eps2 = torch.as_tensor(eps, dtype=a.dtype) ** 2
    sigma2 = torch.as_tensor(sigma2, dtype=a.dtype)
    two_m = 2.0 * mean
    zero = torch.zeros_like(two_m)
    model = _pair_expectation(zero, a, a, eps2, sigma2) + _pair_expectation(two_m, a, a, eps2, sigma2)
    truth = _pair_expectation(zero, a_star, a_star, eps2, sigma2) + _pair_expectation(
        two_m, a_star, a_star, eps2, sigma2
    )
    cross = _pair_expectation(zero, a, a_star, eps2, sigma2) + _pair_expectation(two_m, a, a_star, eps2, sigma2)
    return 0.5 * (model + truth) - cross


@dataclass(frozen=True)
class Setting:
    """One census setting in d = 2: m = mean_norm e1, a* = a_star_norm (cos angle, sin angle).

    ``angle_deg`` is the angle between a* and m in degrees, ``sigma2`` the kernel variance of
    exp(-|x-y|^2/(2 sigma2)) and ``eps`` the noise level of the covariance a a^T + eps^2 I.
    """

    mean_norm: float
    a_star_norm: float
    angle_deg: float
    sigma2: float
    eps: float = EPS

    def __post_init__(self) -> None:
        check_nonnegative("mean_norm", self.mean_norm)
        check_positive("a_star_norm", self.a_star_norm)
        check_positive("sigma2", self.sigma2)
        check_positive("eps", self.eps)
        if not 0 <= check_nonnegative("angle_deg", self.angle_deg) <= 180:
            raise ValueError(f"angle_deg must lie in [0, 180], got {self.angle_deg}")

    @property
    def mean(self) -> torch.Tensor:
        """The known mean m, ``(2,)`` float64."""
        return torch.tensor([self.mean_norm, 0.0], dtype=torch.float64)

    @property
    def a_star(self) -> torch.Tensor:
        """The true factor a*, ``(2,)`` float64."""
        t = math.radians(self.angle_deg)
        return self.a_star_norm * torch.tensor([math.cos(t), math.sin(t)], dtype=torch.float64)

    @property
    def radius(self) -> float:
        """Half-width of the square of starts: twice the largest length scale of the setting."""
        return 2.0 * max(self.a_star_norm, self.mean_norm, math.sqrt(self.sigma2))

    def loss(self, a: torch.Tensor) -> torch.Tensor:
        """Population MMD^2 of the section 4.2 model at ``a`` ``(..., 2)``, returns ``(...)``."""
        return mixture_rank_one(a, self.a_star, self.mean, self.eps, self.sigma2)


@dataclass(frozen=True)
class CensusResult:
    """The stationary points of one setting and what they show about spurious minima."""

    setting: Setting
    points: list[StationaryPoint] = field(default_factory=list)
    truth_tol: float = 1e-4

    def count(self, kind: str) -> int:
        """Number of stationary points of the given kind."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        return sum(p.kind == kind for p in self.points)

    @property
    def spurious_minima(self) -> list[StationaryPoint]:
        """Minima other than +-a*, that is farther than ``truth_tol`` from both."""
        a_star = self.setting.a_star
        return [
            p
            for p in self.points
            if p.kind == "minimum" and min(float((p.point - a_star).norm()), float((p.point + a_star).norm())) > self.truth_tol
        ]

    @property
    def found_truth(self) -> bool:
        """Whether both global minima +-a* were found as minima."""
        a_star = self.setting.a_star
        hits = [p for p in self.points if p.kind == "minimum"]
        return all(any(float((p.point - s * a_star).norm()) <= self.truth_tol for p in hits) for s in (1.0, -1.0))


def start_grid(radius: float, per_side: int) -> torch.Tensor:
    """Square grid of ``per_side``^2 starts on [-radius, radius]^2, ``(per_side**2, 2)`` float64.

    An odd ``per_side`` puts a start on the origin, which is stationary for every even loss.
    """
    check_positive("radius", radius)
    per_side = check_integer("per_side", per_side, minimum=2)
    ticks = torch.linspace(-radius, radius, per_side, dtype=torch.float64)
    return torch.cartesian_prod(ticks, ticks)


def run_setting(setting: Setting, per_side: int = 25, iterations: int = 80) -> CensusResult:
    """Census of one setting: starts on a ``per_side`` x ``per_side`` grid over ``setting.radius``."""
    return run_census([setting], per_side=per_side, iterations=iterations)[0]


def run_census(settings: Sequence[Setting], per_side: int = 25, iterations: int = 80) -> list[CensusResult]:
    """Census of many settings, solved in one batch: ``len(settings) * per_side**2`` starts together.

    The settings are stacked along a leading batch dimension, so one Levenberg-Marquardt run serves
    all of them, then each setting's end points are merged and classified on their own.

    Args:
        settings: the settings, any number.
        per_side: starts per side of each setting's square grid.
        iterations: Levenberg-Marquardt steps.

    Returns:
        One :class:`CensusResult` per setting, in order.

    Raises:
        TypeError: if an item of ``settings`` is not a :class:`Setting`, or ``per_side`` or ``iterations``
            is not an integer.
        ValueError: if ``settings`` is empty, ``per_side < 2`` or ``iterations < 0``.

    NOTE: a grid of starts can miss a stationary point with a tiny basin. On :func:`ci_grid`, 41 x 41
    starts with 120 iterations found the same points as the defaults.
    """
    if len(settings) == 0:
        raise ValueError("settings must contain at least one Setting, got an empty sequence")
    for i, setting in enumerate(settings):
        if not isinstance(setting, Setting):
            raise TypeError(
                f"settings[{i}] must be a Setting, got {type(setting).__name__} {setting!r}; "
                "build it with Setting(mean_norm, a_star_norm, angle_deg, sigma2)"
            )
    per_side = check_integer("per_side", per_side, minimum=2)
    iterations = check_integer("iterations", iterations, minimum=0)
    starts = torch.stack([start_grid(s.radius, per_side) for s in settings])  # (S, P, 2)
    a_star = torch.stack([s.a_star for s in settings])[:, None, :]  # (S, 1, 2)
    mean = torch.stack([s.mean for s in settings])[:, None, :]
    sigma2 = torch.tensor([s.sigma2 for s in settings], dtype=torch.float64)[:, None]  # (S, 1)
    eps = torch.tensor([s.eps for s in settings], dtype=torch.float64)[:, None]

    def batched_loss(a: torch.Tensor) -> torch.Tensor:
        return mixture_rank_one_woodbury(a, a_star, mean, eps, sigma2)

    max_step = torch.tensor([0.25 * s.radius for s in settings], dtype=torch.float64)[:, None]  # (S, 1)
    points, grad_norm = solve_stationary(batched_loss, starts, iterations=iterations, max_step=max_step)
    results = []
    for i, setting in enumerate(settings):
        found = _collect(
            setting.loss, points[i], grad_norm[i], radius=2.0 * setting.radius,
            grad_tol=1e-9, merge_tol=1e-5, eig_tol=1e-7,
        )
        results.append(CensusResult(setting, found))
    return results


def settings_grid(
    mean_norms: Sequence[float],
    a_star_norms: Sequence[float],
    angles_deg: Sequence[float],
    sigma2s: Sequence[float],
    eps: float = EPS,
) -> list[Setting]:
    """Return all combinations of the four axes, in the nested order mean, a*, angle, sigma2."""
    return [Setting(*combo, eps=eps) for combo in itertools.product(mean_norms, a_star_norms, angles_deg, sigma2s)]


def ci_grid() -> list[Setting]:
    """Return the 144-setting grid that the book runs: 4 |m| x 3 |a*| x 4 angles x 3 sigma2."""
    return settings_grid([0.0, 0.5, 1.0, 2.0], [0.5, 1.0, 2.0], [0.0, 30.0, 60.0, 90.0], [0.1, 1.0, 10.0])


def full_grid() -> list[Setting]:
    """Return a denser grid of 6 |m| x 4 |a*| x 7 angles x 5 sigma2 = 840 settings, for the command line."""
    return settings_grid(
        [0.0, 0.25, 0.5, 1.0, 1.5, 2.0],
        [0.5, 1.0, 1.5, 2.0],
        [0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0],
        [0.1, 0.3, 1.0, 3.0, 10.0],
    )


def summarize(results: Sequence[CensusResult]) -> dict[str, int]:
    """Count over a census: settings, settings with a spurious minimum, and points of each kind."""
    summary = {
        "settings": len(results),
        "with_spurious": sum(bool(r.spurious_minima) for r in results),
        "spurious_minima": sum(len(r.spurious_minima) for r in results),
        "missed_truth": sum(not r.found_truth for r in results),
    }
    for kind in KINDS:
        summary[kind.replace(" ", "_")] = sum(r.count(kind) for r in results)
    return summary


def loss_on_grid(setting: Setting, extent: float, n: int = 201) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Loss of ``setting`` on an ``n`` x ``n`` grid over [-extent, extent]^2, for contour plots.

    Returns:
        x ``(n, n)``, y ``(n, n)`` and the loss ``(n, n)``, indexed [row = y, column = x].
    """
    check_positive("extent", extent)
    n = check_integer("n", n, minimum=2)
    ticks = torch.linspace(-extent, extent, n, dtype=torch.float64)
    y, x = torch.meshgrid(ticks, ticks, indexing="ij")
    a = torch.stack([x, y], dim=-1)
    values = mixture_rank_one_woodbury(a, setting.a_star, setting.mean, setting.eps, setting.sigma2)
    return x, y, values


def draw_stationary_points(ax, result: CensusResult) -> None:
    """Mark every stationary point of ``result`` by kind and the truth +-a* on a matplotlib Axes."""
    from mmdlib.plotting import KIND_STYLES, TRUTH_STYLE

    for kind in KINDS:
        pts = [p.point for p in result.points if p.kind == kind]
        if pts:
            xy = torch.stack(pts)
            style = KIND_STYLES[kind]
            ax.scatter(xy[:, 0], xy[:, 1], c=style["color"], marker=style["marker"], s=60,
                       edgecolors="white", linewidths=0.6, label=style["label"], zorder=3)
    truth = torch.stack([result.setting.a_star, -result.setting.a_star])
    ax.scatter(truth[:, 0], truth[:, 1], facecolors="none", edgecolors=TRUTH_STYLE["color"],
               marker=TRUTH_STYLE["marker"], s=TRUTH_STYLE["s"], label=r"truth $\pm a^*$", zorder=4)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry: run the CI or the full grid and print the summary and each spurious minimum."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["ci", "full"], default="ci", help="which grid of settings to run")
    parser.add_argument("--per-side", type=int, default=25, help="starts per side of each square grid")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    settings = ci_grid() if args.scale == "ci" else full_grid()
    results = run_census(settings, per_side=args.per_side)
    print(summarize(results))
    for r in results:
        for p in r.spurious_minima:
            s = r.setting
            print(
                f"|m|={s.mean_norm:g} |a*|={s.a_star_norm:g} angle={s.angle_deg:g} sigma2={s.sigma2:g}: "
                f"minimum at {[round(v, 4) for v in p.point.tolist()]} with loss {p.value:.3g}"
            )


if __name__ == "__main__":
    main()
