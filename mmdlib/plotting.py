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

KIND_COLOR_KEYS: dict[str, str] = {"mmd": "mmd", "osmmd": "one_sided_mmd", "mle": "mle", "wgan": "wgan"}
"""Method kind of a results file (:data:`mmdlib.experiments.spec.METHOD_KINDS`) to its key in METHOD_COLORS."""

_VARIANT_MARKERS = ("o", "s", "^", "D", "v", "P")
_VARIANT_LINES = ("-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1)))
X_LABELS = {"m": "m (data points)", "eps": r"$\epsilon$", "sigma_w2": r"noise variance $\sigma_w^2$"}


def method_color(kind: str) -> str:
    """The colour of a method kind (``"mmd"``, ``"osmmd"``, ``"mle"``, ``"wgan"``, ``"vca"``).

    Raises:
        ValueError: for an unknown kind.
    """
    key = KIND_COLOR_KEYS.get(kind, kind)
    if key not in METHOD_COLORS:
        raise ValueError(f"no colour for method kind {kind!r}; known kinds: {sorted(KIND_COLOR_KEYS) + ['vca']}")
    return METHOD_COLORS[key]


def method_styles(data: dict) -> dict[str, dict[str, object]]:
    """Matplotlib style per method of a results dict: the kind's colour, and a marker and line style
    that tell apart several set-ups of one kind (such as MMD 1 to MMD 6)."""
    styles: dict[str, dict[str, object]] = {}
    seen: dict[str, int] = {}
    for method in data["spec"]["methods"]:
        k = seen.get(method["kind"], 0)
        seen[method["kind"]] = k + 1
        styles[method["name"]] = {
            "color": method_color(method["kind"]),
            "marker": _VARIANT_MARKERS[k % len(_VARIANT_MARKERS)],
            "linestyle": _VARIANT_LINES[k % len(_VARIANT_LINES)],
        }
    return styles


def _spread(x: float, index: int, count: int, log: bool, width: float = 0.06) -> float:
    """Shift the i-th of ``count`` curves sideways so their error bars do not hide one another."""
    offset = (index - (count - 1) / 2) * width / max(count - 1, 1)
    return x * 10 ** offset if log else x + offset


def _label_log_axis(ax, values: list[float]) -> None:
    """Put one labelled tick at each x value of the data and hide the minor tick labels of a log axis."""
    from matplotlib.ticker import NullFormatter

    ticks = sorted(set(values))
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{v:g}" for v in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_success_rates(ax, data: dict, x: str = "m", *, title: str | None = None, log_x: bool = True) -> None:
    """Draw each method's success rate against setting field ``x`` with Wilson 95% intervals as error bars.

    Args:
        ax: a matplotlib Axes.
        data: a validated results dict (:func:`mmdlib.experiments.results.load` or
            :func:`mmdlib.experiments.live.collect`).
        x: the setting field on the horizontal axis: ``"m"``, ``"eps"`` or ``"sigma_w2"``.
        title: the axes title; None leaves it unset.
        log_x: draw the horizontal axis on a log scale (the values are powers of two or ten).
    """
    from mmdlib.experiments.verdicts import methods, rate_curve, x_values

    styles = method_styles(data)
    names = methods(data)
    for i, name in enumerate(names):
        curve = rate_curve(data, name, x)
        keep = [j for j, t in enumerate(curve.trials) if t]
        xs = [_spread(curve.x[j], i, len(names), log_x) for j in keep]
        rates = [curve.rates[j] for j in keep]
        # Clamped at 0: for 0 or all successes a bound equals the rate up to rounding.
        below = [max(curve.rates[j] - curve.low[j], 0.0) for j in keep]
        above = [max(curve.high[j] - curve.rates[j], 0.0) for j in keep]
        ax.errorbar(xs, rates, yerr=[below, above], label=name, capsize=3, markersize=5, **styles[name])
    if log_x:
        ax.set_xscale("log")
        _label_log_axis(ax, [float(v) for v in x_values(data, x).values()])
    ax.set_xlabel(X_LABELS.get(x, x))
    ax.set_ylabel("success rate (Wilson 95% interval)")
    ax.set_ylim(-0.03, 1.03)
    if title is not None:
        ax.set_title(title)
    ax.legend(fontsize="small")


def plot_error_summary(ax, data: dict, x: str = "sigma_w2", *, title: str | None = None,
                       paper: dict[float, dict[str, tuple[float, float]]] | None = None) -> None:
    """Draw each method's mean error with one standard deviation as error bars against setting field ``x``.

    Args:
        ax: a matplotlib Axes; data: a validated results dict; x: the setting field on the horizontal axis.
        title: the axes title; None leaves it unset.
        paper: optional values printed in the paper, ``{x value: {method: (mean, std)}}``; methods of ``data``
            found there are drawn as unfilled markers of the same style, without error bars.
    """
    from mmdlib.experiments.verdicts import error_summary, methods, x_values

    styles = method_styles(data)
    names = methods(data)
    xs = x_values(data, x)
    for i, name in enumerate(names):
        points = [error_summary(data, label, name) for label in xs
                  if any(r["setting"] == label and r["method"] == name and r["finished"] for r in data["runs"])]
        points = [p for p in points if p.finite]
        px = [_spread(float(xs[p.setting]), i, len(names), True) for p in points]
        ax.errorbar(px, [p.mean for p in points], yerr=[0.0 if p.finite < 2 else p.std for p in points],
                    label=name, capsize=3, markersize=5, **styles[name])
        if paper is not None:
            known = [(float(v), row[name][0]) for v, row in paper.items() if name in row]
            if known:
                ax.plot([_spread(v, i, len(names), True) for v, _ in known], [m for _, m in known], linestyle="none",
                        marker=styles[name]["marker"], markerfacecolor="none", markeredgecolor=styles[name]["color"],
                        markersize=9, label=f"_paper {name}")
    ax.set_xscale("log")
    _label_log_axis(ax, [float(v) for v in xs.values()])
    ax.set_yscale("log")
    ax.set_xlabel(X_LABELS.get(x, x))
    ax.set_ylabel(r"$d(A, A^*)$, mean $\pm$ one std")
    if title is not None:
        ax.set_title(title)
    ax.legend(fontsize="small")
