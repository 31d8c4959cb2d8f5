"""Numerical landscape analysis: every stationary point of a smooth loss, with its Hessian spectrum and kind.

The chapters use these routines to check claims about stationary sets independently of closed-form
derivations. A point is reported only if its gradient norm is driven below a tolerance, and its kind is
read off the eigenvalues of the Hessian.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from mmdlib._validation import check_integer, check_nonnegative, check_positive, check_tensor

KINDS = ("minimum", "strict saddle", "maximum", "degenerate")


@dataclass(frozen=True)
class StationaryPoint:
    """A point where the gradient vanishes, with the Hessian spectrum that decides its kind.

    Attributes:
        x: location, float64 tensor ``(d,)``.
        value: loss at ``x``.
        grad_norm: Euclidean norm of the gradient at ``x``.
        eigenvalues: Hessian eigenvalues in ascending order, float64 tensor ``(d,)``.
        kind: one of ``KINDS``, see :func:`classify_eigenvalues`.
    """

    x: torch.Tensor
    value: float
    grad_norm: float
    eigenvalues: torch.Tensor
    kind: str


def classify_eigenvalues(eigenvalues: torch.Tensor, eig_tol: float) -> str:
    """Name the kind of a stationary point from its Hessian eigenvalues.

    An eigenvalue counts as zero when its absolute value is at most ``eig_tol``. The point is a
    ``minimum`` if all eigenvalues exceed ``eig_tol`` and a ``maximum`` if all are below ``-eig_tol``.
    It is a ``strict saddle`` if at least one is below ``-eig_tol`` and one above ``eig_tol``, which
    allows zero eigenvalues along a manifold of saddles. Otherwise it is ``degenerate``, because
    second-order information cannot decide.

    Raises:
        TypeError: if eigenvalues is not a float tensor.
        ValueError: if eigenvalues is empty or contains NaN or infinite values, or eig_tol is negative.
    """
    eigenvalues = check_tensor("eigenvalues", eigenvalues, min_dim=1)
    if eigenvalues.numel() == 0:
        raise ValueError("eigenvalues must contain at least one value, got an empty tensor")
    eig_tol = check_nonnegative("eig_tol", eig_tol)
    has_negative = bool((eigenvalues < -eig_tol).any())
    has_positive = bool((eigenvalues > eig_tol).any())
    has_zero = bool((eigenvalues.abs() <= eig_tol).any())
    if has_negative and has_positive:
        return "strict saddle"
    if has_zero:
        return "degenerate"
    return "minimum" if has_positive else "maximum"


def _check_fn_output(value: object, batch: int | None) -> torch.Tensor:
    expected = "a scalar tensor" if batch is None else f"a tensor of shape ({batch},)"
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"fn must return {expected}, got {type(value).__name__}")
    shape_ok = value.dim() == 0 if batch is None else tuple(value.shape) == (batch,)
    if not shape_ok:
        raise ValueError(
            f"fn must return {expected}, got shape {tuple(value.shape)}; "
            "reduce the output or pass batched=True for a function of (k, d) points"
        )
    return value


def _derivatives_batched(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Values (k,), gradients (k, d) and Hessians (k, d, d) of a row-wise function of x (k, d)."""
    k, d = x.shape
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        values = _require_graph(_check_fn_output(fn(x), k))
        (grads,) = torch.autograd.grad(values.sum(), x, create_graph=True)
        rows = []
        for j in range(d):
            (row,) = torch.autograd.grad(grads[:, j].sum(), x, retain_graph=j < d - 1, allow_unused=True)
            rows.append(torch.zeros_like(x) if row is None else row)
    hessians = torch.stack(rows, dim=1)  # (k, d, d), row j = d grad_j / dx
    return values.detach(), grads.detach(), hessians.detach()


def _derivatives_one(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Value, gradient (d,) and Hessian (d, d) of fn at one point x (d,), by plain autograd."""
    d = x.shape[0]
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        value = _require_graph(_check_fn_output(fn(x), None))
        (grad,) = torch.autograd.grad(value, x, create_graph=True)
        rows = []
        for j in range(d):
            if grad.requires_grad:
                (row,) = torch.autograd.grad(grad[j], x, retain_graph=True, allow_unused=True)
            else:
                row = None
            rows.append(torch.zeros_like(x) if row is None else row)
    return value.detach(), grad.detach(), torch.stack(rows).detach()


def loss_derivatives(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, *, batched: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Evaluate fn with its gradient and Hessian at every row of x.

    With ``batched=False``, fn maps one point ``(d,)`` to a scalar. The derivatives are then computed
    with ``torch.func.vmap`` over ``torch.func.grad`` and ``torch.func.jacrev`` when fn allows it, and
    with a loop over rows otherwise (fn that inspects values, such as input validation, cannot be
    vmapped). With ``batched=True``, fn maps ``(k, d)`` to ``(k,)`` row by row, which is faster.

    Args:
        fn: the loss.
        x: points ``(k, d)``, float64.
        batched: whether fn takes all k points at once.

    Returns:
        values ``(k,)``, gradients ``(k, d)`` and Hessians ``(k, d, d)``.

    Raises:
        TypeError, ValueError: when x is not a float tensor ``(k, d)`` with k, d >= 1, or fn does not
            return a scalar (or a ``(k,)`` tensor when batched). NaN in x is allowed, because the
            stationary-point searches evaluate diverged runs and drop them afterwards.
    """
    if not isinstance(x, torch.Tensor) or not x.dtype.is_floating_point:
        kind = f"a tensor of dtype {x.dtype}" if isinstance(x, torch.Tensor) else type(x).__name__
        raise TypeError(f"x must be a torch.Tensor of dtype float32 or float64, got {kind}; convert it with x.double()")
    if x.dim() != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(
            f"x must have shape (k, d) with k >= 1 and d >= 1, got {tuple(x.shape)}; use x[None] for a single point"
        )
    if batched:
        return _derivatives_batched(fn, x)
    _check_fn_output(fn(x[0]), None)
    try:
        values = torch.func.vmap(fn)(x)
        grads = torch.func.vmap(torch.func.grad(fn))(x)
        hessians = torch.func.vmap(torch.func.jacrev(torch.func.grad(fn)))(x)
    except RuntimeError:
        # vmap rejects data-dependent control flow such as bool(tensor); fall back to a loop.
        results = [_derivatives_one(fn, row) for row in x]
        values = torch.stack([r[0] for r in results])
        grads = torch.stack([r[1] for r in results])
        hessians = torch.stack([r[2] for r in results])
    return values.detach(), grads.detach(), hessians.detach()


def _check_starts(starts: object) -> torch.Tensor:
    """Return starts if it is a finite float tensor of shape (k, d) with k, d >= 1."""
    starts = check_tensor("starts", starts)
    if starts.dim() != 2 or starts.shape[0] < 1 or starts.shape[1] < 1:
        raise ValueError(
            f"starts must have shape (k, d) with k >= 1 and d >= 1, got {tuple(starts.shape)}; "
            "use starts[None] for a single start"
        )
    return starts


def _cap_length(step: torch.Tensor, max_step: float) -> torch.Tensor:
    length = step.norm(dim=-1, keepdim=True).clamp_min(1e-300)
    return step * torch.clamp(max_step / length, max=1.0)


def _newton(
    fn: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    *,
    tol: float,
    max_iter: int,
    max_step: float,
    max_norm: float,
    batched: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Newton's method on grad fn = 0 from every row of x (k, d), steps capped at max_step in length.

    Every step is taken, so the iteration converges to maxima and saddles as readily as to minima.
    Returns the final points and their gradient norms.
    """
    _, grad, hess = loss_derivatives(fn, x, batched=batched)
    norm = grad.norm(dim=-1)
    for _ in range(max_iter):
        active = (norm > tol) & (x.norm(dim=-1) <= max_norm)  # escaped runs stop
        if not bool(active.any()):
            break
        step = -torch.linalg.lstsq(hess, grad.unsqueeze(-1)).solution.squeeze(-1)  # least squares if singular
        step = torch.where(active[:, None], _cap_length(step, max_step), torch.zeros_like(step))
        x = x + step
        _, grad, hess = loss_derivatives(fn, x, batched=batched)
        norm = torch.where(torch.isfinite(grad.norm(dim=-1)), grad.norm(dim=-1), torch.full_like(norm, math.inf))
    return x, norm


def _levenberg_marquardt(
    fn: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    *,
    tol: float,
    max_iter: int,
    max_step: float,
    max_norm: float,
    batched: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Drive |grad fn|^2 to zero from every row of x (k, d). Returns the points and their gradient norms.

    The residual is r = grad fn with Jacobian H = Hessian, so each step solves (H^2 + lam I) dx = -H r.
    Each start keeps its own damping lam, which shrinks after a step that lowers |r| and grows otherwise,
    so far from a zero the step is a short descent step on |r|^2 and near a simple zero it is Newton's.
    """
    k, d = x.shape
    eye = torch.eye(d, dtype=x.dtype)
    lam = torch.full((k,), 1e-3, dtype=x.dtype)
    _, grad, hess = loss_derivatives(fn, x, batched=batched)
    norm = grad.norm(dim=-1)
    for _ in range(max_iter):
        active = (norm > tol) & (x.norm(dim=-1) <= max_norm)  # escaped runs stop
        if not bool(active.any()):
            break
        scale = (hess @ hess).diagonal(dim1=-2, dim2=-1).mean(-1).clamp_min(1e-300)  # (k,)
        system = hess @ hess + (lam * scale)[:, None, None] * eye
        step = -torch.linalg.lstsq(system, (hess @ grad.unsqueeze(-1))).solution.squeeze(-1)
        step = torch.where(active[:, None], _cap_length(step, max_step), torch.zeros_like(step))
        trial = x + step
        _, trial_grad, trial_hess = loss_derivatives(fn, trial, batched=batched)
        trial_norm = trial_grad.norm(dim=-1)
        better = active & torch.isfinite(trial_norm) & (trial_norm < norm)
        x = torch.where(better[:, None], trial, x)
        grad = torch.where(better[:, None], trial_grad, grad)
        hess = torch.where(better[:, None, None], trial_hess, hess)
        norm = torch.where(better, trial_norm, norm)
        lam = torch.where(better, (lam / 10.0).clamp_min(1e-12), torch.where(active, lam * 10.0, lam))
        lam = lam.clamp_max(1e12)
    return x, norm


def find_stationary_points(
    fn: Callable[[torch.Tensor], torch.Tensor],
    starts: torch.Tensor,
    *,
    tol: float = 1e-10,
    max_iter: int = 200,
    merge_tol: float = 1e-5,
    eig_tol: float = 1e-6,
    max_norm: float | None = None,
    max_step: float = 0.5,
    batched: bool = False,
) -> list[StationaryPoint]:
    """Find the stationary points of fn reachable from the given starts, without duplicates.

    Each start is run twice: by Newton's method on grad fn = 0, and by Levenberg-Marquardt iterations on
    the residual grad fn (Jacobian = Hessian), which descend on |grad fn|^2. Newton's method reaches
    saddles and maxima from farther away, and Levenberg-Marquardt rescues starts where Newton's method
    wanders; both cap each step at ``max_step``. Runs that end with |grad fn| <= ``tol`` are
    stationary points. Those
    within ``merge_tol`` of each other are merged, keeping the one with the smaller gradient norm, and
    each is classified by :func:`classify_eigenvalues` with tolerance ``eig_tol``. Runs that stall at
    a non-zero minimum of |grad fn|^2 (an inflection point, for instance) are dropped.

    Args:
        fn: loss, mapping a point ``(d,)`` to a scalar tensor (or ``(k, d)`` to ``(k,)`` if ``batched``).
            It is called on float64 tensors and must be twice differentiable by autograd.
        starts: initial points ``(k, d)``; converted to float64.
        tol: gradient-norm threshold for a point to count as stationary.
        max_iter: maximum Levenberg-Marquardt iterations per start.
        merge_tol: Euclidean distance below which two points are the same.
        eig_tol: absolute Hessian eigenvalue threshold below which an eigenvalue counts as zero.
        max_step: largest step length of either method, in the units of x.
        max_norm: if given, points with |x| > max_norm are dropped. Losses with vanishing gradients
            far away (all MMD losses here) otherwise report flat far-field points.
        batched: whether fn takes all points ``(k, d)`` at once, row by row.

    Returns:
        Stationary points sorted by value, then by coordinates.

    Raises:
        TypeError: if starts is not a float tensor or fn does not return a tensor.
        ValueError: if starts is not ``(k, d)`` with k, d >= 1, a tolerance is not positive, or fn does
            not return a scalar per point.
    """
    starts = _check_starts(starts)
    tol = float(check_positive("tol", tol))
    merge_tol = float(check_positive("merge_tol", merge_tol))
    eig_tol = float(check_positive("eig_tol", eig_tol))
    max_iter = check_integer("max_iter", max_iter, minimum=1)
    if max_norm is not None:
        max_norm = float(check_positive("max_norm", max_norm))

    max_step = float(check_positive("max_step", max_step))
    starts = starts.detach().double()
    limit = math.inf if max_norm is None else max_norm
    options = {"tol": tol, "max_iter": max_iter, "max_step": max_step, "max_norm": limit, "batched": batched}
    x_newton, norm_newton = _newton(fn, starts, **options)
    x_lm, norm_lm = _levenberg_marquardt(fn, starts, **options)
    x = torch.cat([x_newton, x_lm])
    norm = torch.cat([norm_newton, norm_lm])
    keep = norm <= tol
    if max_norm is not None:
        keep &= x.norm(dim=-1) <= max_norm
    x, norm = x[keep], norm[keep]

    order = torch.argsort(norm)
    chosen: list[int] = []
    for i in order.tolist():
        if all(float((x[i] - x[j]).norm()) > merge_tol for j in chosen):
            chosen.append(i)
    if not chosen:
        return []
    points = x[chosen]
    values, grads, hessians = loss_derivatives(fn, points, batched=batched)
    eigenvalues = torch.linalg.eigvalsh(0.5 * (hessians + hessians.transpose(-2, -1)))
    found = [
        StationaryPoint(
            x=points[i],
            value=float(values[i]),
            grad_norm=float(grads[i].norm()),
            eigenvalues=eigenvalues[i],
            kind=classify_eigenvalues(eigenvalues[i], eig_tol),
        )
        for i in range(len(chosen))
    ]
    return sorted(found, key=lambda p: (round(p.value, 12), *p.x.tolist()))


def count_kinds(points: list[StationaryPoint]) -> dict[str, int]:
    """Number of stationary points of each kind in ``KINDS`` (zero counts included)."""
    return {kind: sum(p.kind == kind for p in points) for kind in KINDS}


def find_local_minima(
    fn: Callable[[torch.Tensor], torch.Tensor],
    starts: torch.Tensor,
    *,
    step: float,
    max_iter: int = 2000,
    tol: float = 1e-8,
    batched: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run plain gradient descent x <- x - step * grad fn(x) from every start, all starts at once.

    With ``step <= 1 / L``, where L bounds the Hessian's spectral norm (Lemmas 7 and 8 give such
    bounds for the MMD losses), every step decreases fn, so runs end near local minima or in flat
    regions where the gradient vanishes only asymptotically. Callers tell these apart by the returned
    gradient norms and positions.

    Args:
        fn: loss, as in :func:`find_stationary_points`.
        starts: initial points ``(k, d)``; converted to float64.
        step: gradient-descent step size, positive.
        max_iter: maximum iterations; a run stops earlier once its gradient norm is at most ``tol``.
        tol: gradient-norm threshold for a run to stop.
        batched: whether fn takes all points ``(k, d)`` at once, row by row.

    Returns:
        Final points ``(k, d)`` and their gradient norms ``(k,)``, all finite.

    Raises:
        TypeError, ValueError: as :func:`find_stationary_points` for bad starts or fn output, and for a
            non-positive step or tolerance.
        ValueError: when fn's output does not depend on its input (no autograd graph, e.g. a constant),
            or when a gradient turns NaN or infinite at any start (fn undefined there, or the run
            diverged because the step is too large). A NaN run is never reported as converged.
    """
    starts = _check_starts(starts)
    step = float(check_positive("step", step))
    tol = float(check_positive("tol", tol))
    max_iter = check_integer("max_iter", max_iter, minimum=1)
    x = starts.detach().double()
    for iteration in range(max_iter):
        grad = _gradients(fn, x, batched=batched)
        norm = grad.norm(dim=-1)
        _check_finite_norm(norm, iteration, step)
        active = norm > tol
        if not bool(active.any()):
            break
        x = x - step * torch.where(active[:, None], grad, torch.zeros_like(grad))
    norm = _gradients(fn, x, batched=batched).norm(dim=-1)
    _check_finite_norm(norm, max_iter, step)
    return x, norm


def _check_finite_norm(norm: torch.Tensor, iteration: int, step: float) -> None:
    """Raise if any gradient norm is NaN or infinite, so that a NaN never passes as converged."""
    bad = ~torch.isfinite(norm)
    if bool(bad.any()):
        rows = bad.nonzero().flatten().tolist()
        raise ValueError(
            f"the gradient of fn is NaN or infinite after {iteration} descent steps for start rows {rows[:10]}; "
            f"check fn at those starts, or use a smaller step than {step:g} if the runs diverged"
        )


def _require_graph(value: torch.Tensor) -> torch.Tensor:
    """Return fn's output if autograd can differentiate it with respect to the input, else raise."""
    if not value.requires_grad:
        raise ValueError(
            "fn's output does not depend on its input x (it carries no autograd graph), so it has no "
            "gradient; build the output from x with torch operations, without .item(), .detach() or constants"
        )
    return value


def _gradients(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, *, batched: bool) -> torch.Tensor:
    """Gradients (k, d) of fn at every row of x (k, d), without the Hessian."""
    with torch.enable_grad():
        if batched:
            x = x.detach().requires_grad_(True)
            (grads,) = torch.autograd.grad(_require_graph(_check_fn_output(fn(x), x.shape[0])).sum(), x)
            return grads.detach()
        rows = []
        for row in x:
            row = row.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(_require_graph(_check_fn_output(fn(row), None)), row)
            rows.append(grad)
        return torch.stack(rows).detach()
