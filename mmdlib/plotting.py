"""Shared figure conventions: one colour per method and per stationary-point kind, used by every chapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

import torch

if TYPE_CHECKING:
    import matplotlib.axes
    import matplotlib.contour

    from mmdlib.landscape import StationaryPoint

METHOD_COLORS: dict[str, str] = {
    "mmd": "#1f77b4",
    "one_sided_mmd": "#2ca02c",
    "mle": "#d62728",
    "wgan": "#9467bd",
    "vca": "#8c564b",
}

METHOD_LABELS: dict[str, str] = {
    "mmd": "MMD",
    "one_sided_mmd": "one-sided MMD",
    "mle": "MLE",
    "wgan": "WGAN",
    "vca": "VCA",
}

KIND_STYLES: dict[str, dict[str, str]] = {
    "minimum": {"color": "#2ca02c", "marker": "o", "label": "minimum"},
    "strict saddle": {"color": "#ff7f0e", "marker": "X", "label": "strict saddle"},
    "maximum": {"color": "#d62728", "marker": "^", "label": "maximum"},
    "degenerate": {"color": "#7f7f7f", "marker": "s", "label": "degenerate"},
}

TRUTH_STYLE: dict[str, object] = {"color": "black", "marker": "*", "s": 160, "label": "truth"}


def plot_landscape_2d(
    ax: "matplotlib.axes.Axes",
    fn: Callable[[torch.Tensor], torch.Tensor],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    points: Sequence["StationaryPoint"] = (),
    truth: torch.Tensor | None = None,
    *,
    resolution: int = 150,
    levels: int = 30,
    batched: bool = True,
    cmap: str = "viridis",
) -> "matplotlib.contour.QuadContourSet":
    """Draw filled contours of a loss over a rectangle with its stationary points marked by kind.

    Args:
        ax: matplotlib axes to draw on.
        fn: the loss. With ``batched=True`` it maps points ``(n, 2)`` to ``(n,)``; otherwise it maps one
            point ``(2,)`` to a scalar and is evaluated point by point.
        xlim, ylim: plotted ranges of the first and second coordinate.
        points: stationary points, each drawn with ``KIND_STYLES[point.kind]``; one legend entry per kind.
        truth: optional true parameter ``(2,)``, drawn with ``TRUTH_STYLE``.
        resolution: grid points per axis.
        levels: number of contour levels.
        batched: whether fn takes all grid points at once.
        cmap: matplotlib colour map of the contours.

    Returns:
        The contour set, for a colour bar.

    Raises:
        ValueError: if a range is empty or a point or the truth is not two-dimensional.
    """
    for name, lim in (("xlim", xlim), ("ylim", ylim)):
        if not lim[0] < lim[1]:
            raise ValueError(f"{name} must be (low, high) with low < high, got {lim}")
    xs = torch.linspace(xlim[0], xlim[1], resolution, dtype=torch.float64)
    ys = torch.linspace(ylim[0], ylim[1], resolution, dtype=torch.float64)
    grid_x, grid_y = torch.meshgrid(xs, ys, indexing="xy")
    grid = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=-1)  # (resolution^2, 2)
    with torch.no_grad():
        values = fn(grid) if batched else torch.stack([fn(p) for p in grid])
    contours = ax.contourf(grid_x.numpy(), grid_y.numpy(), values.reshape(grid_x.shape).numpy(), levels=levels,
                           cmap=cmap)
    labelled: set[str] = set()
    for point in points:
        if point.x.shape != (2,):
            raise ValueError(f"stationary points must be two-dimensional, got shape {tuple(point.x.shape)}")
        style = dict(KIND_STYLES[point.kind])
        label = style.pop("label")
        ax.scatter(float(point.x[0]), float(point.x[1]), s=70, edgecolors="white", zorder=3,
                   label=None if label in labelled else label, **style)
        labelled.add(label)
    if truth is not None:
        if truth.shape != (2,):
            raise ValueError(f"truth must have shape (2,), got {tuple(truth.shape)}")
        ax.scatter(float(truth[0]), float(truth[1]), zorder=4, **TRUTH_STYLE)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return contours
